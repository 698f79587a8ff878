#pragma once
/// The class summary: one row per student, one score column per graded kata and check, in
/// CSV and Markdown (summary_html.hpp renders the HTML page). Renderers only read records.

#include "review/student_record.hpp"

#include <optional>
#include <ostream>
#include <string>
#include <utility>
#include <vector>

namespace interleave {

/// One score column: a check of a kata that is worth points ("counter", "tests", 60).
struct ScoreColumn {
    std::string kata;
    std::string check;
    double max_score = 0;
    std::string name() const { return kata + "." + check; }
};

/// The columns of a class, in the order the reports list katas and checks.
std::vector<ScoreColumn> score_columns(const std::vector<StudentRecord>& records);

/// A student's points for a column; nullopt when the kata was not graded (error, other kata)
/// or the check is pending manual review and no manual score was applied to it.
std::optional<double> column_score(const StudentRecord& record, const ScoreColumn& column);

/// The status ("pass", "fail", "skipped"...) of a column's check; empty when not graded.
std::string column_status(const StudentRecord& record, const ScoreColumn& column);

/// (message, count) of failed or errored checks, most common first (ties in the order first
/// seen). Messages that differ only in their numbers count as one, shown by the first seen.
std::vector<std::pair<std::string, int>> common_failures(const std::vector<StudentRecord>& records,
                                                         std::size_t limit);

/// "60" or "12.5": how every summary prints a score.
std::string format_points(double points);

/// A CSV field, quoted when it holds a comma, quote or newline.
std::string csv_field(const std::string& text);

/// summary.csv: student, one column per ScoreColumn, total, max, tamper (yes/no), error.
void write_summary_csv(const std::vector<StudentRecord>& records, std::ostream& out);

/// summary.md: the same table in Markdown.
void write_summary_markdown(const std::vector<StudentRecord>& records, std::ostream& out);

}  // namespace interleave
