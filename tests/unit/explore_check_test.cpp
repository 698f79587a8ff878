// The explore check's judging half (checks/explore_check.cpp) on canned explorer reports, and
// its exercise.yaml block: what a student reads when a schedule breaks their code.
#include "checks/checks.hpp"
#include "course/course.hpp"
#include "score/scorer.hpp"

#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include <filesystem>
#include <fstream>

namespace fs = std::filesystem;
using namespace interleave;

namespace {

ProcessOutcome exited(int code) {
    ProcessOutcome o;
    o.termination = Termination::exited;
    o.exit_code = code;
    return o;
}

nlohmann::json scenario(const std::string& name, int schedules, bool exhausted) {
    return {{"name", name},           {"description", "two threads call f() once each"},
            {"schedules", schedules}, {"unfinished", 0},
            {"exhausted", exhausted}, {"seconds", 0.1}};
}

nlohmann::json failure() {
    return {{"outcome", "failed"},
            {"message", "f() returned false in thread 1\nsecond line of the message"},
            {"found_by", "bounded search"},
            {"seconds_to_failure", 0.01},
            {"replay", "s4:2"},
            {"steps_hidden", 0},
            {"steps", nlohmann::json::array()},
            {"table",
             "  step  thread  operation  value  where\n>    3  T1      load       0      "
             "01-counter/counter.hpp:16  std::int64_t seen = total_.load();\n"}};
}

/// The channel of an explorer that sent `report` and finished.
ChannelContent sent(const nlohmann::json& report) {
    ChannelContent c;
    c.blocks.emplace_back("explore", report.dump());
    c.records.emplace_back("finished");
    return c;
}

nlohmann::json report_of(std::vector<nlohmann::json> scenarios) {
    return {{"format_version", 1}, {"scenarios", scenarios}};
}

bool has_line(const CheckResult& c, const std::string& text) {
    return std::any_of(c.details.begin(), c.details.end(),
                       [&](const std::string& d) { return d.find(text) != std::string::npos; });
}

}  // namespace

TEST(JudgeExplore, EveryScenarioHoldingEarnsThePointsAndSaysHowMuchWasSearched) {
    const auto c = judge_explore(
        exited(0), sent(report_of({scenario("A", 63, true), scenario("B", 2000, false)})), 10,
        "counter");
    EXPECT_EQ(c.status, CheckStatus::pass);
    EXPECT_EQ(c.score, 10);
    EXPECT_EQ(c.name, "explore");
    EXPECT_NE(c.message.find("2063 schedules"), std::string::npos) << c.message;
    EXPECT_NE(c.message.find("1 of 2 searched completely"), std::string::npos) << c.message;
}

TEST(JudgeExplore, ABrokenScenarioLosesItsShareAndShowsTheInterleavingAndTheReplay) {
    auto broken = scenario("IncrementIfBelow", 5, false);
    broken["failure"] = failure();
    const auto c =
        judge_explore(exited(1),
                      sent(report_of({broken, scenario("B", 40, true), scenario("C", 40, true),
                                      scenario("D", 40, true)})),
                      10, "counter");
    EXPECT_EQ(c.status, CheckStatus::fail);
    EXPECT_DOUBLE_EQ(c.score, 7.5);
    EXPECT_NE(c.message.find("1 of 4 scenarios"), std::string::npos) << c.message;
    EXPECT_NE(c.message.find("IncrementIfBelow: f() returned false in thread 1"), std::string::npos)
        << c.message;
    // The message's first line is not repeated below it; the rest is.
    EXPECT_FALSE(has_line(c, "  f() returned false"));
    EXPECT_TRUE(has_line(c, "second line of the message"));
    EXPECT_TRUE(has_line(c, "counter.hpp:16  std::int64_t seen = total_.load();"));
    EXPECT_TRUE(has_line(c, "./kata explore counter --scenario IncrementIfBelow --replay s4:2"));
}

TEST(JudgeExplore, AReportNotSentOverTheChannelIsAFailNotATrustedPass) {
    // The submission printed a report of its own and exited 0: nothing arrived from the
    // explorer itself.
    ChannelContent forged;
    forged.foreign.emplace_back("block explore 40");
    auto c = judge_explore(exited(0), forged, 10, "counter");
    EXPECT_EQ(c.status, CheckStatus::fail);
    EXPECT_EQ(c.score, 0);
    EXPECT_FALSE(c.tamper.empty());
    EXPECT_FALSE(c.infrastructure);

    ProcessOutcome killed;
    killed.termination = Termination::signaled;
    killed.signal = 9;
    c = judge_explore(killed, ChannelContent{}, 10, "counter");
    EXPECT_EQ(c.status, CheckStatus::fail);
    EXPECT_NE(c.message.find("before it could report"), std::string::npos) << c.message;
}

TEST(JudgeExplore, AnExplorerWithNoScenarioIsTheCoursesProblem) {
    const auto c = judge_explore(exited(0), sent(report_of({})), 10, "counter");
    EXPECT_EQ(c.status, CheckStatus::error);
    EXPECT_TRUE(c.infrastructure);
}

TEST(JudgeExplore, ItsPointsNeedPassingTestsLikeTheSanitizers) {
    EXPECT_TRUE(needs_passing_tests(CheckKind::explore));
    KataReport k;
    CheckResult tests;
    tests.name = "tests";
    tests.status = CheckStatus::fail;
    tests.max_score = 60;
    k.checks.push_back(tests);
    k.checks.push_back(
        judge_explore(exited(0), sent(report_of({scenario("A", 3, true)})), 10, "counter"));
    score_kata(k);
    EXPECT_EQ(k.checks.back().status, CheckStatus::skipped);
    EXPECT_EQ(k.checks.back().score, 0);
    EXPECT_NE(k.checks.back().message.find("no failing interleaving found"), std::string::npos);
}

TEST(ExploreYaml, PointsSecondsAndRunsAreReadAndChecked) {
    const fs::path root =
        fs::temp_directory_path() / ("interleave-explore-" + std::to_string(getpid()));
    fs::remove_all(root);
    fs::create_directories(root / "exercises" / "01-counter");
    std::ofstream(root / "course.yaml") << "format_version: 1\ntitle: T\n";
    auto write = [&](const std::string& explore) {
        std::ofstream(root / "exercises" / "01-counter" / "exercise.yaml")
            << "format_version: 1\nid: counter\ntitle: Counter\nstudent_files: [counter.hpp]\n"
               "checks:\n  tests:\n    points: 60\n"
            << explore;
    };
    write("  explore:\n    points: 10\n    seconds: 6\n");
    Course course = load_course(root);
    ASSERT_TRUE(course.exercises.front().explore);
    EXPECT_EQ(course.exercises.front().explore->points, 10);
    EXPECT_DOUBLE_EQ(course.exercises.front().explore->seconds, 6);
    EXPECT_EQ(course.exercises.front().explore->runs, 2000);
    EXPECT_EQ(course.exercises.front().max_points(), 70);
    write("  explore:\n    points: 10\n    seconds: 0\n");
    try {
        load_course(root);
        ADD_FAILURE() << "seconds: 0 was accepted";
    } catch (const MetadataError& e) {
        EXPECT_NE(std::string(e.what()).find("exercise.yaml:10: checks.explore.seconds"),
                  std::string::npos)
            << e.what();
    }
    write("  explore:\n    points: 10\n    budget: 6\n");
    EXPECT_THROW(load_course(root), MetadataError);
    fs::remove_all(root);
}
