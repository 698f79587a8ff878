// What a student sees for each kind of verdict, rendered without colour and compared with
// approved files in tests/unit/golden/terminal/. After an intended change, regenerate them with
// INTERLEAVE_UPDATE_GOLDEN=1. Also: no colour codes when colours are off, and the student
// commands' colour and progress choices for a non-terminal and for NO_COLOR.
#include "checks/checks.hpp"
#include "commands/console.hpp"
#include "report/reporter.hpp"

#include <gtest/gtest.h>

#include <cstdlib>
#include <fstream>
#include <map>
#include <sstream>

using namespace interleave;

namespace {

CheckResult check(std::string name, CheckStatus s, double score, double max, std::string message,
                  std::vector<std::string> details = {}) {
    return CheckResult{
        std::move(name),          s,  score, max, std::move(message), std::move(details),
        nlohmann::json::object(), 1.0};
}

const CheckResult kBuildOk = check("build", CheckStatus::pass, 0, 0, "compiles");
const CheckResult kTestsOk = check("tests", CheckStatus::pass, 60, 60, "10 of 10 tests pass");
const CheckResult kTsanOk =
    check("tsan", CheckStatus::pass, 20, 20, "no data race in 10 tests under ThreadSanitizer");

GradeReport one_kata(std::vector<CheckResult> checks) {
    GradeReport r;
    r.course = "Interleave";
    r.source = "exercises";
    r.seconds = 4.0;
    KataReport k;
    k.id = "counter";
    k.folder = "01-counter";
    k.title = "Thread-safe counter";
    k.checks = std::move(checks);
    total_up(k);
    r.katas.push_back(k);
    total_up(r);
    return r;
}

/// The counter kata's timing spec, judged for real on samples of the ratio counter, so that
/// the goldens hold the judge's own words (ratio, thresholds, credit, advice, noise).
CheckResult judged_timing(std::vector<double> ratios) {
    TimingSpec spec;
    spec.points = 20;
    spec.repetitions = 5;
    spec.statistic = "median";
    spec.max_spread = 0.5;
    Comparison cmp;
    cmp.name = "increment() from 2 threads, time relative to a std::mutex counter";
    cmp.student = "BM_IncrementRatio/iterations:1";
    cmp.counter = "ratio";
    cmp.full_credit_ratio = 0.6;
    cmp.zero_credit_ratio = 0.85;
    spec.comparisons.push_back(cmp);
    spec.advice =
        "A single lock serialises every increment, so two threads are no faster than one. A "
        "std::atomic with fetch_add lets the hardware do the read-modify-write in one step.";
    std::map<std::string, BenchmarkSamples> samples;
    samples[cmp.student].counters["ratio"] = std::move(ratios);
    CheckResult c = judge_timing(spec, samples);
    c.seconds = 1.0;
    return c;
}

std::map<std::string, GradeReport> verdicts() {
    const std::string ratio_line =
        "increment() from 2 threads, time relative to a std::mutex counter: ratio {} (full "
        "credit at <= 0.60, none at >= 0.85, median of 5 runs) -> {}";
    auto ratio = [&](const char* r, const char* v) {
        std::string s = ratio_line;
        s.replace(s.find("{}"), 2, r);
        s.replace(s.find("{}"), 2, v);
        return s;
    };
    std::map<std::string, GradeReport> m;
    m["pass"] =
        one_kata({kBuildOk, kTestsOk, kTsanOk,
                  check("timing", CheckStatus::pass, 20, 20, ratio("0.41", "full credit"))});
    m["test_failure"] = one_kata(
        {kBuildOk,
         check("tests", CheckStatus::fail, 48, 60, "8 of 10 tests pass",
               {"CounterTest.ExactTotalWithFourThreads: counter_test.cpp:41: Expected equality "
                "of these values:\n  c.value()\n    Which is: 39127\n  4 * kPerThread\n    Which "
                "is: 40000",
                "CounterTest.IncrementIfBelowStopsAtLimit: total passed the limit (11 > 10)"}),
         check("tsan", CheckStatus::fail, 0, 20,
               "no points yet: ThreadSanitizer points need every test to pass"),
         check("timing", CheckStatus::skipped, 0, 20,
               "not measured: speed is graded once every correctness test passes")});
    m["compile_error"] = one_kata(
        {check("build", CheckStatus::fail, 0, 0, "compiling failed: 1 error",
               {"01-counter/counter.hpp:12:9: error: 'count_' was not declared in this scope"}),
         check("tests", CheckStatus::skipped, 0, 60, "not graded: the code does not compile"),
         check("tsan", CheckStatus::skipped, 0, 20, "not graded: the code does not compile"),
         check("timing", CheckStatus::skipped, 0, 20, "not graded: the code does not compile")});
    m["hang"] = one_kata(
        {kBuildOk,
         check("tests", CheckStatus::fail, 30, 60,
               "timed out, likely deadlock: CounterTest.ResetCountsEveryIncrement never finished",
               {"thread 2 waits (__lll_lock_wait) in Counter::reset() at "
                "01-counter/counter.hpp:21: std::lock_guard a(first_);",
                "thread 3 waits (__lll_lock_wait) in Counter::increment() at "
                "01-counter/counter.hpp:14: std::lock_guard b(second_);"}),
         check("tsan", CheckStatus::fail, 0, 20,
               "no points yet: ThreadSanitizer points need every test to pass"),
         check("timing", CheckStatus::skipped, 0, 20,
               "not measured: speed is graded once every correctness test passes")});
    m["race"] = one_kata(
        {kBuildOk, kTestsOk,
         check("tsan", CheckStatus::fail, 0, 20,
               "ThreadSanitizer reported 3 problems (1 distinct); first: data race: ...",
               {"data race: Read of size 8 by thread T3 in Counter::value() const at "
                "01-counter/counter.hpp:17: return total_;; Previous write of size 8 by thread "
                "T1 in Counter::increment() at 01-counter/counter.hpp:10: ++total_;"}),
         check("timing", CheckStatus::pass, 20, 20, ratio("0.45", "full credit"))});
    m["timing_fail"] =
        one_kata({kBuildOk, kTestsOk, kTsanOk, judged_timing({0.79, 0.80, 0.78, 0.79, 0.81})});
    m["inconclusive"] =
        one_kata({kBuildOk, kTestsOk, kTsanOk, judged_timing({0.40, 0.70, 0.95, 0.72, 0.68})});
    return m;
}

void expect_golden(const std::string& name, const std::string& actual) {
    const std::string path =
        std::string(INTERLEAVE_TEST_DATA) + "/../golden/terminal/" + name + ".txt";
    if (std::getenv("INTERLEAVE_UPDATE_GOLDEN") != nullptr) {
        std::ofstream(path) << actual;
        return;
    }
    std::ifstream in(path);
    ASSERT_TRUE(in) << "missing golden file " << path << " (run with INTERLEAVE_UPDATE_GOLDEN=1)";
    std::stringstream expected;
    expected << in.rdbuf();
    EXPECT_EQ(actual, expected.str()) << "rendering changed; if intended, regenerate " << path;
}

TEST(TerminalGolden, EveryVerdictKind) {
    for (const auto& [name, report] : verdicts()) {
        SCOPED_TRACE(name);
        std::ostringstream out;
        make_terminal_reporter(TerminalStyle{false, false})->render(report, out);
        EXPECT_EQ(out.str().find('\033'), std::string::npos) << "no colour codes when off";
        expect_golden(name, out.str());
    }
}

TEST(TerminalGolden, ColourOnlyWhenAsked) {
    std::ostringstream out;
    make_terminal_reporter(TerminalStyle{true, false})->render(verdicts()["race"], out);
    EXPECT_NE(out.str().find("\033[31mFAIL"), std::string::npos);
}

/// Six failing tests: more detail lines than the terminal shows without --verbose.
GradeReport many_failures() {
    std::vector<std::string> details;
    for (int i = 1; i <= 6; ++i) {
        details.push_back("CounterTest.Case" + std::to_string(i) +
                          ": counter_test.cpp:" + std::to_string(10 * i) + ": value was off");
    }
    return one_kata({kBuildOk,
                     check("tests", CheckStatus::fail, 24, 60, "4 of 10 tests pass", details),
                     check("tsan", CheckStatus::fail, 0, 20,
                           "no points yet: ThreadSanitizer points need every test to pass"),
                     check("timing", CheckStatus::skipped, 0, 20,
                           "not measured: speed is graded once every correctness test passes")});
}

TEST(TerminalGolden, HiddenDetailsNameTheCommandThatPrintedThem) {
    std::ostringstream grade;
    make_terminal_reporter(TerminalStyle{})->render(many_failures(), grade);
    expect_golden("many_failures_grade", grade.str());
    EXPECT_NE(grade.str().find("... 2 more (kata grade --verbose, or the JSON report)"),
              std::string::npos);

    std::ostringstream check_out;
    make_terminal_reporter(TerminalStyle{false, false, "kata check"})
        ->render(many_failures(), check_out);
    expect_golden("many_failures_check", check_out.str());
    EXPECT_NE(check_out.str().find("... 2 more (kata check --verbose)\n"), std::string::npos);
    EXPECT_EQ(check_out.str().find("kata grade"), std::string::npos)
        << "kata check must not send the student to another command";

    std::ostringstream verbose;
    make_terminal_reporter(TerminalStyle{false, true, "kata check"})
        ->render(many_failures(), verbose);
    EXPECT_NE(verbose.str().find("CounterTest.Case6"), std::string::npos);
    EXPECT_EQ(verbose.str().find(" more ("), std::string::npos) << "nothing hidden with --verbose";
}

TEST(Console, ColourNeedsATerminalAndNoNoColor) {
    EXPECT_TRUE(colour_wanted(true, nullptr));
    EXPECT_FALSE(colour_wanted(false, nullptr)) << "not a terminal";
    EXPECT_FALSE(colour_wanted(true, "1")) << "NO_COLOR set";
    EXPECT_FALSE(colour_wanted(true, "")) << "NO_COLOR set, even empty";
}

TEST(Console, ProgressIsSilentOffATerminal) {
    std::ostringstream err;
    EXPECT_FALSE(progress_to(false, err)) << "no progress function without a terminal";
    const ProgressFn p = progress_to(true, err);
    ASSERT_TRUE(p);
    p("counter", "build");
    EXPECT_NE(err.str().find("counter : build..."), std::string::npos);
    p("counter", "done");
    EXPECT_EQ(err.str().substr(err.str().size() - 4), "\r\033[K") << "the line is wiped at the end";
}

}  // namespace
