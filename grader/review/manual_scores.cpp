#include "review/manual_scores.hpp"

#include "review/class_summary.hpp"
#include "review/roster.hpp"

#include <fmt/format.h>

#include <fstream>
#include <stdexcept>

namespace fs = std::filesystem;

namespace interleave {

std::vector<ManualScore> read_manual_scores(const fs::path& csv) {
    std::ifstream in(csv);
    if (!in) throw std::invalid_argument("review: cannot read manual scores " + csv.string());
    std::vector<ManualScore> out;
    std::string line;
    int number = 0;
    while (std::getline(in, line)) {
        ++number;
        auto fields = split_csv_line(line);
        if (fields.size() == 1 && fields[0].empty()) continue;
        if (number == 1 && fields[0] == "student") continue;
        fields.resize(std::max<std::size_t>(fields.size(), 4));
        ManualScore m{fields[0], fields[1], 0, fields[3]};
        std::size_t used = 0;
        try {
            m.points = std::stod(fields[2], &used);
        } catch (const std::exception&) {
            used = 0;
        }
        if (m.student.empty() || m.kata.empty() || used == 0 || used != fields[2].size())
            throw std::invalid_argument(
                fmt::format("review: {}:{}: expected \"student,kata,points,comment\", got \"{}\"",
                            csv.string(), number, line));
        out.push_back(m);
    }
    return out;
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
