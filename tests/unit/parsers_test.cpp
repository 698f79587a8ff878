// The readers of tool output, on canned text shaped like the real tools' output.
#include "checks/parsers.hpp"

#include <gtest/gtest.h>

using namespace interleave;

namespace {

const char* kGtestJson = R"({
  "tests": 3, "failures": 1, "testsuites": [
    {"name": "CounterBasics", "testsuite": [
      {"name": "Counts", "status": "RUN", "result": "COMPLETED"},
      {"name": "Resets", "status": "RUN", "result": "COMPLETED",
       "failures": [{"failure": "/x/counter_test.cpp:32\nExpected equality\nreset() must return the value", "type": ""}]},
      {"name": "DISABLED_Later", "status": "NOTRUN", "result": "SUPPRESSED"}]},
    {"name": "CounterConcurrency", "testsuite": [
      {"name": "NoLoss", "status": "RUN", "result": "COMPLETED"}]}]})";

TEST(GtestJson, CountsPassesAndKeepsFailureText) {
    const TestRunSummary s = parse_gtest_json(kGtestJson);
    ASSERT_EQ(s.tests.size(), 3u) << "disabled tests are not counted";
    EXPECT_EQ(s.passed(), 2);
    EXPECT_EQ(s.failed(), 1);
    EXPECT_EQ(s.tests[1].name, "CounterBasics.Resets");
    ASSERT_EQ(s.tests[1].failures.size(), 1u);
    EXPECT_NE(s.tests[1].failures[0].find("reset() must return"), std::string::npos);
}

TEST(GtestJson, RejectsSomethingElse) {
    EXPECT_THROW(parse_gtest_json("[  PASSED  ] 3 tests."), std::runtime_error);
    EXPECT_THROW(parse_gtest_json(R"({"benchmarks": []})"), std::runtime_error);
}

TEST(Progress, FindsTheTestThatNeverEnded) {
    const Progress p = parse_progress("begin\nstart A.one\nend A.one pass\nstart A.two\n");
    EXPECT_EQ(p.running().value_or(""), "A.two");
    EXPECT_TRUE(p.ended.at("A.one"));
    EXPECT_FALSE(p.hung.has_value());
    EXPECT_EQ(parse_progress("begin\nstart A.one\nhung A.one\n").hung.value_or(""), "A.one");
    EXPECT_FALSE(parse_progress("begin\nstart A.one\nend A.one fail\n").running().has_value());
}

TEST(Progress, RecordsOutsideTheProtocolAreEvidenceNotResults) {
    // Forged before main() started, after the last test, and a second result for one test.
    const Progress p = parse_progress(
        "end A.one pass\nbegin\nstart A.one\nend A.one fail\nend A.one pass\n"
        "start A.two\nend A.two pass\nfinished\nend A.two fail\n");
    EXPECT_FALSE(p.ended.at("A.one"));
    EXPECT_TRUE(p.ended.at("A.two"));
    EXPECT_EQ(p.disputed, (std::set<std::string>{"A.one"}));
    ASSERT_EQ(p.violations.size(), 3u);
    EXPECT_NE(p.violations[0].find("before the test binary's main() started"), std::string::npos);
    EXPECT_NE(p.violations[1].find("a second result"), std::string::npos);
    EXPECT_NE(p.violations[2].find("after the last test had finished"), std::string::npos);
    EXPECT_TRUE(p.finished);
}

TEST(Progress, AResultForATestThatIsNotRunningDoesNotCount) {
    const Progress p = parse_progress("begin\nstart A.one\nend A.two pass\nend A.one fail\n");
    EXPECT_EQ(p.ended.count("A.two"), 0u);
    EXPECT_FALSE(p.ended.at("A.one"));
    EXPECT_EQ(p.violations.size(), 1u);
}

const char* kBenchJson = R"({
  "context": {"num_cpus": 2},
  "benchmarks": [
    {"name": "BM_B/real_time/threads:2", "run_name": "BM_B/real_time/threads:2", "run_type": "iteration",
     "repetitions": 3, "repetition_index": 0, "threads": 2, "iterations": 10, "real_time": 30.0, "cpu_time": 60.0, "time_unit": "ns"},
    {"name": "BM_S/real_time/threads:2", "run_name": "BM_S/real_time/threads:2", "run_type": "iteration",
     "repetitions": 3, "repetition_index": 0, "threads": 2, "iterations": 10, "real_time": 0.012, "cpu_time": 0.02, "time_unit": "us",
     "bound_ratio": 1.25},
    {"name": "BM_B/real_time/threads:2", "run_name": "BM_B/real_time/threads:2", "run_type": "iteration",
     "repetitions": 3, "repetition_index": 1, "threads": 2, "iterations": 10, "real_time": 20.0, "cpu_time": 40.0, "time_unit": "ns"},
    {"name": "BM_B/real_time/threads:2_mean", "run_name": "BM_B/real_time/threads:2", "run_type": "aggregate",
     "aggregate_name": "mean", "real_time": 25.0, "cpu_time": 50.0, "time_unit": "ns"}]})";

TEST(BenchmarkJson, GroupsRepetitionsByRunNameInNanoseconds) {
    const auto s = parse_benchmark_json(kBenchJson);
    ASSERT_EQ(s.size(), 2u);
    EXPECT_EQ(s.at("BM_B/real_time/threads:2").real_time_ns, (std::vector<double>{30.0, 20.0}))
        << "aggregates are skipped";
    EXPECT_DOUBLE_EQ(s.at("BM_S/real_time/threads:2").real_time_ns.at(0), 12.0);
    EXPECT_DOUBLE_EQ(s.at("BM_S/real_time/threads:2").counters.at("bound_ratio").at(0), 1.25);
    EXPECT_EQ(s.at("BM_B/real_time/threads:2").counters.count("iterations"), 0u);
}

TEST(Statistics, MinAndMedian) {
    EXPECT_DOUBLE_EQ(minimum({3, 1, 2}), 1);
    EXPECT_DOUBLE_EQ(median({3, 1, 2}), 2);
    EXPECT_DOUBLE_EQ(median({4, 1, 2, 3}), 2.5);
    EXPECT_DOUBLE_EQ(median({}), 0);
}

const char* kTsanLog = R"(==================
WARNING: ThreadSanitizer: data race (pid=4242)
  Write of size 8 at 0x7b0400000010 by thread T2:
    #0 Counter::increment() /b/stage/01-counter/counter.hpp:7:29 (counter_tests+0x4f1c2)
    #1 operator() /src/harness/01-counter/counter_test.cpp:51:46 (counter_tests+0x4f000)

  Previous write of size 8 at 0x7b0400000010 by thread T1:
    #0 Counter::increment() /b/stage/01-counter/counter.hpp:7:29 (counter_tests+0x4f1c2)

  Thread T2 (tid=4245, running) created by main thread at:
    #0 pthread_create <null> (counter_tests+0x1234)

SUMMARY: ThreadSanitizer: data race /b/stage/01-counter/counter.hpp:7:29 in Counter::increment()
==================
)";

TEST(TsanReport, ExtractsKindAccessesAndFrames) {
    const auto reports = parse_tsan_reports(std::string("noise before\n") + kTsanLog);
    ASSERT_EQ(reports.size(), 1u);
    const auto& r = reports[0];
    EXPECT_EQ(r.kind, "data race");
    EXPECT_EQ(r.summary, "data race /b/stage/01-counter/counter.hpp:7:29 in Counter::increment()");
    ASSERT_EQ(r.accesses.size(), 2u) << "the creation stack is not an access";
    EXPECT_EQ(r.accesses[0].what, "Write of size 8");
    EXPECT_EQ(r.accesses[0].thread, "thread T2");
    ASSERT_EQ(r.accesses[0].frames.size(), 2u);
    EXPECT_EQ(r.accesses[0].frames[0].function, "Counter::increment()");
    EXPECT_EQ(r.accesses[0].frames[0].file, "/b/stage/01-counter/counter.hpp");
    EXPECT_EQ(r.accesses[0].frames[0].line, 7);
    EXPECT_EQ(r.accesses[1].what, "Previous write of size 8");
}

TEST(CompilerErrors, FindsErrorsNotWarnings) {
    const auto errors = parse_compiler_errors(
        "In file included from x.cpp:1:\n"
        "/b/stage/01-counter/counter.hpp:9:5: error: 'totl_' was not declared in this scope\n"
        "/b/stage/01-counter/counter.hpp:3:1: warning: unused\n"
        "x.cpp:2:1: fatal error: missing.hpp: No such file or directory\n");
    ASSERT_EQ(errors.size(), 2u);
    EXPECT_EQ(errors[0].file, "/b/stage/01-counter/counter.hpp");
    EXPECT_EQ(errors[0].line, 9);
    EXPECT_EQ(errors[0].column, 5);
    EXPECT_EQ(errors[0].message, "'totl_' was not declared in this scope");
    EXPECT_EQ(errors[1].message, "missing.hpp: No such file or directory");
}

}  // namespace
