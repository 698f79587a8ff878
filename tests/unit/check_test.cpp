// `kata check` with a fake toolchain: grading exercises/ records the result in the state file,
// grading another folder does not, and the closing line names the next step.
#include "commands/check.hpp"
#include "commands/state.hpp"

#include "fake_process_runner.hpp"

#include "temp_project.hpp"

#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <sstream>

namespace fs = std::filesystem;
using namespace interleave;
using interleave::testing::exited;
using interleave::testing::FakeProcessRunner;
using interleave::testing::flag_value;

using interleave::testing::write;

namespace {

class CheckCommand : public interleave::testing::TempProject {
  protected:
    CheckCommand() : TempProject("check") {}

    void SetUp() override {
        TempProject::SetUp();
        write(root_ / "course.yaml", "format_version: 1\ntitle: T\n");
        write(root_ / "exercises/01-counter/exercise.yaml", R"(format_version: 1
id: counter
title: Counter
student_files: [counter.hpp]
checks:
  tests: {points: 60}
  tsan: {points: 40}
)");
        write(root_ / "exercises/01-counter/counter.hpp", "// mine\n");
        write(root_ / "other/01-counter/counter.hpp", "// elsewhere\n");
        course_ = load_course(root_);
    }

    /// Builds succeed; each test binary lists and passes one test.
    FakeProcessRunner::Handler toolchain() {
        return [this](const ProcessSpec& spec) -> ProcessOutcome {
            if (spec.argv.front() == "cmake") {
                if (spec.argv[1] != "--build") {
                    const std::string preset = spec.argv[4].substr(spec.argv[4].rfind('/') + 1);
                    write(root_ / "build/grade" / preset / "CMakeCache.txt", "");
                    write(root_ / "build/grade" / preset / "build.ninja", "");
                }
                return exited(0);
            }
            const std::string out = flag_value(spec, "--gtest_output");
            const std::string path = out.substr(out.find(':') + 1);
            if (std::find(spec.argv.begin(), spec.argv.end(), "--gtest_list_tests") !=
                spec.argv.end()) {
                write(path, R"({"testsuites": [{"name": "C", "testsuite": [{"name": "a"}]}]})");
            } else {
                write(
                    path,
                    R"({"testsuites": [{"name": "C", "testsuite": [{"name": "a", "status": "RUN", "result": "COMPLETED"}]}]})");
            }
            return exited(0);
        };
    }

    Course course_;
    std::ostringstream out_, err_;
};

TEST_F(CheckCommand, RecordsFullMarksAndMovesTheCurrentKata) {
    FakeProcessRunner runner(toolchain());
    Workspace ws{root_, root_ / "build" / "grade"};
    Grader grader(course_, runner, ws);
    CommandContext ctx{course_, root_, ws, false, false, {}, out_, err_};
    ASSERT_EQ(run_check(ctx, grader, runner, CheckOptions{}), 0) << err_.str();
    EXPECT_NE(out_.str().find("counter: full marks"), std::string::npos) << out_.str();
    const StudentState s = load_state(state_file(root_));
    ASSERT_EQ(s.katas.count("counter"), 1u);
    EXPECT_TRUE(s.katas.at("counter").full_marks());
    EXPECT_EQ(s.katas.at("counter").hash,
              hash_student_files(course_.exercises[0], root_ / "exercises"));
    EXPECT_EQ(current_kata(course_, s, root_ / "exercises"), nullptr);
}

TEST_F(CheckCommand, DisabledCheckIsNamedAsTheNextStep) {
    FakeProcessRunner runner(toolchain());
    Workspace ws{root_, root_ / "build" / "grade"};
    Grader grader(course_, runner, ws);
    CommandContext ctx{course_, root_, ws, false, false, {}, out_, err_};
    CheckOptions o;
    o.kata = "01-counter";
    o.switches.no_tsan = true;
    ASSERT_EQ(run_check(ctx, grader, runner, o), 0);
    EXPECT_NE(out_.str().find("next check to pass: tsan (ThreadSanitizer disabled"),
              std::string::npos)
        << out_.str();
    EXPECT_EQ(load_state(state_file(root_)).katas.at("counter").next_check, "tsan (not run)");
}

TEST_F(CheckCommand, AnotherSourceIsNotRemembered) {
    FakeProcessRunner runner(toolchain());
    Workspace ws{root_, root_ / "build" / "grade"};
    Grader grader(course_, runner, ws);
    CommandContext ctx{course_, root_, ws, false, false, {}, out_, err_};
    CheckOptions o;
    o.source = root_ / "other";
    const GradeReport r = check_kata(ctx, grader, course_.exercises[0], o);
    EXPECT_EQ(r.source, (root_ / "other").string());
    EXPECT_EQ(read_file(ws.stage_dir(course_.exercises[0]) / "counter.hpp"), "// elsewhere\n");
    EXPECT_FALSE(fs::exists(state_file(root_)));
}

TEST_F(CheckCommand, UnknownKataNamesTheCommand) {
    FakeProcessRunner runner(toolchain());
    Workspace ws{root_, root_ / "build" / "grade"};
    Grader grader(course_, runner, ws);
    CommandContext ctx{course_, root_, ws, false, false, {}, out_, err_};
    CheckOptions o;
    o.kata = "nope";
    try {
        run_check(ctx, grader, runner, o);
        FAIL() << "expected an error";
    } catch (const std::invalid_argument& e) {
        EXPECT_NE(std::string(e.what()).find("kata check: unknown kata \"nope\" (known: counter)"),
                  std::string::npos)
            << e.what();
    }
}

TEST(RememberGrade, AProblemIsOnlyAWarning) {
    const fs::path root =
        fs::temp_directory_path() / ("interleave-remember-" + std::to_string(::getpid()));
    fs::remove_all(root);
    write(root / "build", "a file where the build folder should be");
    Course c;
    GradeReport r;
    EXPECT_NO_THROW(remember_grade(root, c, r));
    fs::remove_all(root);
}

}  // namespace
