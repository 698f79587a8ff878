// The human report: one block per kata, one line per check, the evidence indented below.
#include "report/reporter.hpp"

#include <fmt/format.h>

namespace interleave {

namespace {

class TerminalReporter final : public Reporter {
  public:
    explicit TerminalReporter(TerminalStyle style) : style_(std::move(style)) {}

    void render(const GradeReport& report, std::ostream& out) const override {
        out << paint("1", fmt::format("{} ({})", report.course, report.source)) << "\n";
        for (const auto& k : report.katas) {
            out << "\n"
                << paint("1", fmt::format("{:<24} {:>6}  {}", k.folder,
                                          points(k.score, k.max_score), k.title))
                << "\n";
            for (const auto& c : k.checks) {
                out << fmt::format("  {} {:<7} {:>7}  {}\n", mark(c.status), c.name,
                                   // A pending part shows no score yet, not a zero.
                                   c.status == CheckStatus::pending
                                       ? fmt::format("-/{:.4g}", c.max_score)
                                   : c.max_score > 0 ? points(c.score, c.max_score)
                                                     : "",
                                   c.message);
                // Four lines of evidence, or all of them when only one more would be hidden; the
                // explorer's interleaving is the evidence, whole or useless.
                const std::size_t limit =
                    style_.verbose || c.details.size() <= 5 || c.is(CheckKind::explore)
                        ? c.details.size()
                        : std::size_t{4};
                for (std::size_t i = 0; i < limit; ++i) out << indent(c.details[i]) << "\n";
                if (limit < c.details.size()) {
                    out << fmt::format(
                        "      ... {} more ({} --verbose{})\n", c.details.size() - limit,
                        style_.command,
                        style_.command == "kata grade" ? ", or the JSON report" : "");
                }
            }
        }
        for (const auto& n : report.notes) out << "\n" << paint("33", "note: ") << n << "\n";
        out << "\n"
            << paint("1", fmt::format("Total: {} ({:.0f}%)  in {:.1f} s",
                                      points(report.score, report.max_score),
                                      // Rounded down: 99.81 of 100 is not 100%.
                                      percent_of(report), report.seconds))
            << "\n";
        if (report.disabled_points > 0) {
            out << paint("1", fmt::format("       {:.4g} more points belong to checks switched off "
                                          "for this run, out of the total",
                                          report.disabled_points))
                << "\n";
        }
        if (report.pending_points > 0) {
            out << paint("1",
                         fmt::format(
                             "       automatic total; {:.4g} more points pending manual review",
                             report.pending_points))
                << "\n";
        }
    }

  private:
    static std::string points(double score, double max) {
        return fmt::format("{}/{}", fmt::format("{:.4g}", score), fmt::format("{:.4g}", max));
    }
    static std::string indent(const std::string& text) {
        std::string out = "      ";
        for (char ch : text) {
            out += ch;
            if (ch == '\n') out += "      ";
        }
        return out;
    }
    std::string paint(const char* code, const std::string& text) const {
        return style_.color ? fmt::format("\033[{}m{}\033[0m", code, text) : text;
    }
    std::string mark(CheckStatus s) const {
        switch (s) {
            case CheckStatus::pass:
                return paint("32", "PASS");
            case CheckStatus::fail:
                return paint("31", "FAIL");
            case CheckStatus::error:
                return paint("35", "ERR ");
            case CheckStatus::skipped:
                return paint("2", "SKIP");
            case CheckStatus::pending:
                return paint("36", "PEND");
        }
        return "????";
    }

    TerminalStyle style_;
};

}  // namespace

std::unique_ptr<Reporter> make_terminal_reporter(const TerminalStyle& style) {
    return std::make_unique<TerminalReporter>(style);
}

}  // namespace interleave
