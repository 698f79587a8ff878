#include "review/manual_scores.hpp"

#include "review/class_summary.hpp"
#include "review/csv_rows.hpp"
#include "review/roster.hpp"

#include <fmt/format.h>
#include <fmt/ranges.h>

#include <algorithm>
#include <optional>
#include <stdexcept>

namespace fs = std::filesystem;

namespace interleave {

std::vector<ManualScore> read_manual_scores(const fs::path& csv) {
    static const char* const names[] = {"student", "kata", "points", "comment"};
    std::vector<ManualScore> out;
    for (const auto& row : read_csv_file(csv, "manual scores")) {
        auto fields = row.fields;
        if (row.line == 1 && fields[0] == "student") continue;
        fields.resize(std::max<std::size_t>(fields.size(), 4));
        ManualScore m{fields[0], fields[1], 0, fields[3]};
        std::size_t used = 0;
        try {
            m.points = std::stod(fields[2], &used);
        } catch (const std::exception&) {
            used = 0;
        }
        const int bad = m.student.empty()                       ? 0
                        : m.kata.empty()                        ? 1
                        : used == 0 || used != fields[2].size() ? 2
                                                                : -1;
        if (bad >= 0)
            throw std::invalid_argument(fmt::format(
                "review: {}:{}: field \"{}\" {}: expected \"student,kata,points,comment\", got "
                "\"{}\"",
                csv.string(), row.line, names[bad], bad == 2 ? "is not a number" : "is empty",
                fmt::join(row.fields, ",")));
        out.push_back(m);
    }
    return out;
}

void apply_manual_scores(std::vector<StudentRecord>& records,
                         const std::vector<ManualScore>& manual) {
    for (auto& r : records) {
        if (!r.report.is_object() || !r.report.contains("katas")) continue;
        for (auto& k : r.report["katas"]) {
            const std::string kata = k.value("id", std::string());
            std::optional<double> points;
            for (const auto& m : manual) {
                if (m.student == r.student && m.kata == kata)
                    points = points.value_or(0) + m.points;
            }
            if (!points || !k.contains("checks")) continue;
            for (auto& c : k["checks"]) {
                if (c.value("status", std::string()) == "pending") c["manual_score"] = *points;
            }
        }
    }
}

void write_final_csv(const std::vector<StudentRecord>& records,
                     const std::vector<ManualScore>& manual, std::ostream& out) {
    out << "student,automatic,manual,final,automatic_max,tamper,comments\n";
    for (const auto& r : records) {
        double extra = 0;
        std::string comments;
        for (const auto& m : manual) {
            if (m.student != r.student) continue;
            extra += m.points;
            if (!m.comment.empty())
                comments += (comments.empty() ? "" : "; ") + m.kata + ": " + m.comment;
        }
        out << fmt::format("{},{},{},{},{},{},{}\n", csv_field(r.student), format_points(r.total()),
                           format_points(extra), format_points(r.total() + extra),
                           format_points(r.max_total()), r.tamper.empty() ? "no" : "yes",
                           csv_field(comments));
    }
}

}  // namespace interleave
