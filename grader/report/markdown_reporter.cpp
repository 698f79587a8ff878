// The Markdown summary: one table row per check and a totals line, for a GitHub job summary
// ($GITHUB_STEP_SUMMARY) or a pull-request comment.
#include "markdown_table.hpp"
#include "report/reporter.hpp"

#include <fmt/format.h>

namespace interleave {

namespace {

std::string status_cell(CheckStatus s) {
    switch (s) {
        case CheckStatus::pass:
            return "✅ pass";
        case CheckStatus::fail:
            return "❌ fail";
        case CheckStatus::error:
            return "⚠️ error";
        case CheckStatus::skipped:
            return "⏭️ skipped";
        case CheckStatus::pending:
            return "📝 pending";
    }
    return "?";
}

class MarkdownReporter final : public Reporter {
  public:
    void render(const GradeReport& report, std::ostream& out) const override {
        std::vector<std::vector<std::string>> rows;
        for (const auto& k : report.katas) {
            for (const auto& c : k.checks) {
                rows.push_back(
                    {k.folder, c.name, status_cell(c.status),
                     c.max_score > 0 ? fmt::format("{:.4g}/{:.4g}", c.score, c.max_score) : "",
                     c.message});
            }
        }
        out << fmt::format("## {} ({})\n\n", report.course, report.source);
        out << markdown_table({"kata", "check", "status", "score", "message"}, rows);
        out << "\n";
        for (const auto& n : report.notes) out << "> note: " << n << "\n\n";
        out << fmt::format("**Total: {:.4g}/{:.4g} ({:.0f}%)** in {:.1f} s\n", report.score,
                           report.max_score, percent_of(report), report.seconds);
        if (report.disabled_points > 0) {
            out << fmt::format(
                "\n{:.4g} more points belong to checks switched off for this run, out of the "
                "total.\n",
                report.disabled_points);
        }
        if (report.pending_points > 0) {
            out << fmt::format(
                "\nThe total is automatic; {:.4g} more points are pending manual "
                "review.\n",
                report.pending_points);
        }
    }
};

}  // namespace

std::unique_ptr<Reporter> make_markdown_reporter() {
    return std::make_unique<MarkdownReporter>();
}

}  // namespace interleave
