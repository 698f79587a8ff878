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

/// final.csv: student, automatic total, manual total, final total, automatic max, tamper,
/// comments ("kata: comment; ..."). Manual rows of students not in `records` are ignored.
void write_final_csv(const std::vector<StudentRecord>& records,
                     const std::vector<ManualScore>& manual, std::ostream& out);

}  // namespace interleave
