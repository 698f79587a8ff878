#include "review/roster.hpp"

#include "review/csv_rows.hpp"

#include <fmt/format.h>
#include <fmt/ranges.h>

#include <algorithm>
#include <set>
#include <stdexcept>

namespace fs = std::filesystem;

namespace interleave {

namespace {

bool is_repo(const fs::path& dir) {
    return fs::is_directory(dir / "exercises");
}

}  // namespace

std::vector<Submission> discover_submissions(const std::vector<fs::path>& inputs) {
    std::vector<Submission> out;
    for (const auto& input : inputs) {
        const fs::path dir = fs::absolute(input).lexically_normal();
        if (!fs::is_directory(dir))
            throw std::invalid_argument(fmt::format("review: {} is not a folder", input.string()));
        if (is_repo(dir)) {
            out.push_back({dir.filename().string(), dir});
            continue;
        }
        std::size_t found = 0;
        for (const auto& entry : fs::directory_iterator(dir)) {
            if (entry.is_directory() && is_repo(entry.path())) {
                out.push_back({entry.path().filename().string(), entry.path()});
                ++found;
            }
        }
        if (found == 0)
            throw std::invalid_argument(fmt::format(
                "review: {} holds no student repository (no exercises/ in it or in its subfolders)",
                input.string()));
    }
    return out;
}

std::vector<std::string> split_csv_line(const std::string& line) {
    const auto rows = parse_csv(line, "line");
    if (rows.empty()) return {""};
    return rows.front().fields;
}

std::vector<Submission> read_roster(const fs::path& csv) {
    std::vector<Submission> out;
    for (const auto& row : read_csv_file(csv, "the roster")) {
        const auto& fields = row.fields;
        if (row.line == 1 && fields.size() >= 2 && fields[0] == "student" && fields[1] == "path")
            continue;
        const char* missing = fields.empty() || fields[0].empty()      ? "student"
                              : fields.size() < 2 || fields[1].empty() ? "path"
                                                                       : nullptr;
        if (missing != nullptr)
            throw std::invalid_argument(
                fmt::format("review: {}:{}: field \"{}\" is empty: expected \"student,path\", "
                            "got \"{}\"",
                            csv.string(), row.line, missing, fmt::join(fields, ",")));
        fs::path repo = fields[1];
        if (repo.is_relative()) repo = fs::absolute(csv).parent_path() / repo;
        out.push_back({fields[0], repo.lexically_normal()});
    }
    return out;
}

std::vector<Submission> sorted_class(std::vector<Submission> all) {
    std::sort(all.begin(), all.end(),
              [](const Submission& a, const Submission& b) { return a.student < b.student; });
    std::set<std::string> seen;
    for (const auto& s : all) {
        if (s.student.empty() || s.student == "." || s.student == ".." ||
            s.student.find('/') != std::string::npos)
            throw std::invalid_argument(
                fmt::format("review: \"{}\" cannot name a student folder", s.student));
        if (!seen.insert(s.student).second)
            throw std::invalid_argument(fmt::format("review: student \"{}\" appears twice ({})",
                                                    s.student, s.repo.string()));
    }
    return all;
}

Shard parse_shard(const std::string& spec) {
    const auto slash = spec.find('/');
    Shard s;
    try {
        if (slash == std::string::npos) throw std::invalid_argument("no slash");
        std::size_t used = 0;
        s.index = std::stoi(spec.substr(0, slash), &used);
        if (used != slash) throw std::invalid_argument("junk");
        const std::string count = spec.substr(slash + 1);
        s.count = std::stoi(count, &used);
        if (used != count.size()) throw std::invalid_argument("junk");
    } catch (const std::exception&) {
        throw std::invalid_argument(
            fmt::format("review: --shard \"{}\" should read i/N, e.g. 1/4", spec));
    }
    if (s.count < 1 || s.index < 1 || s.index > s.count)
        throw std::invalid_argument(fmt::format("review: --shard \"{}\" needs 1 <= i <= N", spec));
    return s;
}

std::vector<Submission> take_shard(const std::vector<Submission>& sorted, Shard shard) {
    std::vector<Submission> out;
    for (std::size_t i = static_cast<std::size_t>(shard.index - 1); i < sorted.size();
         i += static_cast<std::size_t>(shard.count))
        out.push_back(sorted[i]);
    return out;
}

}  // namespace interleave
