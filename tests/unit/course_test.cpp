// Metadata validation: every problem names the file, the line and the field.
#include "course/course.hpp"

#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>

namespace fs = std::filesystem;
using namespace interleave;

namespace {

class CourseFiles : public ::testing::Test {
  protected:
    void SetUp() override {
        root_ = fs::temp_directory_path() /
                ("interleave-course-" + std::to_string(::getpid()) + "-" +
                 ::testing::UnitTest::GetInstance()->current_test_info()->name());
        fs::remove_all(root_);
        fs::create_directories(root_ / "exercises" / "01-counter");
        write("course.yaml", "format_version: 1\ntitle: Test course\n");
    }
    void TearDown() override { fs::remove_all(root_); }

    void write(const std::string& rel, const std::string& text) {
        fs::create_directories((root_ / rel).parent_path());
        std::ofstream(root_ / rel) << text;
    }
    void write_exercise(const std::string& text) {
        write("exercises/01-counter/exercise.yaml", text);
    }

    /// Loads the course and returns the error text ("" when it loads).
    std::string load_error() {
        try {
            load_course(root_);
            return "";
        } catch (const MetadataError& e) {
            return e.what();
        }
    }

    fs::path root_;
};

const char* kValid = R"(format_version: 1
id: counter
title: Counter
student_files: [counter.hpp]
checks:
  tests:
    points: 60
  tsan:
    points: 20
  timing:
    points: 20
    comparisons:
      - name: speed
        student: BM_S
        baseline: BM_B
        full_credit_ratio: 0.6
        zero_credit_ratio: 0.9
hints: [one, two]
)";

std::string replace(std::string text, const std::string& from, const std::string& to) {
    const auto pos = text.find(from);
    EXPECT_NE(pos, std::string::npos) << from;
    return text.replace(pos, from.size(), to);
}

TEST_F(CourseFiles, ValidExerciseLoadsWithDefaults) {
    write_exercise(kValid);
    const Course c = load_course(root_);
    ASSERT_EQ(c.exercises.size(), 1u);
    const Exercise& e = c.exercises[0];
    EXPECT_EQ(e.id, "counter");
    EXPECT_EQ(e.folder, "01-counter");
    EXPECT_EQ(e.max_points(), 100);
    ASSERT_TRUE(e.timing.has_value());
    EXPECT_EQ(e.timing->repetitions, 10);
    EXPECT_EQ(e.timing->statistic, "min");
    EXPECT_DOUBLE_EQ(e.timeout_seconds, 120);
    EXPECT_EQ(e.hints.size(), 2u);
    EXPECT_EQ(c.find("01-counter"), c.find("counter"));
}

TEST_F(CourseFiles, UnknownFieldIsRejectedWithItsLine) {
    write_exercise(
        replace(kValid, "  tsan:\n    points: 20\n", "  tsan:\n    points: 20\n    pionts: 3\n"));
    EXPECT_EQ(load_error(),
              (root_ / "exercises/01-counter/exercise.yaml").string() +
                  ":10: checks.tsan.pionts: unknown field (see docs/exercise-yaml.md)");
}

TEST_F(CourseFiles, WrongTypeNamesTheFieldAndTheValue) {
    write_exercise(replace(kValid, "points: 60", "points: sixty"));
    const std::string err = load_error();
    EXPECT_NE(err.find("exercise.yaml:7: checks.tests.points: expected an integer, got \"sixty\""),
              std::string::npos)
        << err;
}

TEST_F(CourseFiles, MissingRequiredField) {
    write_exercise(replace(kValid, "title: Counter\n", ""));
    const std::string err = load_error();
    EXPECT_NE(err.find("exercise.yaml:1: title: required field is missing"), std::string::npos)
        << err;
}

TEST_F(CourseFiles, UnsupportedVersion) {
    write_exercise(replace(kValid, "format_version: 1", "format_version: 7"));
    EXPECT_NE(load_error().find(":1: format_version: unsupported version 7"), std::string::npos)
        << load_error();
}

TEST_F(CourseFiles, IdMustMatchTheFolder) {
    write_exercise(replace(kValid, "id: counter", "id: queue"));
    EXPECT_NE(load_error().find(":2: id: \"queue\" does not match its folder \"01-counter\""),
              std::string::npos)
        << load_error();
}

TEST_F(CourseFiles, ComparisonNeedsExactlyOneReference) {
    write_exercise(replace(kValid, "        baseline: BM_B\n",
                           "        baseline: BM_B\n        counter: ratio\n"));
    EXPECT_NE(load_error().find("checks.timing.comparisons[0].baseline: give exactly one of"),
              std::string::npos)
        << load_error();
}

TEST_F(CourseFiles, RatiosMustBeOrdered) {
    write_exercise(replace(kValid, "zero_credit_ratio: 0.9", "zero_credit_ratio: 0.5"));
    EXPECT_NE(load_error().find("zero_credit_ratio: must be greater than full_credit_ratio"),
              std::string::npos)
        << load_error();
}

TEST_F(CourseFiles, MinFreeCoresIsReadAndMustNotBeNegative) {
    write_exercise(replace(kValid, "    points: 20\n    comparisons:",
                           "    points: 20\n    min_free_cores: 1.7\n    comparisons:"));
    EXPECT_DOUBLE_EQ(load_course(root_).exercises.front().timing->min_free_cores, 1.7);
    write_exercise(replace(kValid, "    points: 20\n    comparisons:",
                           "    points: 20\n    min_free_cores: -1\n    comparisons:"));
    EXPECT_NE(load_error().find("checks.timing.min_free_cores: must not be negative"),
              std::string::npos)
        << load_error();
}

TEST_F(CourseFiles, MustShowListsEffectsWithACounterAThresholdAndAName) {
    write_exercise(replace(kValid, "    points: 20\n    comparisons:",
                           "    points: 20\n    must_show:\n      - counter: false_sharing\n"
                           "        at_least: 1.4\n        effect: false sharing\n"
                           "    comparisons:"));
    const Course course = load_course(root_);
    const auto& shows = course.exercises.front().timing->must_show;
    ASSERT_EQ(shows.size(), 1U);
    EXPECT_EQ(shows.front().counter, "false_sharing");
    EXPECT_DOUBLE_EQ(shows.front().at_least, 1.4);
    EXPECT_EQ(shows.front().effect, "false sharing");
    write_exercise(replace(kValid, "    points: 20\n    comparisons:",
                           "    points: 20\n    must_show:\n      - counter: false_sharing\n"
                           "        effect: false sharing\n    comparisons:"));
    EXPECT_NE(load_error().find("checks.timing.must_show[0].at_least: required field is missing"),
              std::string::npos)
        << load_error();
}

TEST_F(CourseFiles, UsesEveryCoreIsABooleanThatDefaultsToFalse) {
    write_exercise(kValid);
    EXPECT_FALSE(load_course(root_).exercises.front().tests_use_every_core);
    write_exercise(replace(kValid, "points: 60", "points: 60\n    uses_every_core: true"));
    EXPECT_TRUE(load_course(root_).exercises.front().tests_use_every_core);
    write_exercise(replace(kValid, "points: 60", "points: 60\n    uses_every_core: yes"));
    EXPECT_NE(load_error().find(
                  "exercise.yaml:8: checks.tests.uses_every_core: expected true or false, got "
                  "\"yes\""),
              std::string::npos)
        << load_error();
}

TEST_F(CourseFiles, StudentFilesMustStayInsideTheKata) {
    write_exercise(replace(kValid, "[counter.hpp]", "[../../etc/passwd]"));
    EXPECT_NE(load_error().find("student_files: \"../../etc/passwd\" must be a relative path"),
              std::string::npos)
        << load_error();
}

TEST_F(CourseFiles, SyntaxErrorNamesTheLine) {
    write_exercise("format_version: 1\nid: [unclosed\n");
    EXPECT_NE(load_error().find("exercise.yaml:"), std::string::npos);
    EXPECT_NE(load_error().find("invalid YAML"), std::string::npos) << load_error();
}

TEST_F(CourseFiles, MissingExerciseYaml) {
    EXPECT_NE(load_error().find("01-counter/exercise.yaml: missing"), std::string::npos)
        << load_error();
}

TEST_F(CourseFiles, OrderMustNameExistingKatas) {
    write_exercise(kValid);
    write("course.yaml", "format_version: 1\ntitle: T\norder: [counter, nope]\n");
    EXPECT_NE(load_error().find("course.yaml:3: order: lists \"nope\""), std::string::npos)
        << load_error();
}

TEST_F(CourseFiles, MutantExpectationsNameKnownChecks) {
    write("m/expect.yaml", "format_version: 1\ndescription: d\nfails: [tset]\n");
    try {
        load_mutant_expectation(root_ / "m/expect.yaml");
        FAIL() << "expected an error";
    } catch (const MetadataError& e) {
        EXPECT_NE(std::string(e.what()).find(":3: fails: unknown check \"tset\""),
                  std::string::npos)
            << e.what();
    }
}

}  // namespace

namespace {

class CourseExtras : public CourseFiles {};

TEST_F(CourseExtras, HiddenTestPatternsAreRead) {
    write_exercise(replace(kValid, "    points: 60\n",
                           "    points: 60\n    hidden: [CounterHidden.Stress, \"Secret.*\"]\n"));
    const Course c = load_course(root_);
    EXPECT_EQ(c.exercises[0].hidden_tests,
              (std::vector<std::string>{"CounterHidden.Stress", "Secret.*"}));
}

TEST_F(CourseExtras, MalformedHiddenTestNamesItsLine) {
    write_exercise(replace(kValid, "    points: 60\n", "    points: 60\n    hidden: [NoDot]\n"));
    const std::string err = load_error();
    EXPECT_NE(err.find("exercise.yaml:8: checks.tests.hidden: \"NoDot\" is not a GoogleTest name"),
              std::string::npos)
        << err;
}

TEST_F(CourseExtras, InstructorOnlyHasDefaultsAndIsValidated) {
    write_exercise(kValid);
    EXPECT_FALSE(load_course(root_).instructor_only.empty());
    EXPECT_DOUBLE_EQ(load_course(root_).verify_safety_factor, 1.1);
    write("course.yaml",
          "format_version: 1\ntitle: T\ninstructor_only: [notes/*.md]\nverify:\n  "
          "safety_factor: 1.5\n");
    const Course c = load_course(root_);
    EXPECT_EQ(c.instructor_only, std::vector<std::string>{"notes/*.md"});
    EXPECT_DOUBLE_EQ(c.verify_safety_factor, 1.5);
    write("course.yaml", "format_version: 1\ntitle: T\ninstructor_only: [../secrets]\n");
    EXPECT_NE(
        load_error().find("course.yaml:3: instructor_only: \"../secrets\" must be a relative"),
        std::string::npos)
        << load_error();
    write("course.yaml", "format_version: 1\ntitle: T\ninstructor_only: [exercises]\n");
    EXPECT_NE(load_error().find("would leave students without exercises"), std::string::npos)
        << load_error();
    write("course.yaml", "format_version: 1\ntitle: T\nverify:\n  safety_factor: 0.5\n");
    EXPECT_NE(load_error().find("course.yaml:4: verify.safety_factor: must be at least 1"),
              std::string::npos)
        << load_error();
}

}  // namespace
