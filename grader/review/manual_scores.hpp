#pragma once
/// Manual scores (manual.csv: student,kata,points,comment), e.g. for DESIGN.md, merged with
/// the automatic totals into final.csv.

#include "review/student_record.hpp"

#include <filesystem>
#include <ostream>
#include <string>
#include <vector>

namespace interleave {

struct ManualScore {
    std::string student;
    std::string kata;
    double points = 0;
    std::string comment;
};

/// Reads manual.csv (header optional). Throws std::invalid_argument naming the file and line
/// of a row without a student, a kata or numeric points.
std::vector<ManualScore> read_manual_scores(const std::filesystem::path& csv);

/// Writes each student's manual points for a kata into that kata's pending (manually graded)
/// check of their report, as `manual_score`, so that the class summaries show them in the
/// check's column. The check stays pending, and the automatic totals do not change. Rows of
/// other students, or for a kata without a pending part, change nothing (final.csv still
/// counts them).
void apply_manual_scores(std::vector<StudentRecord>& records,
                         const std::vector<ManualScore>& manual);

/// final.csv: student, automatic total, manual total, final total, automatic max, tamper,
/// comments ("kata: comment; ..."). Manual rows of students not in `records` are ignored.
void write_final_csv(const std::vector<StudentRecord>& records,
                     const std::vector<ManualScore>& manual, std::ostream& out);

}  // namespace interleave
