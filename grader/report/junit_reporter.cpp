// JUnit XML: one <testsuite> per kata, one <testcase> per check. Failed checks carry a
// <failure>, checks the grader could not judge an <error>, checks not run a <skipped/>.
#include "report/markup_escape.hpp"
#include "report/reporter.hpp"

#include <fmt/format.h>

namespace interleave {

namespace {

struct Counts {
    int tests = 0;
    int failures = 0;
    int errors = 0;
    int skipped = 0;
    double seconds = 0;

    void add(const CheckResult& c) {
        ++tests;
        failures += c.status == CheckStatus::fail ? 1 : 0;
        errors += c.status == CheckStatus::error ? 1 : 0;
        skipped += c.status == CheckStatus::skipped || c.status == CheckStatus::pending ? 1 : 0;
        seconds += c.seconds;
    }
    /// The attributes of a <testsuite>; a <testsuites> takes no `skipped` (the xUnit schema,
    /// junit-10.xsd, refuses it there).
    std::string attributes(bool with_skipped = true) const {
        if (!with_skipped)
            return fmt::format(R"(tests="{}" failures="{}" errors="{}" time="{:.3f}")", tests,
                               failures, errors, seconds);
        return fmt::format(R"(tests="{}" failures="{}" errors="{}" skipped="{}" time="{:.3f}")",
                           tests, failures, errors, skipped, seconds);
    }
};

std::string details_text(const CheckResult& c) {
    std::string out;
    for (const auto& d : c.details) out += d + "\n";
    return out;
}

class JunitReporter final : public Reporter {
  public:
    void render(const GradeReport& report, std::ostream& out) const override {
        Counts all;
        for (const auto& k : report.katas)
            for (const auto& c : k.checks) all.add(c);
        out << "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n";
        out << fmt::format("<testsuites name=\"{}\" {}>\n",
                           xml_escape(report.course + " (" + report.source + ")"),
                           all.attributes(false));
        for (const auto& k : report.katas) {
            Counts suite;
            for (const auto& c : k.checks) suite.add(c);
            out << fmt::format("  <testsuite name=\"{}\" {}>\n", xml_escape(k.folder),
                               suite.attributes());
            out << fmt::format(
                "    <properties>\n      <property name=\"title\" value=\"{}\"/>\n"
                "      <property name=\"score\" value=\"{:.4g}/{:.4g}\"/>\n    </properties>\n",
                xml_escape(k.title), k.score, k.max_score);
            for (const auto& c : k.checks) render_check(k, c, out);
            out << "  </testsuite>\n";
        }
        out << "</testsuites>\n";
    }

  private:
    static void render_check(const KataReport& k, const CheckResult& c, std::ostream& out) {
        // `file` (read by GitLab) where the check points at a line of the student's code.
        const std::string file =
            c.errors.empty()
                ? ""
                : fmt::format(" file=\"{}\"", xml_escape("exercises/" + c.errors.front().file));
        out << fmt::format("    <testcase classname=\"{}\" name=\"{}\" time=\"{:.3f}\"{}>\n",
                           xml_escape(k.folder), xml_escape(c.name), c.seconds, file);
        const std::string message = xml_escape(c.message);
        switch (c.status) {
            case CheckStatus::pass:
                break;
            case CheckStatus::fail:
                out << fmt::format("      <failure message=\"{}\" type=\"{}\">{}</failure>\n",
                                   message, xml_escape(c.name), xml_escape(details_text(c)));
                break;
            case CheckStatus::error:
                out << fmt::format("      <error message=\"{}\" type=\"{}\">{}</error>\n", message,
                                   xml_escape(c.name), xml_escape(details_text(c)));
                break;
            case CheckStatus::skipped:
                // The reason in the body too: GitLab shows the body, not the attribute.
                out << fmt::format("      <skipped message=\"{}\">{}{}</skipped>\n", message,
                                   c.disabled ? "switched off: " : "", message);
                break;
            case CheckStatus::pending:
                // Not run by the grader: a person grades it.
                out << fmt::format(
                    "      <skipped message=\"pending manual review: {}\">pending manual review: "
                    "{}</skipped>\n",
                    message, message);
                break;
        }
        if (c.max_score > 0 && c.status != CheckStatus::pending) {
            out << fmt::format("      <system-out>score {:.4g}/{:.4g}</system-out>\n", c.score,
                               c.max_score);
        }
        out << "    </testcase>\n";
    }
};

}  // namespace

std::unique_ptr<Reporter> make_junit_reporter() {
    return std::make_unique<JunitReporter>();
}

}  // namespace interleave
