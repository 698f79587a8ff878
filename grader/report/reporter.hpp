#pragma once
/// Reporters render a GradeReport; they only read it. One reporter per format, each in its own
/// file under grader/reporters/.

#include "report/report.hpp"

#include <functional>
#include <memory>
#include <optional>
#include <ostream>
#include <string>
#include <vector>

namespace interleave {

/// Writes one report format. A reporter only reads the report, which must be valid UTF-8:
/// grading cleans it first (make_valid_utf8, report/utf8.hpp). The JSON writers also replace
/// invalid bytes with U+FFFD rather than throw, should a report reach them uncleaned.
class Reporter {
  public:
    virtual ~Reporter() = default;
    /// Writes the whole report to `out`.
    virtual void render(const GradeReport& report, std::ostream& out) const = 0;
};

struct TerminalStyle {
    bool color = false;
    bool verbose = false;  ///< every detail line, not only the first few per check
    /// The command that printed the report: the line that counts hidden detail lines suggests
    /// rerunning it with --verbose ("kata check --verbose"). Only `kata grade`, which can also
    /// write a JSON report, mentions that report too.
    std::string command = "kata grade";
};

std::unique_ptr<Reporter> make_terminal_reporter(const TerminalStyle& style);
std::unique_ptr<Reporter> make_json_reporter();

/// The JSON document (also used by tests and by verify).
nlohmann::json report_to_json(const GradeReport& report);

/// Looks a format up by name ("terminal", "json"); nullptr when unknown.
std::unique_ptr<Reporter> make_reporter(const std::string& name, const TerminalStyle& style);

}  // namespace interleave

namespace interleave {

/// Reads one environment variable; nullopt when unset. Reporters that depend on CI variables
/// take one, so tests can pass a fixed map instead of the process environment.
using EnvLookup = std::function<std::optional<std::string>(const std::string&)>;

/// What the CI-facing reporters read from outside the report.
struct ReporterContext {
    EnvLookup env;
    /// The current time as ISO-8601 UTC ("2026-01-31T12:00:00Z").
    std::function<std::string()> now_utc;
};

/// The real environment and clock.
ReporterContext process_context();

std::unique_ptr<Reporter> make_junit_reporter();
std::unique_ptr<Reporter> make_markdown_reporter();
std::unique_ptr<Reporter> make_github_reporter(ReporterContext context);
std::unique_ptr<Reporter> make_classroom_reporter(ReporterContext context);
std::unique_ptr<Reporter> make_classroom50_reporter(ReporterContext context);
std::unique_ptr<Reporter> make_gradescope_reporter(ReporterContext context);
std::unique_ptr<Reporter> make_prairielearn_reporter();

/// Looks a format up by name, with the context the CI formats read; nullptr when unknown.
std::unique_ptr<Reporter> make_reporter(const std::string& name, const TerminalStyle& style,
                                        const ReporterContext& context);

/// Every format name, in the order the help text lists them.
const std::vector<std::string>& report_format_names();

/// Where a format goes when --format names no path. Most print to standard output; markdown
/// appends to $GITHUB_STEP_SUMMARY and classroom to $GITHUB_OUTPUT when those are set.
struct DefaultDestination {
    std::string path;  ///< empty: standard output
    bool append = false;
};
DefaultDestination default_destination(const std::string& format, const EnvLookup& env);

}  // namespace interleave
