// Hidden tests: a student-facing report never names a hidden test or shows its message.
#include "checks/visibility.hpp"
#include "checks/checks.hpp"
#include "report/reporter.hpp"

#include <gtest/gtest.h>

#include <sstream>

using namespace interleave;

namespace {

const char* kGtestJson = R"({
  "tests": 4, "failures": 2, "testsuites": [
    {"name": "CounterBasics", "testsuite": [
      {"name": "Counts", "status": "RUN", "result": "COMPLETED"},
      {"name": "Resets", "status": "RUN", "result": "COMPLETED",
       "failures": [{"failure": "/x/counter_test.cpp:32\nExpected equality\nreset() must return the value", "type": ""}]}]},
    {"name": "CounterHidden", "testsuite": [
      {"name": "Secret", "status": "RUN", "result": "COMPLETED",
       "failures": [{"failure": "/x/counter_hidden_test.cpp:9\nExpected equality\nthe secret limit is 1000", "type": ""}]},
      {"name": "AlsoSecret", "status": "RUN", "result": "COMPLETED"}]}]})";

const std::vector<std::string> kHidden{"CounterHidden.*"};

TestBinaryRun canned_run(const std::string& json) {
    TestBinaryRun run;
    run.process.termination = Termination::exited;
    run.process.exit_code = 1;
    run.results = parse_gtest_json(json);
    for (const auto& t : run.results->tests) run.listed.push_back(t.name);
    return run;
}

CheckResult judged(const TestBinaryRun& run) {
    CheckResult c = judge_tests(run, 60, Workspace{"/src", "/b"});
    apply_test_visibility(c, run, kHidden);
    return c;
}

std::string terminal(const CheckResult& c) {
    GradeReport report;
    report.course = "Course";
    report.source = "exercises";
    KataReport k;
    k.id = "counter";
    k.folder = "01-counter";
    k.checks.push_back(c);
    report.katas.push_back(k);
    std::ostringstream out;
    make_terminal_reporter(TerminalStyle{false, true})->render(report, out);
    return out.str();
}

TEST(HiddenTests, PatternsMatchNamesAndPrefixes) {
    EXPECT_TRUE(is_hidden_test("CounterHidden.Secret", {"CounterHidden.*"}));
    EXPECT_TRUE(is_hidden_test("A.StressBig", {"A.Stress*"}));
    EXPECT_TRUE(is_hidden_test("A.B", {"X.Y", "A.B"}));
    EXPECT_FALSE(is_hidden_test("A.Bc", {"A.B"}));
    EXPECT_FALSE(is_hidden_test("CounterBasics.Counts", {"CounterHidden.*"}));
}

TEST(HiddenTests, TerminalReportShowsOnlyTheCount) {
    const CheckResult c = judged(canned_run(kGtestJson));
    const std::string text = terminal(c);
    EXPECT_EQ(text.find("CounterHidden"), std::string::npos) << text;
    EXPECT_EQ(text.find("Secret"), std::string::npos) << text;
    EXPECT_EQ(text.find("secret limit"), std::string::npos) << text;
    EXPECT_NE(text.find("1 hidden test failed"), std::string::npos) << text;
    EXPECT_NE(text.find("CounterBasics.Resets"), std::string::npos) << text;
    EXPECT_DOUBLE_EQ(c.score, 30) << "hidden tests still count towards the score";
    EXPECT_EQ(
        c.message,
        "2 of 4 tests pass. First failure: CounterBasics.Resets: reset() must return the value");
}

TEST(HiddenTests, OnlyHiddenFailuresLeadWithTheCount) {
    std::string json = kGtestJson;
    const std::string failure =
        R"(,
       "failures": [{"failure": "/x/counter_test.cpp:32\nExpected equality\nreset() must return the value", "type": ""}])";
    json.erase(json.find(failure), failure.size());
    const CheckResult c = judged(canned_run(json));
    EXPECT_EQ(c.message, "3 of 4 tests pass. 1 hidden test failed");
    EXPECT_FALSE(c.data.contains("failed"));
    EXPECT_EQ(terminal(c).find("CounterHidden"), std::string::npos) << terminal(c);
}

TEST(HiddenTests, JsonMarksEveryTestsVisibility) {
    const CheckResult c = judged(canned_run(kGtestJson));
    ASSERT_TRUE(c.data.contains("tests"));
    std::map<std::string, std::string> visibility;
    for (const auto& t : c.data["tests"])
        visibility[t["name"].get<std::string>()] = t["visibility"].get<std::string>();
    EXPECT_EQ(visibility["CounterHidden.Secret"], "hidden");
    EXPECT_EQ(visibility["CounterHidden.AlsoSecret"], "hidden");
    EXPECT_EQ(visibility["CounterBasics.Resets"], "visible");
    EXPECT_EQ(c.data["hidden_failed"].get<int>(), 1);
    EXPECT_EQ(c.data["failed"], nlohmann::json::array({"CounterBasics.Resets"}));
}

TEST(HiddenTests, AHungHiddenTestIsNotNamed) {
    TestBinaryRun run;
    run.listed = {"CounterBasics.Counts", "CounterHidden.Secret"};
    run.process.termination = Termination::exited;
    run.process.exit_code = kWatchdogExitCode;
    run.process.err = "#3 CounterHidden_Secret_Test::TestBody () at /x/h.cpp:9\n";
    run.progress = parse_progress(
        "begin\nstart CounterBasics.Counts\nend CounterBasics.Counts pass\nstart "
        "CounterHidden.Secret\n");
    const CheckResult c = judged(run);
    const std::string text = terminal(c) + c.data.dump();
    EXPECT_EQ(text.find("CounterHidden"), std::string::npos) << text;
    EXPECT_NE(c.message.find(kHiddenTestLabel), std::string::npos) << c.message;
}

TEST(HiddenTests, NoPatternsChangeNothing) {
    const TestBinaryRun run = canned_run(kGtestJson);
    CheckResult c = judge_tests(run, 60, Workspace{"/src", "/b"});
    const CheckResult before = c;
    apply_test_visibility(c, run, {});
    EXPECT_EQ(c.message, before.message);
    EXPECT_EQ(c.details, before.details);
    EXPECT_EQ(c.data, before.data);
}

}  // namespace
