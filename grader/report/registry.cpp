// The format registry: names -> reporters, and where each format goes by default.
#include "report/reporter.hpp"

#include <chrono>
#include <cstdlib>
#include <ctime>

namespace interleave {

ReporterContext process_context() {
    ReporterContext c;
    c.env = [](const std::string& name) -> std::optional<std::string> {
        const char* v = std::getenv(name.c_str());
        return v == nullptr ? std::nullopt : std::optional<std::string>(v);
    };
    c.now_utc = [] {
        const std::time_t t =
            std::chrono::system_clock::to_time_t(std::chrono::system_clock::now());
        std::tm tm{};
        gmtime_r(&t, &tm);
        char buf[32];
        std::strftime(buf, sizeof buf, "%Y-%m-%dT%H:%M:%SZ", &tm);
        return std::string(buf);
    };
    return c;
}

const std::vector<std::string>& report_format_names() {
    static const std::vector<std::string> names{"terminal",    "json",       "junit",
                                                "markdown",    "github",     "classroom",
                                                "classroom50", "gradescope", "prairielearn"};
    return names;
}

std::unique_ptr<Reporter> make_reporter(const std::string& name, TerminalStyle style,
                                        const ReporterContext& context) {
    if (name == "terminal") return make_terminal_reporter(style);
    if (name == "json") return make_json_reporter();
    if (name == "junit") return make_junit_reporter();
    if (name == "markdown") return make_markdown_reporter();
    if (name == "github") return make_github_reporter(context);
    if (name == "classroom") return make_classroom_reporter(context);
    if (name == "classroom50") return make_classroom50_reporter(context);
    if (name == "gradescope") return make_gradescope_reporter(context);
    if (name == "prairielearn") return make_prairielearn_reporter();
    return nullptr;
}

DefaultDestination default_destination(const std::string& format, const EnvLookup& env) {
    const char* variable = format == "markdown"    ? "GITHUB_STEP_SUMMARY"
                           : format == "classroom" ? "GITHUB_OUTPUT"
                                                   : nullptr;
    if (variable == nullptr || !env) return {};
    const auto path = env(variable);
    if (!path || path->empty()) return {};
    return DefaultDestination{*path, true};
}

}  // namespace interleave
