// GitHub Actions workflow commands: one annotation per check that did not pass, placed on the
// student's file and line when the evidence names one. The escaping follows GitHub's
// "Workflow commands for GitHub Actions" documentation (toolkit's command.ts): in the message
// '%', '\r' and '\n'; in properties also ':' and ','.
#include "report/reporter.hpp"
#include "source_location.hpp"

#include <fmt/format.h>

namespace interleave {

namespace {

std::string escape_data(const std::string& text) {
    std::string out;
    for (char ch : text) {
        if (ch == '%') {
            out += "%25";
        } else if (ch == '\r') {
            out += "%0D";
        } else if (ch == '\n') {
            out += "%0A";
        } else {
            out += ch;
        }
    }
    return out;
}

std::string escape_property(const std::string& text) {
    std::string out;
    for (char ch : escape_data(text)) {
        if (ch == ':') {
            out += "%3A";
        } else if (ch == ',') {
            out += "%2C";
        } else {
            out += ch;
        }
    }
    return out;
}

class GithubReporter final : public Reporter {
  public:
    explicit GithubReporter(ReporterContext context) : context_(std::move(context)) {}

    void render(const GradeReport& report, std::ostream& out) const override {
        // The total first: GitHub shows only the first ten annotations of a step.
        out << fmt::format(
            "::notice title={}::{}\n", escape_property(report.course),
            escape_data(fmt::format("Total {:.4g}/{:.4g} ({:.0f}%) for {}", report.score,
                                    report.max_score, percent_of(report), report.source)));
        for (const auto& k : report.katas) {
            for (const auto& c : k.checks) {
                if (c.status == CheckStatus::pass) continue;
                // A check skipped at no cost (e.g. build) says nothing worth an annotation.
                if (c.status == CheckStatus::skipped && (c.max_score <= 0 || c.disabled)) continue;
                const char* command = c.status == CheckStatus::fail    ? "error"
                                      : c.status == CheckStatus::error ? "warning"
                                                                       : "notice";
                std::string properties;
                if (const auto where = find_location(c)) {
                    properties = fmt::format("file={},line={},",
                                             escape_property(path_of(where->file, report.source)),
                                             where->line);
                    if (where->column > 0) properties += fmt::format("col={},", where->column);
                }
                const std::string title =
                    c.status == CheckStatus::pending ? fmt::format(
                                                           "{} {}: pending manual review ({:.4g} "
                                                           "points)",
                                                           k.folder, c.name, c.max_score)
                    : c.max_score > 0 ? fmt::format("{} {}: {:.4g}/{:.4g}", k.folder, c.name,
                                                    c.score, c.max_score)
                                      : fmt::format("{} {}", k.folder, c.name);
                properties += "title=" + escape_property(title);
                std::string message = c.message;
                for (const auto& d : c.details) {
                    // The message often quotes the first detail already ("...; first: ...").
                    if (c.message.find(d) == std::string::npos) message += "\n" + d;
                }
                out << fmt::format("::{} {}::{}\n", command, properties, escape_data(message));
            }
        }
    }

  private:
    std::string path_of(const std::string& shown, const std::string& source) const {
        const auto workspace = context_.env ? context_.env("GITHUB_WORKSPACE") : std::nullopt;
        return repository_path(shown, source, workspace.value_or(""));
    }

    ReporterContext context_;
};

}  // namespace

std::unique_ptr<Reporter> make_github_reporter(ReporterContext context) {
    return std::make_unique<GithubReporter>(std::move(context));
}

}  // namespace interleave
