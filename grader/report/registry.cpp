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

namespace {

/// One report format: its name, how to make its reporter, and the CI variable naming the file
/// it goes to when --format gives no path (nullptr: standard output).
struct Format {
    const char* name;
    std::unique_ptr<Reporter> (*make)(const TerminalStyle& style, const ReporterContext& context);
    const char* default_file_variable;
};

const Format kFormats[] = {
    {"terminal",
     [](const TerminalStyle& s, const ReporterContext&) { return make_terminal_reporter(s); },
     nullptr},
    {"json", [](const TerminalStyle&, const ReporterContext&) { return make_json_reporter(); },
     nullptr},
    {"junit", [](const TerminalStyle&, const ReporterContext&) { return make_junit_reporter(); },
     nullptr},
    {"markdown",
     [](const TerminalStyle&, const ReporterContext&) { return make_markdown_reporter(); },
     "GITHUB_STEP_SUMMARY"},
    {"github",
     [](const TerminalStyle&, const ReporterContext& c) { return make_github_reporter(c); },
     nullptr},
    {"classroom",
     [](const TerminalStyle&, const ReporterContext& c) { return make_classroom_reporter(c); },
     "GITHUB_OUTPUT"},
    {"classroom50",
     [](const TerminalStyle&, const ReporterContext& c) { return make_classroom50_reporter(c); },
     nullptr},
    {"gradescope",
     [](const TerminalStyle&, const ReporterContext& c) { return make_gradescope_reporter(c); },
     nullptr},
    {"prairielearn",
     [](const TerminalStyle&, const ReporterContext&) { return make_prairielearn_reporter(); },
     nullptr},
};

const Format* find_format(const std::string& name) {
    for (const auto& f : kFormats) {
        if (name == f.name) return &f;
    }
    return nullptr;
}

}  // namespace

const std::vector<std::string>& report_format_names() {
    static const std::vector<std::string> names = [] {
        std::vector<std::string> out;
        for (const auto& f : kFormats) out.emplace_back(f.name);
        return out;
    }();
    return names;
}

std::unique_ptr<Reporter> make_reporter(const std::string& name, const TerminalStyle& style,
                                        const ReporterContext& context) {
    const Format* f = find_format(name);
    return f == nullptr ? nullptr : f->make(style, context);
}

DefaultDestination default_destination(const std::string& format, const EnvLookup& env) {
    const Format* f = find_format(format);
    if (f == nullptr || f->default_file_variable == nullptr || !env) return {};
    const auto path = env(f->default_file_variable);
    if (!path || path->empty()) return {};
    return DefaultDestination{*path, true};
}

}  // namespace interleave
