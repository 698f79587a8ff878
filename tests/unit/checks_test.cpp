// Judging canned runs: every verdict kind gets its own, readable message.
#include "checks/checks.hpp"
#include "checks/evidence.hpp"
#include "checks/source_scan.hpp"
#include "grade/grade.hpp"
#include "score/scorer.hpp"

#include <gtest/gtest.h>

#include <fmt/format.h>
#include <fmt/ranges.h>

using namespace interleave;

namespace {

Workspace test_workspace() {
    return Workspace{"/src", "/b"};
}

ProcessOutcome exited(int code) {
    ProcessOutcome o;
    o.termination = Termination::exited;
    o.exit_code = code;
    return o;
}

TestBinaryRun finished_run(int passed, int failed) {
    TestBinaryRun run;
    run.process = exited(failed > 0 ? 1 : 0);
    TestRunSummary s;
    for (int i = 0; i < passed; ++i)
        s.tests.push_back({"S.pass" + std::to_string(i), true, false, {}});
    for (int i = 0; i < failed; ++i) {
        s.tests.push_back({"S.fail" + std::to_string(i),
                           false,
                           false,
                           {"/src/harness/01-counter/counter_test.cpp:22\nExpected equality\nthe "
                            "total must be 8"}});
    }
    for (const auto& t : s.tests) run.listed.push_back(t.name);
    run.results = s;
    return run;
}

TEST(JudgeTests, PointsInProportionToPassingTests) {
    const CheckResult c = judge_tests(finished_run(3, 1), 60, test_workspace());
    EXPECT_EQ(c.status, CheckStatus::fail);
    EXPECT_DOUBLE_EQ(c.score, 45);
    EXPECT_EQ(c.message, "3 of 4 tests pass. First failure: S.fail0: the total must be 8");
    ASSERT_FALSE(c.details.empty());
    EXPECT_NE(c.details[0].find("at harness/01-counter/counter_test.cpp:22"), std::string::npos)
        << c.details[0];
}

TEST(FailureHeadline, IsTheLastLineInWords) {
    // EXPECT_EQ(problem, "") ends with the literal; the sentence is the line before it.
    EXPECT_EQ(failure_headline({"Expected equality of these values:", "  problem",
                                "    Which is: \"4 URLs were reported twice\"", "  \"\""}),
              "4 URLs were reported twice");
    EXPECT_EQ(failure_headline({"Value of: ok", "  Actual: false", "Expected: true",
                                "every file must be complete",
                                "Google Test trace:", "shutdown_test.cpp:40: round 3"}),
              "every file must be complete");
    EXPECT_EQ(failure_headline(
                  {"  c.value()", "    Which is: 0", "  2", "two increment() calls must give 2"}),
              "two increment() calls must give 2");
    EXPECT_EQ(failure_headline({"\"\""}), "\"\"");  // nothing better: the last line
    EXPECT_EQ(failure_headline({}), "");
}

TEST(JudgeTests, AllPass) {
    const CheckResult c = judge_tests(finished_run(4, 0), 60, test_workspace());
    EXPECT_EQ(c.status, CheckStatus::pass);
    EXPECT_DOUBLE_EQ(c.score, 60);
    EXPECT_EQ(c.message, "4 of 4 tests pass");
}

TEST(JudgeTests, ALimitOfTheSandboxIsItsOwnVerdict) {
    TestBinaryRun run;
    run.listed = {"Q.a", "Q.b"};
    run.process.termination = Termination::signaled;
    run.process.signal = 9;
    run.process.limit_exceeded = "killed: exceeded the memory limit of 2048 MiB (resident memory)";
    run.progress = parse_progress("begin\nstart Q.a\n");
    const CheckResult c = judge_tests(run, 60, test_workspace());
    EXPECT_EQ(c.status, CheckStatus::fail);
    EXPECT_EQ(
        c.message,
        "killed: exceeded the memory limit of 2048 MiB (resident memory) (during Q.a); 0 of 2 "
        "tests pass");
}

TEST(JudgeTests, AnAbortSaysWhy) {
    TestBinaryRun run;
    run.listed = {"Q.a", "Q.b"};
    run.process.termination = Termination::signaled;
    run.process.signal = 6;
    run.progress =
        parse_progress("begin\nstart Q.a\nabort uncaught exception std::logic_error: no\n");
    EXPECT_NE(judge_tests(run, 60, test_workspace())
                  .message.find("during Q.a: killed by SIGABRT (abort: a failed assertion or "
                                "std::terminate): uncaught exception std::logic_error: no"),
              std::string::npos);
    run.progress = parse_progress("begin\nstart Q.a\n");
    run.process.err = "counter_tests: counter.hpp:9: void f(): Assertion `n > 0' failed.\n";
    EXPECT_NE(judge_tests(run, 60, test_workspace())
                  .message.find(": failed assertion: Assertion `n > 0' failed."),
              std::string::npos);
}

TEST(JudgeTests, EveryTestEndedButTheExitNeverCame) {
    TestBinaryRun run = finished_run(2, 0);
    run.results.reset();
    run.process.termination = Termination::timed_out;
    run.process.stuck_at_exit = true;
    run.progress = parse_progress(
        "begin\nstart S.pass0\nend S.pass0 pass\nstart S.pass1\nend S.pass1 pass\nfinished\n");
    const CheckResult c = judge_tests(run, 60, test_workspace());
    EXPECT_EQ(c.status, CheckStatus::fail);
    EXPECT_NEAR(c.score, 40, 1e-9);
    EXPECT_NE(c.message.find("never exited"), std::string::npos) << c.message;
    EXPECT_NE(c.message.find("2 of 3 tests pass"), std::string::npos) << c.message;
}

TEST(JudgeTests, AResultsFileLeftMidTestIsIgnored) {
    TestBinaryRun run = finished_run(2, 0);
    run.progress = parse_progress("begin\nstart S.pass0\n");
    const CheckResult c = judge_tests(run, 60, test_workspace());
    EXPECT_EQ(c.status, CheckStatus::fail);
    EXPECT_DOUBLE_EQ(c.score, 0);
    EXPECT_NE(c.message.find("stopped during S.pass0 before its tests finished"), std::string::npos)
        << c.message;
}

TEST(JudgeTests, WatchdogNamesTheHungTest) {
    TestBinaryRun run;
    run.listed = {"Q.a", "Q.b", "Q.c"};
    run.process = exited(kWatchdogExitCode);
    run.progress = parse_progress("begin\nstart Q.a\nend Q.a pass\nstart Q.b\nhung Q.b\n");
    const CheckResult c = judge_tests(run, 30, test_workspace());
    EXPECT_EQ(c.status, CheckStatus::fail);
    EXPECT_DOUBLE_EQ(c.score, 10);
    EXPECT_EQ(c.message, "timed out, likely deadlock: Q.b never finished; 1 of 3 tests pass");
}

TEST(JudgeTests, DeadlineNamesTheRunningTestAndSummarisesBacktraces) {
    TestBinaryRun run;
    run.listed = {"Q.a"};
    run.process.termination = Termination::timed_out;
    run.process.elapsed = std::chrono::milliseconds(120000);
    run.process.err =
        "Thread 2 (Thread 0x7f (LWP 12) \"q\"):\n"
        "#0  __futex_abstimed_wait_common (a=1) at futex.c:57\n"
        "#1  0x0000 in std::condition_variable::wait (this=0x1) at cv.cc:41\n"
        "#2  0x0000 in BoundedQueue<int>::pop (this=0x2) at "
        "/b/stage/04-queue/bounded_queue.hpp:40\n";
    run.progress = parse_progress("begin\nstart Q.a\n");
    const CheckResult c = judge_tests(run, 10, test_workspace());
    EXPECT_EQ(c.message,
              "timed out, likely deadlock: Q.a never finished (the binary was killed after 120 s); "
              "0 of 1 test pass");
    ASSERT_EQ(c.details.size(), 1u);
    EXPECT_NE(c.details[0].find("thread 2 waits (std::condition_variable::wait) in "
                                "BoundedQueue<int>::pop at 04-queue/bounded_queue.hpp:40"),
              std::string::npos)
        << c.details[0];
}

TEST(JudgeTests, ASelfDeadlockNamesTheCallerThatMayHoldTheMutex) {
    TestBinaryRun run;
    run.listed = {"Q.a"};
    run.process.termination = Termination::exited;
    run.process.exit_code = kWatchdogExitCode;
    run.process.err =
        "Thread 1 (Thread 0x7f (LWP 12) \"q\"):\n"
        "#0  __lll_lock_wait (futex=0x1) at lowlevellock.c:52\n"
        "#1  0x0000 in std::lock_guard<std::mutex>::lock_guard (this=0x1) at std_mutex.h:229\n"
        "#2  0x0000 in Counter::value (this=0x2) at /b/stage/01-counter/counter.hpp:19\n"
        "#3  0x0000 in Counter::increment_if_below (this=0x2) at "
        "/b/stage/01-counter/counter.hpp:32\n";
    run.progress = parse_progress("begin\nstart Q.a\nhung Q.a\n");
    const CheckResult c = judge_tests(run, 10, test_workspace());
    ASSERT_EQ(c.details.size(), 2u) << ::testing::PrintToString(c.details);
    EXPECT_NE(c.details[0].find("thread 1 waits (std::lock_guard<std::mutex>::lock_guard) in "
                                "Counter::value at 01-counter/counter.hpp:19"),
              std::string::npos)
        << c.details[0];
    EXPECT_NE(c.details[1].find("called from Counter::increment_if_below at "
                                "01-counter/counter.hpp:32: if that caller already holds the "
                                "same mutex, the thread waits for itself"),
              std::string::npos)
        << c.details[1];
}

TEST(JudgeTests, CrashNamesTheSignalAndTheTest) {
    TestBinaryRun run;
    run.listed = {"Q.a", "Q.b"};
    run.process.termination = Termination::signaled;
    run.process.signal = 11;
    run.progress = parse_progress("begin\nstart Q.a\nend Q.a pass\nstart Q.b\n");
    const CheckResult c = judge_tests(run, 10, test_workspace());
    EXPECT_EQ(c.status, CheckStatus::fail);
    EXPECT_DOUBLE_EQ(c.score, 5);
    EXPECT_NE(c.message.find("crashed during Q.b: killed by SIGSEGV"), std::string::npos)
        << c.message;
}

TEST(JudgeTests, ExitInTheMiddleOfATest) {
    TestBinaryRun run;
    run.listed = {"Q.a", "Q.b"};
    run.process = exited(0);
    run.premature_exit = true;
    run.progress = parse_progress("begin\nstart Q.a\n");
    const CheckResult c = judge_tests(run, 10, test_workspace());
    EXPECT_EQ(c.status, CheckStatus::fail);
    EXPECT_NE(c.message.find("stopped during Q.a: exit() or quick_exit() was called"),
              std::string::npos)
        << c.message;
}

TEST(JudgeTests, StudentOutputCannotFakeAPass) {
    TestBinaryRun run;
    run.listed = {"Q.a"};
    run.process = exited(0);
    run.process.out = "[==========] 1 test ran.\n[  PASSED  ] 1 test.\n";
    const CheckResult c = judge_tests(run, 10, test_workspace());
    EXPECT_EQ(c.status, CheckStatus::fail) << "no results file, no pass";
    EXPECT_DOUBLE_EQ(c.score, 0);
}

TEST(JudgeTests, BinaryWithNoTests) {
    TestBinaryRun run;
    run.process = exited(0);
    const CheckResult c = judge_tests(run, 10, test_workspace());
    EXPECT_EQ(c.status, CheckStatus::fail);
    EXPECT_EQ(c.message, "the test binary ran no test; 0 of 0 tests pass");
}

TEST(JudgeTsan, RaceFailsAndPointsAtTheStudentLine) {
    TestBinaryRun run = finished_run(2, 0);
    run.process = exited(kTsanExitCode);
    run.sanitizer_log =
        "WARNING: ThreadSanitizer: data race (pid=1)\n"
        "  Write of size 8 at 0x1 by thread T2:\n"
        "    #0 operator() /src/harness/01-counter/counter_test.cpp:51:46 (t+0x1)\n"
        "    #1 Counter::increment() /b/stage/01-counter/counter.hpp:7:29 (t+0x2)\n"
        "\n"
        "  Previous read of size 8 at 0x1 by main thread:\n"
        "    #0 Counter::value() const /b/stage/01-counter/counter.hpp:9:5 (t+0x3)\n"
        "\n"
        "SUMMARY: ThreadSanitizer: data race /b/stage/01-counter/counter.hpp:7:29 in "
        "Counter::increment()\n";
    const CheckResult c = judge_tsan(run, 20, test_workspace());
    EXPECT_EQ(c.status, CheckStatus::fail);
    EXPECT_DOUBLE_EQ(c.score, 0);
    ASSERT_EQ(c.details.size(), 1u);
    EXPECT_EQ(c.details[0],
              "data race: Write of size 8 by thread T2 in Counter::increment() at "
              "01-counter/counter.hpp:7; "
              "Previous read of size 8 by main thread in Counter::value() const at "
              "01-counter/counter.hpp:9");
    EXPECT_TRUE(c.data.contains("reports"));
}

TEST(JudgeTsan, CleanRunEarnsPointsOnlyWhenTestsPass) {
    const TestBinaryRun run = finished_run(2, 0);
    EXPECT_EQ(judge_tsan(run, 20, test_workspace()).status, CheckStatus::pass);
    EXPECT_DOUBLE_EQ(judge_tsan(run, 20, test_workspace()).score, 20);
    // The scorer takes the points back when the tests did not pass (a stub is race-free).
    KataReport stub;
    stub.checks.push_back(CheckResult{"tests", CheckStatus::fail, 0, 60, "", {}, {}, 0});
    stub.checks.push_back(judge_tsan(run, 20, test_workspace()));
    score_kata(stub);
    EXPECT_EQ(stub.checks[1].status, CheckStatus::skipped);
    EXPECT_DOUBLE_EQ(stub.checks[1].score, 0);
    EXPECT_EQ(stub.checks[1].message,
              "no data race found, but these points need every correctness test to pass first");
}

TEST(JudgeTsan, RuntimeThatCannotStartIsAnInfrastructureError) {
    TestBinaryRun run;
    run.process = exited(1);
    run.process.err = "FATAL: ThreadSanitizer: unexpected memory mapping 0x7f\n";
    const CheckResult c = judge_tsan(run, 20, test_workspace());
    EXPECT_EQ(c.status, CheckStatus::error);
    EXPECT_NE(c.message.find("not the student's fault"), std::string::npos);
}

TimingSpec spec_with(double full, double zero) {
    TimingSpec t;
    t.points = 20;
    t.repetitions = 3;
    t.comparisons.push_back(Comparison{"speed", "S", "B", "", "real_time", full, zero});
    t.advice = "use an atomic";
    return t;
}

std::map<std::string, BenchmarkSamples> samples(std::vector<double> s, std::vector<double> b) {
    std::map<std::string, BenchmarkSamples> m;
    m["S"].real_time_ns = std::move(s);
    m["B"].real_time_ns = std::move(b);
    return m;
}

TEST(JudgeTiming, FullPartialAndNoCredit) {
    const auto full = judge_timing(spec_with(0.6, 0.9), samples({50, 52, 51}, {100, 101, 102}));
    EXPECT_EQ(full.status, CheckStatus::pass);
    EXPECT_DOUBLE_EQ(full.score, 20);
    const auto half = judge_timing(spec_with(0.6, 0.9), samples({75, 76, 77}, {100, 101, 102}));
    EXPECT_EQ(half.status, CheckStatus::fail);
    EXPECT_NEAR(half.score, 10, 1e-9);
    EXPECT_NE(half.message.find("ratio 0.75"), std::string::npos) << half.message;
    EXPECT_EQ(half.details.back(), "idea: use an atomic");
    const auto none = judge_timing(spec_with(0.6, 0.9), samples({100, 100, 100}, {100, 100, 100}));
    EXPECT_DOUBLE_EQ(none.score, 0);
    EXPECT_NE(none.message.find("no credit"), std::string::npos);
}

TEST(JudgeTiming, TheHeadlineIsNotRepeatedInTheEvidence) {
    const auto full = judge_timing(spec_with(0.6, 0.9), samples({50, 52, 51}, {100, 101, 102}));
    for (const auto& d : full.details) EXPECT_NE(d, full.message);
}

TEST(JudgeTiming, ABenchmarkStoppedOnTheStudentsCodeIsAFailQuotingIt) {
    auto s = samples({}, {100, 101, 102});
    s["S"].errors.push_back("crawl() did not report every URL exactly once");
    const auto c = judge_timing(spec_with(0.6, 0.9), s);
    EXPECT_EQ(c.status, CheckStatus::fail) << c.message;
    EXPECT_FALSE(c.infrastructure);
    EXPECT_NE(c.message.find("the benchmark stopped on your code: crawl() did not report every "
                             "URL exactly once"),
              std::string::npos)
        << c.message;
}

TEST(BenchmarkJson, AnErroredRunKeepsItsMessage) {
    const auto s = parse_benchmark_json(R"({"benchmarks": [
        {"run_name": "S", "run_type": "iteration", "error_occurred": true,
         "error_message": "lost URLs", "real_time": 0, "cpu_time": 0, "time_unit": "ns"}]})");
    ASSERT_EQ(s.count("S"), 1u);
    EXPECT_TRUE(s.at("S").real_time_ns.empty());
    EXPECT_EQ(s.at("S").errors, std::vector<std::string>{"lost URLs"});
}

TEST(JudgeTiming, NoisyMissIsInconclusiveNotAFail) {
    const auto c = judge_timing(spec_with(0.6, 0.9), samples({80, 200, 210}, {100, 101, 102}));
    EXPECT_EQ(c.status, CheckStatus::error);
    EXPECT_TRUE(timing_inconclusive(c));
    EXPECT_NE(c.message.find("inconclusive"), std::string::npos);
    // Noise that cannot change the verdict is not a reason to give up.
    const auto clear = judge_timing(spec_with(0.6, 0.9), samples({10, 30, 31}, {100, 101, 102}));
    EXPECT_EQ(clear.status, CheckStatus::pass);
}

TEST(JudgeTiming, NoiseThatCannotEarnCreditIsJudged) {
    // Spread 133%, but even the student's fastest run against the baseline's slowest is a ratio
    // of 2.9, far past no credit at 0.9: no quieter machine would change the verdict.
    const auto slow = judge_timing(spec_with(0.6, 0.9), samples({300, 700, 720}, {100, 101, 102}));
    EXPECT_EQ(slow.status, CheckStatus::fail);
    EXPECT_FALSE(timing_inconclusive(slow));
    EXPECT_DOUBLE_EQ(slow.score, 0);
    EXPECT_NE(slow.message.find("[noisy: spread 133%]"), std::string::npos) << slow.message;
    // A noisy baseline can make the same student run look fast enough: that one stays doubtful.
    const auto doubtful =
        judge_timing(spec_with(0.6, 0.9), samples({300, 700, 720}, {100, 101, 400}));
    EXPECT_TRUE(timing_inconclusive(doubtful));
    // The same rule for a counter: its smallest value already earns nothing.
    TimingSpec t;
    t.points = 10;
    t.max_spread = 0.5;
    t.comparisons.push_back(Comparison{"herd", "S", "", "wakeups", "real_time", 1.5, 2.5});
    std::map<std::string, BenchmarkSamples> m;
    m["S"].counters["wakeups"] = {2.6, 4.0, 4.2};
    EXPECT_EQ(judge_timing(t, m).status, CheckStatus::fail);
    m["S"].counters["wakeups"] = {2.0, 4.0, 4.2};
    EXPECT_TRUE(timing_inconclusive(judge_timing(t, m)));
}

TEST(JudgeTiming, TooFewFreeCoresMakeAMissInconclusive) {
    TimingSpec t;
    t.points = 20;
    t.min_free_cores = 1.7;
    t.comparisons.push_back(Comparison{"2 threads", "S", "", "ratio", "real_time", 0.6, 0.85});
    std::map<std::string, BenchmarkSamples> m;
    // One core taken by another program: a lock-free counter's ratio rises past no credit.
    m["S"].counters["ratio"] = {0.84, 0.86, 0.85};
    m["S"].counters["free_cores"] = {1.31, 1.35, 1.29};
    const auto busy = judge_timing(t, m);
    EXPECT_EQ(busy.status, CheckStatus::error);
    EXPECT_TRUE(timing_inconclusive(busy));
    EXPECT_NE(busy.message.find("too busy"), std::string::npos) << busy.message;
    EXPECT_NE(busy.message.find("got 1.31 cores, it needs 1.70"), std::string::npos)
        << busy.message;
    EXPECT_NE(busy.details.front().find("[busy machine: 1.31 free cores]"), std::string::npos)
        << busy.details.front();
    // The same ratios with both cores free are a real miss.
    m["S"].counters["free_cores"] = {1.95, 1.97, 1.96};
    const auto quiet = judge_timing(t, m);
    EXPECT_EQ(quiet.status, CheckStatus::fail);
    EXPECT_FALSE(timing_inconclusive(quiet));
    // Full credit on a busy machine stands: the busy machine could only have slowed it down.
    m["S"].counters["ratio"] = {0.40, 0.42, 0.41};
    m["S"].counters["free_cores"] = {1.31, 1.35, 1.29};
    EXPECT_EQ(judge_timing(t, m).status, CheckStatus::pass);
    // A benchmark that does not report its free cores cannot be judged by this spec.
    m["S"].counters.erase("free_cores");
    const auto missing = judge_timing(t, m);
    EXPECT_EQ(missing.status, CheckStatus::error);
    EXPECT_NE(missing.message.find("\"free_cores\" is missing"), std::string::npos)
        << missing.message;
}

TEST(JudgeTiming, FullCreditInARunThatDidNotShowAnEffectIsUnprovenAMissStands) {
    TimingSpec t;
    t.points = 30;
    t.must_show.push_back(
        MachineEffect{"false_sharing", 1.4, "false sharing (two cores writing one cache line)"});
    t.comparisons.push_back(Comparison{"2 threads", "S", "", "ratio", "real_time", 1.2, 1.5});
    std::map<std::string, BenchmarkSamples> m;
    // Full credit in a run whose probe cost what the textbook costs (two cores that share
    // their caches): it stands, marked unproven, with the reason in the evidence.
    m["S"].counters["ratio"] = {1.0, 1.02, 0.98};
    m["S"].counters["false_sharing"] = {1.1, 1.05, 1.12};
    const auto pass = judge_timing(t, m);
    EXPECT_EQ(pass.status, CheckStatus::pass);
    EXPECT_DOUBLE_EQ(pass.score, 30);
    EXPECT_TRUE(pass.unproven);
    const std::string all = fmt::format("{}", fmt::join(pass.details, "\n"));
    EXPECT_NE(all.find("did not show false sharing (two cores writing one cache line) "
                       "(false_sharing 1.10, it shows at >= 1.40)"),
              std::string::npos)
        << all;
    // In a run that showed it, full credit is proven.
    m["S"].counters["false_sharing"] = {1.9, 2.0, 2.1};
    EXPECT_FALSE(judge_timing(t, m).unproven);
    // A miss stands whether the effect showed or not: a hidden effect only makes a design look
    // faster, so it cannot explain a miss.
    m["S"].counters["ratio"] = {2.1, 2.0, 2.2};
    for (const double probe : {2.0, 1.1}) {
        m["S"].counters["false_sharing"] = {probe, probe, probe};
        const auto miss = judge_timing(t, m);
        EXPECT_EQ(miss.status, CheckStatus::fail) << probe;
        EXPECT_FALSE(timing_inconclusive(miss)) << probe;
        EXPECT_FALSE(miss.unproven) << probe;
    }
    // A benchmark that does not report the probe cannot be judged by this spec.
    m["S"].counters.erase("false_sharing");
    const auto missing = judge_timing(t, m);
    EXPECT_EQ(missing.status, CheckStatus::error);
    EXPECT_NE(missing.message.find("\"false_sharing\" is missing"), std::string::npos)
        << missing.message;
}

TEST(JudgeTiming, ABusyMachineStillJudgesADesignThatCostsALockEvenAlone) {
    TimingSpec t;
    t.points = 20;
    t.min_free_cores = 1.7;
    t.advice = "use one atomic";
    Comparison cmp{"2 threads", "S", "", "ratio", "real_time", 0.6, 0.85};
    cmp.uncontended_counter = "uncontended_ratio";
    t.comparisons.push_back(cmp);
    std::map<std::string, BenchmarkSamples> m;
    // One lock for every thread, on a machine that gave the benchmark half its cores.
    m["S"].counters["ratio"] = {1.07, 1.08, 1.09};
    m["S"].counters["free_cores"] = {0.46, 0.48, 0.45};
    m["S"].counters["uncontended_ratio"] = {1.01, 1.02, 0.99};
    const auto lock = judge_timing(t, m);
    EXPECT_EQ(lock.status, CheckStatus::fail) << lock.message;
    EXPECT_FALSE(timing_inconclusive(lock));
    EXPECT_DOUBLE_EQ(lock.score, 0);
    const std::string all = fmt::format("{}", fmt::join(lock.details, "\n"));
    EXPECT_NE(all.find("one call from a single thread costs 1.01x the baseline's"),
              std::string::npos)
        << all;
    EXPECT_NE(all.find("idea: use one atomic"), std::string::npos) << all;
    // A design that is cheap alone may still scale: the busy machine leaves it inconclusive.
    m["S"].counters["uncontended_ratio"] = {0.45, 0.47, 0.44};
    EXPECT_TRUE(timing_inconclusive(judge_timing(t, m)));
    // With both cores free the contended ratio is the verdict, whatever the single-thread cost.
    m["S"].counters["ratio"] = {0.41, 0.42, 0.43};
    m["S"].counters["free_cores"] = {1.95, 1.97, 1.96};
    m["S"].counters["uncontended_ratio"] = {1.01, 1.02, 0.99};
    EXPECT_EQ(judge_timing(t, m).status, CheckStatus::pass);
    // A spec that asks for the counter needs the benchmark to report it.
    m["S"].counters.erase("uncontended_ratio");
    EXPECT_NE(judge_timing(t, m).message.find("\"uncontended_ratio\" is missing"),
              std::string::npos);
}

TEST(JudgeTiming, MissingBenchmarkIsAnError) {
    const auto c = judge_timing(spec_with(0.6, 0.9), samples({1}, {10}));
    EXPECT_EQ(c.status, CheckStatus::pass);
    auto m = samples({1}, {1});
    m.erase("B");
    const auto missing = judge_timing(spec_with(0.6, 0.9), m);
    EXPECT_EQ(missing.status, CheckStatus::error);
    EXPECT_NE(missing.message.find("baseline \"B\" is missing"), std::string::npos);
}

TEST(JudgeTiming, CounterComparison) {
    TimingSpec t;
    t.points = 10;
    t.comparisons.push_back(Comparison{"vs bound", "S", "", "bound_ratio", "real_time", 1.5, 3.0});
    std::map<std::string, BenchmarkSamples> m;
    m["S"].counters["bound_ratio"] = {1.2, 1.3, 1.25};
    EXPECT_EQ(judge_timing(t, m).status, CheckStatus::pass);
    m["S"].counters["bound_ratio"] = {2.25, 2.3};
    EXPECT_NEAR(judge_timing(t, m).score, 5, 1e-9);
}

TEST(JudgeBuild, QuotesTheStudentsErrorsFirst) {
    BuildOutcome b;
    b.command = "cmake --build /b/release --target counter_tests";
    b.output =
        "/usr/include/c++/12/bits/atomic_base.h:1:1: error: noise from a system header\n"
        "/b/stage/01-counter/counter.hpp:9:5: error: 'totl_' was not declared in this scope\n";
    const CheckResult c = judge_build_failure(b, test_workspace(), "compiling");
    EXPECT_EQ(c.status, CheckStatus::fail);
    ASSERT_EQ(c.details.size(), 1u);
    EXPECT_EQ(c.details[0],
              "01-counter/counter.hpp:9:5: error: 'totl_' was not declared in this scope");
    b.infrastructure = true;
    EXPECT_EQ(judge_build_failure(b, test_workspace(), "compiling").status, CheckStatus::error);
}

}  // namespace

namespace {

using interleave::scan_student_source;

std::vector<std::string> findings(const std::string& text) {
    std::vector<std::string> out;
    for (const auto& f : scan_student_source("01-counter/counter.hpp", text))
        out.push_back(std::to_string(f.line) + (f.forbidden_include ? " refused: " : ": ") +
                      f.what.substr(0, 20));
    return out;
}

TEST(SourceScan, APlainSolutionRaisesNothing) {
    EXPECT_TRUE(findings("#pragma once\n#include <atomic>\n#include <kata/clock.hpp>\n"
                         "#include \"helper.hpp\"\n// fork() and /proc/self in a comment\n"
                         "/* __SANITIZE_THREAD__ */ struct C { std::atomic<int> v; };\n"
                         "std::unique_ptr<C> clone() const; void execute();\n"
                         "auto t = std::chrono::system_clock::now(); std::system_error e;\n")
                    .empty());
}

TEST(SourceScan, EachKindOfTamperIsFoundOnItsLine) {
    const auto f = findings(
        "#if defined(__SANITIZE_THREAD__)\n#endif\n"
        "const char* p = \"/proc/self/cmdline\";\n"
        "int x = fork();\n"
        "void g() { asm volatile(\"\" ::: \"memory\"); }\n"
        "__attribute__((constructor)) void early() {}\n"
        "const char* e = getenv(\"KATA_RESULT_FD\");\n");
    ASSERT_EQ(f.size(), 6u) << ::testing::PrintToString(f);
    EXPECT_EQ(f[0], "1: tests for a sanitize");
    EXPECT_EQ(f[1], "3: reads /proc (the pro");
    EXPECT_EQ(f[2], "4: starts or replaces p");
    EXPECT_EQ(f[3], "5: uses inline assembly");
    EXPECT_EQ(f[4], "6: runs code before mai");
    EXPECT_EQ(f[5], "7: refers to the grader");
}

TEST(SourceScan, HasFeatureForEitherSanitizerCounts) {
    EXPECT_EQ(findings("#if __has_feature(thread_sanitizer)\n#endif\n").size(), 1u);
    EXPECT_EQ(findings("#if __has_feature( address_sanitizer )\n#endif\n").size(), 1u);
}

TEST(SourceScan, AnIncludeThatLeavesTheFolderIsRefused) {
    EXPECT_EQ(findings("#include \"../../../solutions/01-counter/counter.hpp\"\n"),
              std::vector<std::string>{"1 refused: includes a file outs"});
    EXPECT_EQ(findings("#  include </home/ada/counter.hpp>\n"),
              std::vector<std::string>{"1 refused: includes a file outs"});
    EXPECT_TRUE(findings("#include \"sub/part.hpp\"\n").empty());
}

TEST(SourceScan, TheTestFrameworkIsNotAStudentFilesToTouch) {
    EXPECT_EQ(findings("#include <gtest/gtest.h>\n"),
              std::vector<std::string>{"1 refused: includes a test fram"});
    EXPECT_EQ(findings("#include \"benchmark/benchmark.h\"\n"),
              std::vector<std::string>{"1 refused: includes a test fram"});
    // An #undef and the #define after it are one change, listed once, at the first line.
    EXPECT_EQ(findings("#undef EXPECT_LT\n#define EXPECT_LT(a, b) (void)0\n#undef EXPECT_GT\n"),
              (std::vector<std::string>{"1 refused: redefines EXPECT_LT,",
                                        "3 refused: redefines EXPECT_GT,"}));
    EXPECT_EQ(findings("#  define TEST(a, b) void f()\n"),
              std::vector<std::string>{"1 refused: redefines TEST, a ma"});
    // The student's own macros, even with a test-like name, and the harness's own headers.
    EXPECT_TRUE(
        findings("#define TESTING 1\n#define MY_EXPECT 2\n#include <kata/clock.hpp>\n").empty());
}

}  // namespace

namespace {

TEST(Evidence, StandardTypesAreWrittenAsPeopleWriteThem) {
    EXPECT_EQ(interleave::readable_type_names(
                  "Retry::wait(std::chrono::duration<long, std::ratio<1l, 1000000000l> >, "
                  "std::__cxx11::basic_string<char, std::char_traits<char>, "
                  "std::allocator<char> > const&)"),
              "Retry::wait(std::chrono::nanoseconds, std::string const&)");
}

}  // namespace
