// `interleave package`: what goes into a package, the student-file manifest, and the zip step
// through the process seam (a fake runner stands in for CMake).
#include "commands/package.hpp"
#include "fake_process_runner.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <fstream>
#include <sstream>

namespace fs = std::filesystem;
using namespace interleave;
using interleave::testing::FakeProcessRunner;

namespace {

const fs::path kProject = fs::path(INTERLEAVE_TEST_DATA).parent_path().parent_path().parent_path();

bool has(const std::vector<fs::path>& files, const std::string& path) {
    return std::find(files.begin(), files.end(), fs::path(path)) != files.end();
}

fs::path scratch(const std::string& name) {
    const fs::path dir = fs::temp_directory_path() / ("interleave-package-test-" + name);
    fs::remove_all(dir);
    return dir;
}

TEST(Package, InputsHoldWhatGradingNeedsAndNoSolutions) {
    const auto files = package_inputs(kProject);
    for (const char* needed :
         {"course.yaml", "kata", "CMakeLists.txt", "CMakePresets.json", "cmake/Katas.cmake",
          "grader/main.cpp", "harness/01-counter/counter_test.cpp",
          "exercises/01-counter/exercise.yaml", "exercises/01-counter/counter.hpp",
          "tests/CMakeLists.txt", "packaging/grade_submission.sh",
          "packaging/gradescope/run_autograder", "packaging/prairielearn/run_grader"})
        EXPECT_TRUE(has(files, needed)) << needed;
    for (const auto& f : files) {
        const std::string s = f.generic_string();
        EXPECT_NE(s.rfind("solutions/", 0), 0U) << s;
        EXPECT_NE(s.rfind("tests/mutants/", 0), 0U) << s;
        EXPECT_NE(s.rfind("build/", 0), 0U) << s;
    }
}

TEST(Package, ManifestListsEveryStudentFileInCourseOrder) {
    const Course course = load_course(kProject);
    const std::string manifest = student_file_manifest(course);
    std::size_t expected = 0;
    for (const auto& e : course.exercises) expected += e.student_files.size();
    EXPECT_EQ(static_cast<std::size_t>(std::count(manifest.begin(), manifest.end(), '\n')),
              expected);
    EXPECT_EQ(manifest.rfind("01-counter/counter.hpp\n", 0), 0U) << manifest;
}

TEST(Package, LayoutPutsThePlatformFilesAtTheTop) {
    const Course course = load_course(kProject);
    const fs::path dir = scratch("layout");
    lay_out_package(course, "gradescope", dir);
    EXPECT_TRUE(fs::is_regular_file(dir / "setup.sh"));
    EXPECT_TRUE(fs::is_regular_file(dir / "run_autograder"));
    EXPECT_TRUE(fs::is_regular_file(dir / "student_files.txt"));
    EXPECT_FALSE(fs::exists(dir / "run_grader"));
    EXPECT_NE(fs::status(dir / "run_autograder").permissions() & fs::perms::owner_exec,
              fs::perms::none);
    EXPECT_EQ(fs::last_write_time(dir / "course.yaml"),
              fs::last_write_time(kProject / "course.yaml"));
    // A second layout over the first is refused rather than mixed in.
    EXPECT_THROW(lay_out_package(course, "gradescope", dir), std::runtime_error);
    EXPECT_THROW(lay_out_package(course, "moodle", scratch("unknown")), std::invalid_argument);
    fs::remove_all(dir);
}

TEST(Package, ZipsWithCMakeFromInsideTheFolder) {
    const fs::path dir = scratch("zip");
    fs::create_directories(dir / "b");
    std::ofstream(dir / "a.txt") << "a";
    FakeProcessRunner runner([](const ProcessSpec&) { return interleave::testing::exited(0); });
    zip_directory(dir, "/out/course.zip", runner);
    ASSERT_EQ(runner.specs.size(), 1U);
    const std::vector<std::string> want{"cmake",        "-E", "tar",   "cf", "/out/course.zip",
                                        "--format=zip", "--", "a.txt", "b"};
    EXPECT_EQ(runner.specs[0].argv, want);
    EXPECT_EQ(runner.specs[0].cwd, dir);
    fs::remove_all(dir);
}

TEST(Package, AFailedZipQuotesCMake) {
    const fs::path dir = scratch("zip-fails");
    fs::create_directories(dir);
    FakeProcessRunner runner([](const ProcessSpec&) {
        return interleave::testing::exited(1, "", "cannot write archive");
    });
    try {
        zip_directory(dir, "/out/course.zip", runner);
        FAIL() << "expected an error";
    } catch (const std::runtime_error& e) {
        EXPECT_NE(std::string(e.what()).find("cmake -E tar"), std::string::npos) << e.what();
        EXPECT_NE(std::string(e.what()).find("cannot write archive"), std::string::npos);
    }
    fs::remove_all(dir);
}

TEST(Package, GradescopeNeedsAZip) {
    const Course course = load_course(kProject);
    FakeProcessRunner runner([](const ProcessSpec&) { return interleave::testing::exited(0); });
    std::ostringstream log;
    EXPECT_THROW(run_package(course, "gradescope", scratch("folder"), runner, log),
                 std::invalid_argument);
    EXPECT_TRUE(runner.specs.empty());
}

}  // namespace
