// The sanitizer checks: the ASan/UBSan report reader on canned output, judge_asan, the reruns
// run_test_binary makes when a sanitizer runtime cannot cope with the machine (setarch -R for
// TSan, detect_leaks=0 for LeakSanitizer), infrastructure errors, and the asan and timing stages
// of a whole grade driven by the fake process runner.
#include "checks/checks.hpp"
#include "checks/parsers.hpp"
#include "grade/grade.hpp"
#include "grade/verify.hpp"
#include "score/scorer.hpp"

#include "fake_process_runner.hpp"

#include "temp_project.hpp"

#include <gtest/gtest.h>

#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <map>
#include <sstream>

namespace fs = std::filesystem;
using namespace interleave;
using interleave::testing::exited;
using interleave::testing::FakeProcessRunner;
using interleave::testing::flag_value;

using interleave::testing::write;

namespace {

std::string data_file(const std::string& name) {
    std::ifstream in(fs::path(INTERLEAVE_TEST_DATA) / name);
    std::stringstream s;
    s << in.rdbuf();
    return s.str();
}

Workspace test_workspace() {
    return Workspace{"/src", "/b"};
}

TestBinaryRun passing_run() {
    TestBinaryRun run;
    run.process.termination = Termination::exited;
    run.process.exit_code = 0;
    TestRunSummary s;
    s.tests.push_back({"S.a", true, false, {}});
    s.tests.push_back({"S.b", true, false, {}});
    run.listed = {"S.a", "S.b"};
    run.results = s;
    run.progress.started = {"S.a", "S.b"};
    return run;
}

// ---- the report reader -------------------------------------------------------------------

TEST(ParseAsan, HeapUseAfterFreeWithTheAccessAndTheFreeingSite) {
    const auto reports = parse_asan_reports(data_file("asan_heap_use_after_free.txt"));
    ASSERT_EQ(reports.size(), 1u);
    const auto& r = reports[0];
    EXPECT_EQ(r.kind, "heap-use-after-free");
    EXPECT_EQ(r.summary,
              "heap-use-after-free /b/stage/04-producer-consumer/bounded_queue.hpp:151:36 in "
              "BoundedQueue<int>::take(std::unique_lock<std::mutex>&)");
    ASSERT_EQ(r.accesses.size(), 3u);
    EXPECT_EQ(r.accesses[0].what, "READ of size 4");
    EXPECT_EQ(r.accesses[0].thread, "thread T3");
    ASSERT_EQ(r.accesses[0].frames.size(), 4u);
    EXPECT_EQ(r.accesses[0].frames[0].file, "/b/stage/04-producer-consumer/bounded_queue.hpp");
    EXPECT_EQ(r.accesses[0].frames[0].line, 151);
    EXPECT_EQ(r.accesses[1].what, "freed");
    // operator delete has no file:line and is left out; the deque's and the student's stay.
    ASSERT_EQ(r.accesses[1].frames.size(), 3u);
    EXPECT_EQ(r.accesses[1].frames[1].line, 150);
    EXPECT_EQ(r.accesses[2].what, "previously allocated");
    EXPECT_EQ(r.accesses[2].thread, "thread T2");
    EXPECT_NE(r.text.find("Shadow bytes"), std::string::npos) << "the report is kept whole";
}

TEST(ParseAsan, StackUseAfterScope) {
    const auto reports = parse_asan_reports(data_file("asan_stack_use_after_scope.txt"));
    ASSERT_EQ(reports.size(), 1u);
    EXPECT_EQ(reports[0].kind, "stack-use-after-scope");
    ASSERT_EQ(reports[0].accesses.size(), 2u);
    EXPECT_EQ(reports[0].accesses[0].what, "READ of size 8");
    // The frame of the "located in stack of" section does not belong to the access...
    EXPECT_EQ(reports[0].accesses[0].frames.size(), 3u);
    // ...it names the dead variable and the line that declared it.
    EXPECT_EQ(reports[0].accesses[1].what, "stack object 'ref.tmp2'");
    ASSERT_EQ(reports[0].accesses[1].frames.size(), 1u);
    EXPECT_EQ(reports[0].accesses[1].frames[0].line, 95);
}

TEST(ParseAsan, UndefinedBehaviourNamesItsKindAndLine) {
    const auto reports = parse_asan_reports(data_file("ubsan_signed_overflow.txt"));
    ASSERT_EQ(reports.size(), 1u);
    EXPECT_EQ(reports[0].kind, "undefined behaviour: signed integer overflow");
    ASSERT_EQ(reports[0].accesses.size(), 1u);
    const auto& frames = reports[0].accesses[0].frames;
    ASSERT_EQ(frames.size(), 3u) << "UBSan's own line and stack frame #0 are merged";
    EXPECT_EQ(frames[0].function, "Counter::increment()");
    EXPECT_EQ(frames[0].line, 12);
    EXPECT_NE(reports[0].summary.find("undefined-behavior"), std::string::npos);
}

TEST(ParseAsan, LeaksAndUnrelatedTextAndTsanReports) {
    const std::string leak =
        "==9==ERROR: LeakSanitizer: detected memory leaks\n\n"
        "Direct leak of 16 byte(s) in 1 object(s) allocated from:\n"
        "    #0 0x4 in operator new(unsigned long) (/b/t+0x4)\n"
        "    #1 0x5 in Pool::start() /b/stage/05-url-pipeline/pipeline.hpp:40:9\n\n"
        "SUMMARY: AddressSanitizer: 16 byte(s) leaked in 1 allocation(s).\n";
    const auto reports = parse_asan_reports("[ RUN ] X.y\nnoise\n" + leak);
    ASSERT_EQ(reports.size(), 1u);
    EXPECT_EQ(reports[0].kind, "detected memory leaks");
    ASSERT_EQ(reports[0].accesses.size(), 1u);
    EXPECT_EQ(reports[0].accesses[0].what, "Direct leak of 16 byte(s) in 1 object(s) allocated");
    EXPECT_EQ(reports[0].accesses[0].frames.at(0).line, 40);
    EXPECT_TRUE(parse_asan_reports("WARNING: ThreadSanitizer: data race (pid=1)\n").empty());
    EXPECT_TRUE(parse_asan_reports("").empty());
}

// ---- judge_asan --------------------------------------------------------------------------

TEST(JudgeAsan, UseAfterFreeNamesTheAccessAndTheFreeingSiteInTheStudentsFile) {
    TestBinaryRun run = passing_run();
    run.results.reset();
    run.process.exit_code = kAsanExitCode;
    run.sanitizer_log = data_file("asan_heap_use_after_free.txt");
    const CheckResult c = judge_asan(run, 10, test_workspace());
    EXPECT_EQ(c.status, CheckStatus::fail);
    EXPECT_DOUBLE_EQ(c.score, 0);
    ASSERT_EQ(c.details.size(), 1u);
    EXPECT_EQ(c.details[0],
              "heap-use-after-free: READ of size 4 by thread T3 in "
              "BoundedQueue<int>::take(std::unique_lock<std::mutex>&) at "
              "04-producer-consumer/bounded_queue.hpp:151; freed by thread T3 in "
              "BoundedQueue<int>::take(std::unique_lock<std::mutex>&) at "
              "04-producer-consumer/bounded_queue.hpp:150");
    EXPECT_NE(c.message.find("first: heap-use-after-free"), std::string::npos) << c.message;
    const auto& report = c.data.at("reports").at(0);
    EXPECT_EQ(report.at("kind"), "heap-use-after-free");
    EXPECT_EQ(report.at("accesses").at(1).at("file"), "04-producer-consumer/bounded_queue.hpp");
    EXPECT_EQ(report.at("accesses").at(1).at("line"), 150);
    EXPECT_NE(report.at("text").get<std::string>().find("previously allocated"), std::string::npos);
}

TEST(JudgeAsan, StackAndUndefinedBehaviourPointAtTheStudentsLine) {
    TestBinaryRun run = passing_run();
    run.process.exit_code = kAsanExitCode;
    run.process.err = data_file("asan_stack_use_after_scope.txt");
    CheckResult c = judge_asan(run, 10, test_workspace());
    EXPECT_EQ(c.status, CheckStatus::fail);
    ASSERT_FALSE(c.details.empty());
    EXPECT_EQ(c.details[0].rfind("stack-use-after-scope: READ of size 8 by thread T0 in ", 0), 0u);
    EXPECT_NE(c.details[0].find("at 04-producer-consumer/bounded_queue.hpp:99"), std::string::npos)
        << c.details[0];
    EXPECT_NE(c.details[0].find("; stack object 'ref.tmp2' by thread T0 in "), std::string::npos)
        << c.details[0];
    EXPECT_NE(c.details[0].find("at 04-producer-consumer/bounded_queue.hpp:95"), std::string::npos)
        << c.details[0];

    run.process.err = data_file("ubsan_signed_overflow.txt");
    c = judge_asan(run, 10, test_workspace());
    EXPECT_EQ(c.status, CheckStatus::fail);
    EXPECT_EQ(c.details.at(0),
              "undefined behaviour: signed integer overflow: 9223372036854775807 + 1 cannot be "
              "represented in type 'long' in Counter::increment() at 01-counter/counter.hpp:12");
}

TEST(JudgeAsan, CleanRunEarnsPointsOnlyWhenTestsPass) {
    const TestBinaryRun run = passing_run();
    const CheckResult pass = judge_asan(run, 10, test_workspace());
    EXPECT_EQ(pass.status, CheckStatus::pass);
    EXPECT_DOUBLE_EQ(pass.score, 10);
    KataReport stub;
    stub.checks.push_back(CheckResult{"tests", CheckStatus::fail, 0, 60, "", {}, {}, 0});
    stub.checks.push_back(judge_asan(run, 10, test_workspace()));
    score_kata(stub);
    EXPECT_EQ(stub.checks[1].status, CheckStatus::skipped);
    EXPECT_DOUBLE_EQ(stub.checks[1].score, 0);
}

TEST(JudgeAsan, RuntimeThatCannotStartIsAnInfrastructureError) {
    TestBinaryRun run;
    run.process = exited(1);
    run.sanitizer_log =
        "==5==Shadow memory range interleaves with an existing memory mapping. ASan cannot "
        "proceed correctly. ABORTING.\n==5==ASan shadow was supposed to be located in the "
        "[0x00007fff7000-0x10007fff7fff] range.\n";
    const CheckResult c = judge_asan(run, 10, test_workspace());
    EXPECT_EQ(c.status, CheckStatus::error);
    EXPECT_TRUE(c.infrastructure);
    EXPECT_NE(c.message.find("not the student's fault"), std::string::npos);
}

// ---- reruns and runtime failures through the fake runner ---------------------------------

/// A fake test binary: lists two tests and passes them, writing the files a real one would.
/// `sanitizer_text(spec)` may return text to put in the sanitizer log and a non-zero exit.
struct FakeBinary {
    std::function<std::pair<int, std::string>(const ProcessSpec&, bool listing)> behaviour;

    ProcessOutcome operator()(const ProcessSpec& spec) const {
        const bool listing =
            std::find(spec.argv.begin(), spec.argv.end(), "--gtest_list_tests") != spec.argv.end();
        const auto [code, log] = behaviour(spec, listing);
        if (!log.empty()) {
            // log_path=PREFIX: the runtime writes PREFIX.PID.
            for (const char* var : {"TSAN_OPTIONS", "ASAN_OPTIONS"}) {
                const auto it = spec.env.find(var);
                if (it == spec.env.end()) continue;
                const std::string opts = it->second;
                const auto at = opts.find("log_path=");
                write(opts.substr(at + 9, opts.find(' ', at) - at - 9) + ".4242", log);
            }
            if (code != 0) return exited(code);
        }
        const std::string out = flag_value(spec, "--gtest_output");
        const std::string path = out.substr(out.find(':') + 1);
        if (listing) {
            write(
                path,
                R"({"testsuites": [{"name": "C", "testsuite": [{"name": "a"}, {"name": "b"}]}]})");
            return exited(0);
        }
        write(path, R"({"testsuites": [{"name": "C", "testsuite": [
            {"name": "a", "status": "RUN", "result": "COMPLETED"},
            {"name": "b", "status": "RUN", "result": "COMPLETED"}]}]})");
        return exited(code);
    }
};

class FakeRuns : public ::testing::Test {
  protected:
    void SetUp() override {
        scratch_ = fs::temp_directory_path() /
                   ("interleave-sanitizers-" + std::to_string(::getpid()) + "-" +
                    ::testing::UnitTest::GetInstance()->current_test_info()->name());
        fs::remove_all(scratch_);
    }
    void TearDown() override { fs::remove_all(scratch_); }

    TestRunOptions options() const {
        TestRunOptions o;
        o.binary = "/b/tsan/harness/01-counter/counter_tests";
        o.scratch = scratch_;
        return o;
    }

    fs::path scratch_;
};

bool under_setarch(const ProcessSpec& spec) {
    return spec.argv.front() == "setarch";
}

TEST_F(FakeRuns, TsanMappingFailureIsRerunUnderSetarchWithANote) {
    FakeProcessRunner runner(FakeBinary{[](const ProcessSpec& spec, bool) {
        if (under_setarch(spec)) return std::pair<int, std::string>{0, ""};
        return std::pair<int, std::string>{
            66,
            "FATAL: ThreadSanitizer: unexpected memory mapping 0x7f1c2a400000-0x7f1c2a800000\n"};
    }});
    TestRunOptions o = options();
    o.sanitizer = true;
    const TestBinaryRun run = run_test_binary(runner, o);
    ASSERT_GE(runner.specs.size(), 2u);
    EXPECT_FALSE(under_setarch(runner.specs.front()));
    EXPECT_TRUE(under_setarch(runner.specs.back()));
    EXPECT_EQ(runner.specs.back().argv.at(2), "-R");
    ASSERT_EQ(run.notes.size(), 1u);
    EXPECT_NE(run.notes[0].find("setarch -R"), std::string::npos);
    const CheckResult c = judge_tsan(run, 20, test_workspace());
    EXPECT_EQ(c.status, CheckStatus::pass) << c.message;
    EXPECT_EQ(c.details.at(0), run.notes[0]) << "the note travels with the check";
}

TEST_F(FakeRuns, TsanRuntimeThatCannotStartIsAnInfrastructureErrorWithTheFix) {
    FakeProcessRunner runner(FakeBinary{[](const ProcessSpec&, bool) {
        return std::pair<int, std::string>{
            66, "FATAL: ThreadSanitizer: failed to intercept pthread_create\n"};
    }});
    TestRunOptions o = options();
    o.sanitizer = true;
    const TestBinaryRun run = run_test_binary(runner, o);
    EXPECT_EQ(runner.specs.size(), 1u) << "only a mapping failure is worth a rerun";
    const CheckResult c = judge_tsan(run, 20, test_workspace());
    EXPECT_EQ(c.status, CheckStatus::error);
    EXPECT_TRUE(c.infrastructure);
    EXPECT_NE(c.message.find("not the student's fault"), std::string::npos);
    EXPECT_NE(c.message.find("sysctl vm.mmap_rnd_bits=28"), std::string::npos);
    EXPECT_NE(c.message.find("failed to intercept pthread_create"), std::string::npos) << c.message;
}

TEST_F(FakeRuns, TsanFatalAfterTheListingIsStillNotTheStudentsFault) {
    FakeProcessRunner runner(FakeBinary{[](const ProcessSpec&, bool listing) {
        if (listing) return std::pair<int, std::string>{0, ""};
        return std::pair<int, std::string>{
            66, "FATAL: ThreadSanitizer: internal allocator is out of memory\n"};
    }});
    TestRunOptions o = options();
    o.sanitizer = true;
    const CheckResult c = judge_tsan(run_test_binary(runner, o), 20, test_workspace());
    EXPECT_EQ(c.status, CheckStatus::error);
    EXPECT_TRUE(c.infrastructure);
}

TEST_F(FakeRuns, AsanOptionsAreSetExplicitlyAndReportsAreReadFromTheLogFile) {
    FakeProcessRunner runner(FakeBinary{[](const ProcessSpec&, bool listing) {
        if (listing) return std::pair<int, std::string>{0, ""};
        return std::pair<int, std::string>{kAsanExitCode,
                                           data_file("asan_heap_use_after_free.txt")};
    }});
    TestRunOptions o = options();
    o.address_sanitizer = true;
    const TestBinaryRun run = run_test_binary(runner, o);
    const auto& env = runner.specs.back().env;
    ASSERT_EQ(env.count("ASAN_OPTIONS"), 1u);
    EXPECT_NE(env.at("ASAN_OPTIONS").find("detect_leaks=1"), std::string::npos);
    EXPECT_NE(env.at("ASAN_OPTIONS").find("halt_on_error=1"), std::string::npos);
    EXPECT_NE(env.at("ASAN_OPTIONS").find("log_path=" + (scratch_ / "sanitizer").string()),
              std::string::npos);
    EXPECT_NE(env.at("UBSAN_OPTIONS").find("print_stacktrace=1"), std::string::npos);
    EXPECT_EQ(env.count("TSAN_OPTIONS"), 0u) << "ASan and TSan never share a run";
    EXPECT_EQ(judge_asan(run, 10, test_workspace()).status, CheckStatus::fail);
}

TEST_F(FakeRuns, LeakSanitizerWithoutPtraceIsRerunWithoutLeakChecksAndANote) {
    FakeProcessRunner runner(FakeBinary{[](const ProcessSpec& spec, bool) {
        if (spec.env.at("ASAN_OPTIONS").find("detect_leaks=1") != std::string::npos)
            return std::pair<int, std::string>{23, data_file("lsan_under_ptrace.txt")};
        return std::pair<int, std::string>{0, ""};
    }});
    TestRunOptions o = options();
    o.address_sanitizer = true;
    const TestBinaryRun run = run_test_binary(runner, o);
    EXPECT_NE(runner.specs.back().env.at("ASAN_OPTIONS").find("detect_leaks=0"), std::string::npos);
    ASSERT_EQ(run.notes.size(), 1u);
    EXPECT_NE(run.notes[0].find("detect_leaks=0"), std::string::npos);
    const CheckResult c = judge_asan(run, 10, test_workspace());
    EXPECT_EQ(c.status, CheckStatus::pass) << c.message;
    EXPECT_EQ(c.details.at(0), run.notes[0]);
}

// ---- whole grades with the fake runner ---------------------------------------------------

class FakeAsanGrading : public interleave::testing::TempProject {
  protected:
    FakeAsanGrading() : TempProject("asan-grade") {}

    void SetUp() override {
        TempProject::SetUp();
        write(root_ / "course.yaml", "format_version: 1\ntitle: T\n");
        write(root_ / "exercises/01-queue/exercise.yaml", R"(format_version: 1
id: queue
title: Queue
student_files: [queue.hpp]
checks:
  tests: {points: 50}
  tsan: {points: 20}
  asan: {points: 10}
  timing:
    points: 20
    repetitions: 2
    comparisons:
      - {name: speed, student: S, baseline: B, full_credit_ratio: 0.6, zero_credit_ratio: 0.9}
)");
        write(root_ / "solutions/01-queue/queue.hpp", "// reference\n");
        course_ = load_course(root_);
    }

    GradeOptions options() {
        GradeOptions o;
        o.katas = {&course_.exercises[0]};
        o.layers = {{root_ / "solutions", true}};
        o.source_label = "solutions";
        return o;
    }

    /// Builds succeed; the ASan binary reports `asan_log` (when not empty); the benchmark
    /// returns, run after run, the student samples in `bench` (baseline always 100 ns).
    FakeProcessRunner::Handler toolchain(std::string asan_log,
                                         std::vector<std::vector<double>> bench) {
        auto runs = std::make_shared<std::size_t>(0);
        const FakeBinary binary{[asan_log](const ProcessSpec& spec, bool listing) {
            if (!listing && spec.env.count("ASAN_OPTIONS") != 0 && !asan_log.empty())
                return std::pair<int, std::string>{kAsanExitCode, asan_log};
            return std::pair<int, std::string>{0, ""};
        }};
        return [=, this](const ProcessSpec& spec) -> ProcessOutcome {
            const std::string program = spec.argv.front();
            if (program == "cmake") {
                if (spec.argv[1] != "--build") {
                    const fs::path dir = spec.argv[4];
                    write(dir / "CMakeCache.txt", "");
                    write(dir / "build.ninja", "");
                }
                return exited(0);
            }
            if (program.find("_bench") != std::string::npos) {
                const auto& s = bench.at(std::min(*runs, bench.size() - 1));
                ++*runs;
                std::string rows;
                for (double v : s) {
                    rows += R"({"run_name": "S", "run_type": "iteration", "real_time": )" +
                            std::to_string(v) + R"(, "cpu_time": 1, "time_unit": "ns"},)";
                    rows +=
                        R"({"run_name": "B", "run_type": "iteration", "real_time": 100, "cpu_time": 1, "time_unit": "ns"},)";
                }
                rows.pop_back();
                write(flag_value(spec, "--benchmark_out"), R"({"benchmarks": [)" + rows + "]}");
                return exited(0);
            }
            return binary(spec);
        };
    }

    std::size_t bench_runs(const FakeProcessRunner& runner) const {
        return static_cast<std::size_t>(
            std::count_if(runner.specs.begin(), runner.specs.end(), [](const ProcessSpec& s) {
                return s.argv.front().find("_bench") != std::string::npos;
            }));
    }

    Course course_;
};

TEST_F(FakeAsanGrading, CleanRunEarnsTheAsanPointsFromItsOwnPreset) {
    FakeProcessRunner runner(toolchain("", {{50, 50}}));
    Grader grader(course_, runner, Workspace{root_, root_ / "build/grade"});
    const GradeReport r = grader.grade(options());
    EXPECT_EQ(summarise_checks(r.katas[0]),
              "build pass, tests pass, tsan pass, asan pass, timing pass");
    EXPECT_DOUBLE_EQ(r.score, 100);
    bool asan_preset = false;
    for (const auto& spec : runner.specs) {
        if (spec.argv.size() > 2 && spec.argv[0] == "cmake" && spec.argv[2] == "asan")
            asan_preset = true;
        if (spec.env.count("ASAN_OPTIONS") != 0) {
            EXPECT_EQ(spec.env.count("TSAN_OPTIONS"), 0u);
            EXPECT_NE(spec.argv.front().find("/asan/"), std::string::npos) << spec.argv.front();
        }
    }
    EXPECT_TRUE(asan_preset) << "the asan tree is configured with its own preset";
}

TEST_F(FakeAsanGrading, MemoryErrorFailsOnlyAsanAndNoAsanSkipsIt) {
    FakeProcessRunner runner(toolchain(data_file("asan_heap_use_after_free.txt"), {{50, 50}}));
    Grader grader(course_, runner, Workspace{root_, root_ / "build/grade"});
    GradeReport r = grader.grade(options());
    EXPECT_EQ(summarise_checks(r.katas[0]),
              "build pass, tests pass, tsan pass, asan FAIL, timing pass");
    EXPECT_DOUBLE_EQ(r.score, 90);
    EXPECT_TRUE(judge_mutant(r.katas[0], "bug", MutantExpectation{"d", {"asan"}, {}}).ok);

    GradeOptions o = options();
    o.asan = false;
    r = grader.grade(o);
    EXPECT_EQ(summarise_checks(r.katas[0]),
              "build pass, tests pass, tsan pass, asan skipped, timing pass");
}

TEST_F(FakeAsanGrading, SanitizerTreesBuildOnceAtTheLowestPriorityAndTheReleaseTreeDoesNot) {
    FakeProcessRunner runner(toolchain("", {{50, 50}}));
    Grader grader(course_, runner, Workspace{root_, root_ / "build/grade"});
    const GradeReport r = grader.grade(options());
    EXPECT_DOUBLE_EQ(r.score, 100);
    std::map<std::string, std::vector<int>> builds;  // tree -> the niceness of each build
    for (const auto& spec : runner.specs) {
        if (spec.argv.size() > 2 && spec.argv[0] == "cmake" && spec.argv[1] == "--build")
            builds[fs::path(spec.argv[2]).filename().string()].push_back(spec.niceness);
    }
    EXPECT_EQ(builds["release"], std::vector<int>{0}) << "the release build is waited for";
    EXPECT_EQ(builds["tsan"], std::vector<int>{19}) << "built early, while the tests run";
    EXPECT_EQ(builds["asan"], std::vector<int>{19}) << "built early, while the tests run";

    GradeOptions o = options();
    o.tsan = false;
    o.asan = false;
    runner.specs.clear();
    grader.grade(o);
    for (const auto& spec : runner.specs)
        EXPECT_EQ(spec.niceness, 0) << "nothing is built early for checks that are off";
}

TEST_F(FakeAsanGrading, AnEarlyBuildThatFailsFailsItsCheckWithTheCompilerError) {
    const auto tools = toolchain("", {{50, 50}});
    FakeProcessRunner runner([&](const ProcessSpec& spec) {
        if (spec.argv[0] == "cmake" && spec.argv[1] == "--build" &&
            fs::path(spec.argv[2]).filename() == "tsan") {
            ProcessOutcome o = exited(1);
            o.out = (root_ / "build/grade/stage/01-queue/queue.hpp").string() +
                    ":1:4: error: clang sees what gcc did not\n";
            return o;
        }
        return tools(spec);
    });
    Grader grader(course_, runner, Workspace{root_, root_ / "build/grade"});
    const GradeReport r = grader.grade(options());
    EXPECT_EQ(summarise_checks(r.katas[0]),
              "build pass, tests pass, tsan FAIL, asan pass, timing pass");
    const CheckResult* tsan = r.katas[0].find("tsan");
    ASSERT_NE(tsan, nullptr);
    EXPECT_NE(tsan->message.find("clang sees what gcc did not"), std::string::npos)
        << tsan->message;
}

TEST_F(FakeAsanGrading, NoisyTimingIsRetriedOnceThenInconclusiveNotFailed) {
    // Spread (median - min) / min = 0.75 > max_spread 0.5, on a ratio that misses full credit.
    FakeProcessRunner runner(toolchain("", {{80, 200}}));
    Grader grader(course_, runner, Workspace{root_, root_ / "build/grade"});
    const GradeReport r = grader.grade(options());
    const CheckResult* timing = r.katas[0].find("timing");
    ASSERT_NE(timing, nullptr);
    EXPECT_EQ(bench_runs(runner), 2u) << "one retry";
    EXPECT_EQ(timing->status, CheckStatus::error);
    EXPECT_NE(timing->status, CheckStatus::fail);
    EXPECT_TRUE(timing_inconclusive(*timing));
    EXPECT_NE(timing->message.find("inconclusive"), std::string::npos);
    EXPECT_NE(std::find(timing->details.begin(), timing->details.end(),
                        "attempt 2 was too noisy to judge"),
              timing->details.end());
    // A mutant whose timing must fail is not counted as caught by an inconclusive run.
    EXPECT_FALSE(judge_mutant(r.katas[0], "slow", MutantExpectation{"d", {"timing"}, {}}).ok);
}

TEST_F(FakeAsanGrading, NoisyFirstAttemptThenACleanOneIsJudgedOnTheSecond) {
    FakeProcessRunner runner(toolchain("", {{80, 200}, {75, 76}}));
    Grader grader(course_, runner, Workspace{root_, root_ / "build/grade"});
    const GradeReport r = grader.grade(options());
    const CheckResult* timing = r.katas[0].find("timing");
    ASSERT_NE(timing, nullptr);
    EXPECT_EQ(bench_runs(runner), 2u);
    // Ratio 0.75, halfway between full (0.6) and zero (0.9) credit: linear, so half the points.
    EXPECT_EQ(timing->status, CheckStatus::fail);
    EXPECT_NEAR(timing->score, 10, 1e-9);
    EXPECT_FALSE(timing_inconclusive(*timing));
}

TEST(AsanMetadata, PointsAreValidatedWithFileAndLine) {
    const fs::path dir =
        fs::temp_directory_path() / ("interleave-asan-yaml-" + std::to_string(::getpid()));
    fs::remove_all(dir);
    const fs::path yaml = dir / "exercise.yaml";
    write(yaml,
          "format_version: 1\nid: q\ntitle: Q\nstudent_files: [q.hpp]\nchecks:\n"
          "  tests: {points: 90}\n  asan:\n    points: 10\n");
    const Exercise e = load_exercise(yaml, "01-q", Exercise{});
    EXPECT_EQ(e.asan_points, 10);
    EXPECT_EQ(e.max_points(), 100);
    auto error_of = [&](const std::string& asan) {
        write(yaml,
              "format_version: 1\nid: q\ntitle: Q\nstudent_files: [q.hpp]\nchecks:\n"
              "  tests: {points: 90}\n  asan:\n" +
                  asan);
        try {
            load_exercise(yaml, "01-q", Exercise{});
        } catch (const MetadataError& err) {
            return std::string(err.what());
        }
        return std::string("no error");
    };
    const std::string negative = error_of("    points: -1\n");
    EXPECT_NE(negative.find(yaml.string() + ":8"), std::string::npos) << negative;
    EXPECT_NE(negative.find("must not be negative"), std::string::npos) << negative;
    const std::string unknown = error_of("    points: 10\n    detect_leaks: 0\n");
    EXPECT_NE(unknown.find("detect_leaks"), std::string::npos) << unknown;
    EXPECT_NE(unknown.find(yaml.string() + ":"), std::string::npos) << unknown;
    write(dir / "expect.yaml", "format_version: 1\ndescription: d\nfails: [asan]\n");
    EXPECT_EQ(load_mutant_expectation(dir / "expect.yaml").fails, std::vector<std::string>{"asan"});
    fs::remove_all(dir);
}

}  // namespace

TEST(TsanOptions, GoesOnAfterAReportUnlessOnlyTheFirstIsWanted) {
    // A student sees every race; verify's mutants need only the first (GradeOptions::fail_fast).
    EXPECT_NE(tsan_options("log").find("halt_on_error=0"), std::string::npos);
    EXPECT_NE(tsan_options("log", true).find("halt_on_error=1"), std::string::npos);
    EXPECT_NE(tsan_options("log", true).find("exitcode=66"), std::string::npos);
}
