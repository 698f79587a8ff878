// The grading pipeline end to end with a fake process runner: staging, build, tests, TSan and
// timing, scoring, with canned tool output written where the real tools would write it.
#include "grade/grade.hpp"
#include "grade/verify.hpp"

#include "fake_process_runner.hpp"

#include "temp_project.hpp"

#include <fmt/format.h>
#include <fmt/ranges.h>

#include <gtest/gtest.h>
#include <algorithm>

#include <filesystem>
#include <fstream>

namespace fs = std::filesystem;
using namespace interleave;
using interleave::testing::exited;
using interleave::testing::FakeProcessRunner;
using interleave::testing::flag_value;

using interleave::testing::write;

namespace {

class FakeGrading : public interleave::testing::TempProject {
  protected:
    FakeGrading() : TempProject("grade") {}

    void SetUp() override {
        TempProject::SetUp();
        write(root_ / "course.yaml", "format_version: 1\ntitle: T\n");
        write(root_ / "exercises/01-counter/exercise.yaml", R"(format_version: 1
id: counter
title: Counter
student_files: [counter.hpp]
checks:
  tests: {points: 60}
  tsan: {points: 20}
  timing:
    points: 20
    repetitions: 2
    comparisons:
      - {name: speed, student: S, baseline: B, full_credit_ratio: 0.6, zero_credit_ratio: 0.9}
)");
        write(root_ / "exercises/01-counter/counter.hpp", "// stub\n");
        write(root_ / "solutions/01-counter/counter.hpp", "// reference\n");
        course_ = load_course(root_);
    }

    GradeOptions options(const std::string& layer) {
        GradeOptions o;
        o.katas = {&course_.exercises[0]};
        o.layers = {{root_ / layer, true}};
        o.source_label = layer;
        return o;
    }

    /// A fake toolchain: builds succeed unless `compile_error`; test binaries pass `passing` of
    /// their two tests; the TSan binary reports a race when `race`; the benchmark gives `ratio`.
    FakeProcessRunner::Handler toolchain(int passing, bool race, double ratio,
                                         bool compile_error = false) {
        return [=, this](const ProcessSpec& spec) -> ProcessOutcome {
            const std::string program = spec.argv.front();
            if (program == "cmake") {
                const bool is_build = spec.argv.size() > 1 && spec.argv[1] == "--build";
                if (is_build && compile_error) {
                    return exited(1, (root_ / "build/grade/stage/01-counter/counter.hpp").string() +
                                         ":3:1: error: expected ';'\n");
                }
                if (!is_build) {
                    write(root_ / "build/grade" / spec.argv[4].substr(spec.argv[4].rfind('/') + 1) /
                              "CMakeCache.txt",
                          "");
                    write(root_ / "build/grade" / spec.argv[4].substr(spec.argv[4].rfind('/') + 1) /
                              "build.ninja",
                          "");
                }
                return exited(0);
            }
            if (program.find("_bench") != std::string::npos) {
                write(flag_value(spec, "--benchmark_out"),
                      R"({"benchmarks": [
                        {"run_name": "S", "run_type": "iteration", "real_time": )" +
                          std::to_string(100 * ratio) +
                          R"(, "cpu_time": 1, "time_unit": "ns"},
                        {"run_name": "B", "run_type": "iteration", "real_time": 100, "cpu_time": 1, "time_unit": "ns"}]})");
                return exited(0);
            }
            const std::string out = flag_value(spec, "--gtest_output");
            const std::string path = out.substr(out.find(':') + 1);
            const bool listing = std::find(spec.argv.begin(), spec.argv.end(),
                                           "--gtest_list_tests") != spec.argv.end();
            if (listing) {
                write(
                    path,
                    R"({"testsuites": [{"name": "C", "testsuite": [{"name": "a"}, {"name": "b"}]}]})");
                return exited(0);
            }
            const bool tsan = spec.env.count("TSAN_OPTIONS") != 0;
            auto result = [&](const char* name, bool ok) {
                return std::string(R"({"name": ")") + name +
                       R"(", "status": "RUN", "result": "COMPLETED")" +
                       (ok ? "}" : R"(, "failures": [{"failure": "t.cpp:1\nbroken"}]})");
            };
            write(path, R"({"testsuites": [{"name": "C", "testsuite": [)" +
                            result("a", passing >= 1) + "," + result("b", passing >= 2) + "]}]}");
            if (tsan && race) {
                return exited(66, "",
                              "WARNING: ThreadSanitizer: data race (pid=1)\n  Write of size 8 at "
                              "0x1 by thread T1:\n"
                              "    #0 f() /x/counter.hpp:3:1 (t+0x1)\n\nSUMMARY: ThreadSanitizer: "
                              "data race /x/counter.hpp:3:1 in f()\n");
            }
            return exited(passing == 2 ? 0 : 1);
        };
    }

    Course course_;
};

TEST_F(FakeGrading, ReferenceScoresFullMarks) {
    FakeProcessRunner runner(toolchain(2, false, 0.5));
    Grader grader(course_, runner, Workspace{root_, root_ / "build/grade"});
    const GradeReport r = grader.grade(options("solutions"));
    ASSERT_EQ(r.katas.size(), 1u);
    EXPECT_DOUBLE_EQ(r.score, 100) << summarise_checks(r.katas[0]);
    EXPECT_DOUBLE_EQ(r.max_score, 100);
    EXPECT_EQ(summarise_checks(r.katas[0]), "build pass, tests pass, tsan pass, timing pass");
    // The stage got the reference; the exercises folder was never written.
    std::ifstream staged(root_ / "build/grade/stage/01-counter/counter.hpp");
    std::string line;
    std::getline(staged, line);
    EXPECT_EQ(line, "// reference");
}

TEST_F(FakeGrading, RaceFailsOnlyTsan) {
    FakeProcessRunner runner(toolchain(2, true, 0.5));
    Grader grader(course_, runner, Workspace{root_, root_ / "build/grade"});
    const GradeReport r = grader.grade(options("solutions"));
    EXPECT_EQ(summarise_checks(r.katas[0]), "build pass, tests pass, tsan FAIL, timing pass");
    EXPECT_DOUBLE_EQ(r.score, 80);
}

TEST_F(FakeGrading, FailingTestsSkipTimingAndTsanPoints) {
    FakeProcessRunner runner(toolchain(1, false, 0.5));
    Grader grader(course_, runner, Workspace{root_, root_ / "build/grade"});
    const GradeReport r = grader.grade(options("exercises"));
    EXPECT_EQ(summarise_checks(r.katas[0]), "build pass, tests FAIL, tsan skipped, timing skipped");
    EXPECT_DOUBLE_EQ(r.score, 30);
    for (const auto& spec : runner.specs) {
        EXPECT_EQ(spec.argv.front().find("_bench"), std::string::npos)
            << "no benchmark for failing code";
    }
}

TEST_F(FakeGrading, CompileErrorCostsOnlyThisKataAndQuotesTheLine) {
    FakeProcessRunner runner(toolchain(2, false, 0.5, true));
    Grader grader(course_, runner, Workspace{root_, root_ / "build/grade"});
    const GradeReport r = grader.grade(options("exercises"));
    const auto& k = r.katas[0];
    EXPECT_EQ(summarise_checks(k), "build FAIL, tests skipped, tsan skipped, timing skipped");
    EXPECT_EQ(k.checks[0].details.at(0), "01-counter/counter.hpp:3:1: error: expected ';'");
    EXPECT_DOUBLE_EQ(r.max_score, 100);
}

TEST_F(FakeGrading, AnErrorInAHeaderSeveralFilesIncludeIsReportedOnceWithItsLine) {
    auto real = toolchain(2, false, 0.5);
    const std::string staged = (root_ / "build/grade/stage/01-counter/counter.hpp").string();
    FakeProcessRunner runner([&](const ProcessSpec& spec) -> ProcessOutcome {
        if (spec.argv.size() > 1 && spec.argv[0] == "cmake" && spec.argv[1] == "--build") {
            const std::string error = staged + ":1:4: error: expected ';'\n";
            return exited(1, error + error + error);  // three harness files include it
        }
        return real(spec);
    });
    Grader grader(course_, runner, Workspace{root_, root_ / "build/grade"});
    const GradeReport r = grader.grade(options("exercises"));
    const auto& build = r.katas[0].checks[0];
    EXPECT_NE(build.message.find("1 error;"), std::string::npos) << build.message;
    ASSERT_GE(build.details.size(), 3u);
    EXPECT_EQ(build.details[1], "     1 | // stub");
    EXPECT_EQ(build.details[2], "       |    ^");
}

TEST_F(FakeGrading, TheNoteOnTamperEvidenceAgreesWithTheVerdict) {
    FakeProcessRunner runner(toolchain(2, false, 0.5));
    Grader grader(course_, runner, Workspace{root_, root_ / "build/grade"});
    // Refused: the note must not say that nothing was penalised.
    write(root_ / "exercises/01-counter/counter.hpp",
          "#include <gtest/gtest.h>\n#undef EXPECT_EQ\n#define EXPECT_EQ(a, b) (void)0\n");
    GradeReport r = grader.grade(options("exercises"));
    EXPECT_EQ(r.katas[0].checks[0].status, CheckStatus::fail);
    const auto said = [&](const std::string& text) {
        return std::any_of(r.notes.begin(), r.notes.end(), [&](const std::string& note) {
            return note.find(text) != std::string::npos;
        });
    };
    EXPECT_TRUE(said("counter: the source was not compiled"))
        << fmt::format("{}", fmt::join(r.notes, " | "));
    EXPECT_FALSE(said("not penalised"));
    // Listed, not penalised: the build passes and the note says so.
    write(root_ / "exercises/01-counter/counter.hpp", "#include <fstream>\n// stub\n");
    r = grader.grade(options("exercises"));
    EXPECT_FALSE(said("was not compiled"));
}

TEST_F(FakeGrading, VerifySearchesByRunsOnlyAStudentsGradeKeepsTheTimeBudget) {
    write(root_ / "exercises/01-counter/exercise.yaml", R"(format_version: 1
id: counter
title: Counter
student_files: [counter.hpp]
checks:
  tests: {points: 60}
  explore: {points: 40, seconds: 4, runs: 300}
)");
    course_ = load_course(root_);
    std::vector<std::string> budgets;  // the --seconds of every explorer run
    auto real = toolchain(2, false, 0.5);
    FakeProcessRunner runner([&](const ProcessSpec& spec) -> ProcessOutcome {
        if (spec.argv.front().find("_explore") == std::string::npos) return real(spec);
        const auto at = std::find(spec.argv.begin(), spec.argv.end(), "--seconds");
        budgets.push_back(at != spec.argv.end() && at + 1 != spec.argv.end() ? *(at + 1) : "");
        return exited(0);
    });
    Grader grader(course_, runner, Workspace{root_, root_ / "build/grade"});
    GradeOptions grade = options("solutions");
    grade.tsan = false;
    grader.grade(grade);
    ASSERT_EQ(budgets, std::vector<std::string>{"4"}) << "a student's grade: the yaml's seconds";
    budgets.clear();
    VerifyOptions v;
    v.katas = {&course_.exercises[0]};
    v.tsan = false;
    v.part = VerifyPart::untimed;
    verify_course(course_, grader, v, {});
    // Verify: only the 300 runs may end the search, whatever the load; the time is a safety net.
    ASSERT_FALSE(budgets.empty());
    for (const auto& b : budgets) EXPECT_GE(std::stod(b), 300) << b;
}

TEST_F(FakeGrading, MissingStudentFileIsAVerdict) {
    fs::remove(root_ / "exercises/01-counter/counter.hpp");
    FakeProcessRunner runner(toolchain(2, false, 0.5));
    Grader grader(course_, runner, Workspace{root_, root_ / "build/grade"});
    const GradeReport r = grader.grade(options("exercises"));
    EXPECT_EQ(r.katas[0].checks[0].message,
              "missing student file: counter.hpp (expected in 01-counter)");
    EXPECT_TRUE(runner.specs.empty()) << "nothing is built without the student's file";
}

TEST_F(FakeGrading, SlowSolutionGetsPartialTimingCredit) {
    FakeProcessRunner runner(toolchain(2, false, 0.75));
    Grader grader(course_, runner, Workspace{root_, root_ / "build/grade"});
    const GradeReport r = grader.grade(options("solutions"));
    EXPECT_NEAR(r.score, 90, 1e-9);
}

TEST(JudgeMutant, NamedCheckMustFailAndNoOther) {
    KataReport k;
    k.id = "counter";
    k.checks = {CheckResult{"tests", CheckStatus::pass, 60, 60, "", {}, {}, 0},
                CheckResult{"tsan", CheckStatus::fail, 0, 20, "race", {}, {}, 0},
                CheckResult{"timing", CheckStatus::fail, 0, 20, "slow", {}, {}, 0}};
    MutantExpectation e{"d", {"tsan"}, {}};
    VerifyRow row = judge_mutant(k, "bug", e);
    EXPECT_FALSE(row.ok);
    EXPECT_NE(row.why.find("caught by the wrong check: `timing`"), std::string::npos);
    e.may_fail = {"timing"};
    EXPECT_TRUE(judge_mutant(k, "bug", e).ok);
    e.fails = {"tests"};
    row = judge_mutant(k, "bug", e);
    EXPECT_FALSE(row.ok);
    EXPECT_NE(row.why.find("survived: check `tests` did not fail"), std::string::npos);
}

/// A kata with a manually graded DESIGN.md (checks.manual).
class FakeGradingManual : public FakeGrading {
  protected:
    void SetUp() override {
        FakeGrading::SetUp();
        write(root_ / "exercises/01-counter/exercise.yaml", R"(format_version: 1
id: counter
title: Counter
student_files: [counter.hpp, DESIGN.md]
checks:
  tests: {points: 60}
  tsan: {points: 20}
  manual: {points: 10, file: DESIGN.md, title: why this design}
)");
        write(root_ / "exercises/01-counter/DESIGN.md", "# Design\n\n_Your answer._\n");
        write(root_ / "solutions/01-counter/DESIGN.md",
              "# Design\n\nOne atomic per shard, summed on read.\n");
        course_ = load_course(root_);
    }
};

TEST_F(FakeGradingManual, DesignIsPendingAndOutsideTheAutomaticTotal) {
    FakeProcessRunner runner(toolchain(2, false, 0.5));
    Grader grader(course_, runner, Workspace{root_, root_ / "build/grade"});
    const GradeReport r = grader.grade(options("solutions"));
    EXPECT_EQ(summarise_checks(r.katas[0]), "build pass, tests pass, tsan pass, design pending");
    EXPECT_DOUBLE_EQ(r.score, 80);
    EXPECT_DOUBLE_EQ(r.max_score, 80) << "pending points are neither earned nor lost";
    EXPECT_DOUBLE_EQ(r.pending_points, 10);
    EXPECT_DOUBLE_EQ(r.katas[0].pending_points, 10);
    const CheckResult* design = r.katas[0].find("design");
    ASSERT_NE(design, nullptr);
    EXPECT_EQ(design->message, "manually graded: DESIGN.md (8 words)");
    EXPECT_DOUBLE_EQ(design->max_score, 10);
}

TEST_F(FakeGradingManual, TheStubIsFlaggedAsStillTheTemplate) {
    FakeProcessRunner runner(toolchain(0, false, 0.5));
    Grader grader(course_, runner, Workspace{root_, root_ / "build/grade"});
    const GradeReport r = grader.grade(options("exercises"));
    const CheckResult* design = r.katas[0].find("design");
    ASSERT_NE(design, nullptr);
    EXPECT_EQ(design->status, CheckStatus::pending);
    EXPECT_NE(design->message.find("still the template"), std::string::npos) << design->message;
    EXPECT_TRUE(design->data["template"].get<bool>());
}

TEST_F(FakeGradingManual, VerifyAcceptsAPendingPartAsFullMarks) {
    FakeProcessRunner runner([this](const ProcessSpec& spec) {
        // The stub's tests fail, the reference's pass: the staged header tells them apart.
        std::ifstream in(root_ / "build/grade/stage/01-counter/counter.hpp");
        const std::string staged((std::istreambuf_iterator<char>(in)), {});
        return toolchain(staged.find("stub") != std::string::npos ? 0 : 2, false, 0.5)(spec);
    });
    Grader grader(course_, runner, Workspace{root_, root_ / "build/grade"});
    VerifyOptions o;
    o.katas = {&course_.exercises[0]};
    const auto rows = verify_course(course_, grader, o, {});
    ASSERT_GE(rows.size(), 2u);
    EXPECT_EQ(rows[0].subject, "reference");
    EXPECT_TRUE(rows[0].ok) << rows[0].why << " / " << rows[0].observed;
    EXPECT_EQ(rows[1].subject, "stub");
    EXPECT_TRUE(rows[1].ok) << rows[1].why << " / " << rows[1].observed;
}

}  // namespace

namespace {

/// A run of the untimed part of verify: its rows, and the command line of every process the
/// grader started.
struct VerifyRun {
    std::vector<VerifyRow> rows;
    std::vector<std::vector<std::string>> commands;
};

/// A course with one mutant that only timing catches and one that its tests catch.
class FakeVerifyParts : public FakeGrading {
  protected:
    void SetUp() override {
        FakeGrading::SetUp();
        write(root_ / "tests/mutants/counter/slow/counter.hpp", "// slow\n");
        write(root_ / "tests/mutants/counter/slow/expect.yaml",
              "format_version: 1\ndescription: slow\nfails: [timing]\n");
        write(root_ / "tests/mutants/counter/broken/counter.hpp", "// broken\n");
        write(root_ / "tests/mutants/counter/broken/expect.yaml",
              "format_version: 1\ndescription: broken\nfails: [tests]\n");
    }

    /// Commands run while the reference was the staged code, during the last subjects() call.
    std::vector<std::string> reference_commands_;

    std::vector<std::string> subjects(VerifyPart part) {
        reference_commands_.clear();
        FakeProcessRunner runner([this](const ProcessSpec& spec) {
            std::ifstream in(root_ / "build/grade/stage/01-counter/counter.hpp");
            const std::string staged((std::istreambuf_iterator<char>(in)), {});
            if (staged.find("stub") == std::string::npos &&
                staged.find("broken") == std::string::npos &&
                staged.find("slow") == std::string::npos)
                reference_commands_.push_back(fmt::format("{}", fmt::join(spec.argv, " ")));
            const bool fails_tests = staged.find("stub") != std::string::npos ||
                                     staged.find("broken") != std::string::npos;
            const double ratio = staged.find("slow") != std::string::npos ? 2.0 : 0.5;
            return toolchain(fails_tests ? 0 : 2, false, ratio)(spec);
        });
        Grader grader(course_, runner, Workspace{root_, root_ / "build/grade"});
        VerifyOptions o;
        o.katas = {&course_.exercises[0]};
        o.part = part;
        std::vector<std::string> seen;
        for (const auto& row : verify_course(course_, grader, o, {})) {
            EXPECT_TRUE(row.ok) << row.subject << ": " << row.why;
            EXPECT_GE(row.seconds, 0.0);
            seen.push_back(row.subject);
        }
        return seen;
    }

    /// The untimed part on the "broken" mutant alone (and the stub): the mutant fails every
    /// test, the stub too.
    /// The untimed part with the mutant "broken": its rows, and the commands run while the
    /// mutant was the staged code (not those of the reference's and the stub's rows).
    VerifyRun verify_broken() {
        std::vector<std::vector<std::string>> mutant_commands;
        FakeProcessRunner runner([this, &mutant_commands](const ProcessSpec& spec) {
            std::ifstream in(root_ / "build/grade/stage/01-counter/counter.hpp");
            const std::string staged((std::istreambuf_iterator<char>(in)), {});
            const bool broken = staged.find("broken") != std::string::npos;
            if (broken) mutant_commands.push_back(spec.argv);
            return toolchain(broken ? 0 : 2, false, 2.0)(spec);
        });
        Grader grader(course_, runner, Workspace{root_, root_ / "build/grade"});
        VerifyOptions o;
        o.katas = {&course_.exercises[0]};
        o.part = VerifyPart::untimed;
        o.mutant_filter = "broken";
        return VerifyRun{verify_course(course_, grader, o, {}), mutant_commands};
    }
};

TEST_F(FakeVerifyParts, TheTimedPartHoldsEveryRowThatRunsTiming) {
    // The reference's row here grades its tests and timing only.
    EXPECT_EQ(subjects(VerifyPart::timed), (std::vector<std::string>{"reference", "mutant slow"}));
    bool benchmark = false;
    for (const auto& c : reference_commands_) {
        EXPECT_EQ(c.find("tsan"), std::string::npos) << c;
        benchmark = benchmark || c.find("_bench") != std::string::npos;
    }
    EXPECT_TRUE(benchmark);
}

TEST_F(FakeVerifyParts, TheUntimedPartHoldsTheRest) {
    // The reference's other checks (TSan, ASan, the explorer), graded beside other work.
    EXPECT_EQ(subjects(VerifyPart::untimed),
              (std::vector<std::string>{"reference", "stub", "mutant broken"}));
    bool tsan = false;
    for (const auto& c : reference_commands_) {
        EXPECT_EQ(c.find("_bench"), std::string::npos) << c;
        tsan = tsan || c.find("tsan") != std::string::npos;
    }
    EXPECT_TRUE(tsan);
}

TEST_F(FakeVerifyParts, AMutantOnlyTheTestsCatchStopsAtTheFirstFailure) {
    const VerifyRun run = verify_broken();
    ASSERT_FALSE(run.rows.empty());
    EXPECT_TRUE(run.rows.back().ok) << run.rows.back().why;
    int fail_fast_runs = 0;
    for (const auto& argv : run.commands)
        fail_fast_runs += std::count(argv.begin(), argv.end(), "--gtest_fail_fast");
    EXPECT_EQ(fail_fast_runs, 1) << "the mutant's test run, and not the stub's";
}

TEST_F(FakeVerifyParts, ACheckThatOnlyMayFailIsNotRun) {
    // Whatever TSan or the timing would say, this row's verdict is the tests': neither is
    // built nor run, the row is untimed, and the first failing test answers it.
    write(root_ / "tests/mutants/counter/broken/expect.yaml",
          "format_version: 1\ndescription: broken\nfails: [tests]\nmay_fail: [tsan, timing]\n");
    const VerifyRun run = verify_broken();
    ASSERT_EQ(run.rows.size(), 3u);
    EXPECT_TRUE(run.rows.back().ok) << run.rows.back().why;
    for (const auto& argv : run.commands) {
        const std::string command = fmt::format("{}", fmt::join(argv, " "));
        EXPECT_EQ(command.find("tsan"), std::string::npos) << command;
        EXPECT_EQ(command.find("_bench"), std::string::npos) << command;
    }
}

TEST_F(FakeVerifyParts, BothPartsTogetherAreTheWholeRun) {
    EXPECT_EQ(subjects(VerifyPart::all),
              (std::vector<std::string>{"reference", "stub", "mutant broken", "mutant slow"}));
}

}  // namespace

namespace {

/// A mutant that only timing catches, on a machine whose first `noisy_benchmarks` benchmark
/// runs of the mutant are too noisy to judge.
class NoisyVerify : public FakeVerifyParts {
  protected:
    std::vector<VerifyRow> rows(int noisy_benchmarks) {
        auto real = toolchain(2, false, 2.0);
        FakeProcessRunner runner([&, this](const ProcessSpec& spec) -> ProcessOutcome {
            std::ifstream in(root_ / "build/grade/stage/01-counter/counter.hpp");
            const std::string staged((std::istreambuf_iterator<char>(in)), {});
            const bool bench = spec.argv.front().find("_bench") != std::string::npos;
            if (!bench || staged.find("slow") == std::string::npos) return real(spec);
            ++benchmarks_;
            if (benchmarks_ > noisy_benchmarks) return real(spec);
            // The student's samples spread by 57%: median ratio 1.1, best case 0.7.
            write(flag_value(spec, "--benchmark_out"), R"({"benchmarks": [
                {"run_name": "S", "run_type": "iteration", "real_time": 70, "cpu_time": 1, "time_unit": "ns"},
                {"run_name": "S", "run_type": "iteration", "real_time": 150, "cpu_time": 1, "time_unit": "ns"},
                {"run_name": "B", "run_type": "iteration", "real_time": 100, "cpu_time": 1, "time_unit": "ns"},
                {"run_name": "B", "run_type": "iteration", "real_time": 100, "cpu_time": 1, "time_unit": "ns"}]})");
            return exited(0);
        });
        Grader grader(course_, runner, Workspace{root_, root_ / "build/grade"});
        VerifyOptions o;
        o.katas = {&course_.exercises[0]};
        o.part = VerifyPart::timed;
        o.mutant_filter = "slow";
        return verify_course(course_, grader, o, {});
    }
    int benchmarks_ = 0;
};

TEST_F(NoisyVerify, AnInconclusiveTimingIsGradedAgainNotJudged) {
    // The first grade's two benchmark attempts are both too noisy; the second grade decides.
    const auto r = rows(2);
    ASSERT_EQ(r.size(), 2u);
    EXPECT_EQ(r[1].subject, "mutant slow");
    EXPECT_TRUE(r[1].ok) << r[1].why;
    EXPECT_EQ(benchmarks_, 3);  // two noisy attempts, then one that decides
}

TEST_F(NoisyVerify, AMachineThatStaysNoisySaysSoAfterThreeGrades) {
    const auto r = rows(1000);
    ASSERT_EQ(r.size(), 2u);
    EXPECT_FALSE(r[1].ok);
    EXPECT_NE(r[1].why.find("inconclusive"), std::string::npos) << r[1].why;
    EXPECT_NE(r[1].why.find("regraded 2 time(s)"), std::string::npos) << r[1].why;
    EXPECT_EQ(benchmarks_, 6);  // three grades of two attempts each
}

}  // namespace
