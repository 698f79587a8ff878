// The README's course table ("| `01-counter` | the idea | tests 60, tsan 10, ... |") says what
// each kata is graded by; it must list every kata in course.yaml's order with the points its
// exercise.yaml gives, so that the page a student reads first never drifts from the grader.
#include "course/course.hpp"

#include <fmt/format.h>
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <regex>
#include <sstream>
#include <string>
#include <vector>

namespace fs = std::filesystem;

namespace interleave {
namespace {

const fs::path kProject = fs::path(INTERLEAVE_TEST_DATA).parent_path().parent_path().parent_path();

/// "tests 60, tsan 10, explore 10, timing 20", plus the manual part as the README words it.
std::string graded_by(const Exercise& e) {
    std::vector<std::string> parts;
    auto add = [&](const char* name, std::optional<double> points) {
        if (points) parts.push_back(fmt::format("{} {:g}", name, *points));
    };
    add("tests", e.tests_points);
    add("tsan", e.tsan_points);
    if (e.explore) add("explore", e.explore->points);
    add("asan", e.asan_points);
    if (e.timing) add("timing", e.timing->points);
    if (e.predict) add("predict", e.predict->points);
    std::string out;
    for (const auto& p : parts) out += (out.empty() ? "" : ", ") + p;
    if (e.manual)
        out += fmt::format(", plus `{}` {} (graded by hand, shown as pending)", e.manual->file,
                           e.manual->points);
    return out;
}

TEST(ReadmeTable, ListsEveryKataWithItsPoints) {
    std::ifstream in(kProject / "README.md");
    ASSERT_TRUE(in) << "README.md not found at " << kProject;
    const std::regex row(R"(^\| `([0-9][0-9]-[a-z0-9-]+)` \| .* \| (.*) \|$)");
    std::vector<std::pair<std::string, std::string>> rows;
    std::string line;
    while (std::getline(in, line)) {
        std::smatch m;
        if (std::regex_match(line, m, row)) rows.emplace_back(m[1], m[2]);
    }
    const Course course = load_course(kProject);
    ASSERT_EQ(rows.size(), course.exercises.size()) << "one README row per kata";
    for (std::size_t i = 0; i < rows.size(); ++i) {
        const Exercise& e = course.exercises[i];
        EXPECT_EQ(rows[i].first, e.folder)
            << "row " << i + 1 << " is not the kata course.yaml puts there";
        EXPECT_EQ(rows[i].second, graded_by(e))
            << e.folder << ": the README's points differ from its exercise.yaml";
    }
}

}  // namespace
}  // namespace interleave
