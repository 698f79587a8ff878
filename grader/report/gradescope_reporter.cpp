// Gradescope's results.json, as its "Autograder Specifications" page describes it
// (gradescope-autograders.readthedocs.io/en/latest/specs/, "Output format"): top-level score,
// execution_time (seconds), output and tests; each test with name, score, max_score, status
// ("passed" or "failed"), output and visibility; an optional leaderboard of {name, value,
// order}. The leaderboard (each timing comparison's ratio, lower is better) is written when
// KATA_GRADESCOPE_LEADERBOARD=1.
#include "report/reporter.hpp"

#include <fmt/format.h>

#include <cmath>

namespace interleave {

namespace {

std::string check_output(const CheckResult& c) {
    std::string out = c.message;
    for (const auto& d : c.details) out += "\n" + d;
    return out;
}

class GradescopeReporter final : public Reporter {
  public:
    explicit GradescopeReporter(ReporterContext context) : context_(std::move(context)) {}

    void render(const GradeReport& report, std::ostream& out) const override {
        nlohmann::json tests = nlohmann::json::array();
        nlohmann::json leaderboard = nlohmann::json::array();
        for (const auto& k : report.katas) {
            for (const auto& c : k.checks) {
                if (c.disabled) {
                    // Switched off by the course: shown, with no score, out of the total.
                    tests.push_back(nlohmann::json{
                        {"name", fmt::format("{} {} (switched off, not graded)", k.folder, c.name)},
                        {"output", check_output(c)},
                        {"visibility", "visible"}});
                    continue;
                }
                if (c.status == CheckStatus::pending) {
                    // Graded by hand (a Gradescope manual question): shown, with no score, so
                    // its points are neither earned nor lost here.
                    tests.push_back(nlohmann::json{
                        {"name", fmt::format("{} {} (pending manual review, {:.4g} points)",
                                             k.folder, c.name, c.max_score)},
                        {"output", check_output(c)},
                        {"visibility", "visible"}});
                    continue;
                }
                tests.push_back(
                    nlohmann::json{{"name", fmt::format("{} {}", k.folder, c.name)},
                                   {"score", c.score},
                                   {"max_score", c.max_score},
                                   {"status", c.status == CheckStatus::pass ? "passed" : "failed"},
                                   {"output", check_output(c)},
                                   {"visibility", "visible"}});
                if (!c.is(CheckKind::timing)) continue;
                for (const auto& cmp : c.comparisons) {
                    leaderboard.push_back(
                        nlohmann::json{{"name", fmt::format("{} {} ratio", k.folder, cmp.name)},
                                       {"value", cmp.ratio},
                                       {"order", "asc"}});
                }
            }
        }
        std::string output = fmt::format("{} ({}): {:.4g}/{:.4g}", report.course, report.source,
                                         report.score, report.max_score);
        for (const auto& n : report.notes) output += "\nnote: " + n;
        if (report.pending_points > 0)
            output += fmt::format("\n{:.4g} more points are pending manual review",
                                  report.pending_points);
        if (report.disabled_points > 0)
            output += fmt::format(
                "\n{:.4g} points belong to checks switched off for this course, out of the total",
                report.disabled_points);
        nlohmann::json doc{{"score", report.score},
                           {"execution_time", std::llround(report.seconds)},
                           {"output", output},
                           {"tests", tests}};
        const auto flag = context_.env ? context_.env("KATA_GRADESCOPE_LEADERBOARD") : std::nullopt;
        if (flag && *flag == "1") doc["leaderboard"] = leaderboard;
        out << doc.dump(2, ' ', false, nlohmann::json::error_handler_t::replace) << "\n";
    }

  private:
    ReporterContext context_;
};

}  // namespace

std::unique_ptr<Reporter> make_gradescope_reporter(ReporterContext context) {
    return std::make_unique<GradescopeReporter>(std::move(context));
}

}  // namespace interleave
