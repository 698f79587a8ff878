// The predict check's judgement (checks/predict_check.cpp): the student's YAML answers against
// the explorer's enumeration of every schedule, with canned enumerations.
#include "checks/checks.hpp"

#include <gtest/gtest.h>

namespace interleave {
namespace {

/// An enumeration of two programs as `<id>_explore --outcomes` reports it.
nlohmann::json enumeration(bool complete = true) {
    auto outcome = [](const char* text) {
        return nlohmann::json{
            {"outcome", text},
            {"schedules", 5},
            {"replay", "s4:2"},
            {"steps",
             {{{"thread", 0},
               {"operation", "start thread"},
               {"value", "thread 1"},
               {"where", "p.cpp:30"}},
              {{"thread", 1}, {"operation", "load"}, {"value", "0"}, {"where", "p.cpp:12"}},
              {{"thread", 2}, {"operation", "store"}, {"value", "1"}, {"where", "p.cpp:12"}}}}};
    };
    return nlohmann::json{{"format_version", 1},
                          {"scenarios",
                           {{{"name", "Lost"},
                             {"complete", complete},
                             {"schedules", 40},
                             {"outcomes", {outcome("x=2"), outcome("x=3"), outcome("x=4")}}},
                            {{"name", "Order"},
                             {"complete", true},
                             {"schedules", 12},
                             {"outcomes", {outcome("deadlock"), outcome("finished")}}}}}};
}

PredictSpec spec() {
    PredictSpec s;
    s.points = 80;
    return s;
}

TEST(PredictCheck, ExactSetsEarnEveryPoint) {
    const auto answers = parse_predict_answers(
        "answers.yaml",
        "format_version: 1\nLost:\n  outcomes: [\"x=4\", \"x=3\", \" x=2 \"]\n"
        "  why: w\nOrder:\n  outcomes: [deadlock, finished]\n");
    ASSERT_EQ(answers.error, "");
    const CheckResult c = judge_predictions(spec(), enumeration(), answers);
    EXPECT_EQ(c.status, CheckStatus::pass) << c.message;
    EXPECT_DOUBLE_EQ(c.score, 80);
}

TEST(PredictCheck, AMissedOutcomeIsShownWithTheScheduleThatReachesIt) {
    const auto answers = parse_predict_answers(
        "answers.yaml", "Lost:\n  outcomes: [\"x=4\"]\nOrder:\n  outcomes: [deadlock, finished]\n");
    const CheckResult c = judge_predictions(spec(), enumeration(), answers);
    EXPECT_EQ(c.status, CheckStatus::fail);
    // 1 right of the 3 named by either side: a third of the program's 40 points.
    EXPECT_NEAR(c.score, 40 + 40.0 / 3, 1e-9);
    ASSERT_FALSE(c.details.empty());
    EXPECT_NE(c.details[0].find("you missed x=2, reachable by: T1 load 0 (line 12), T2 store 1 "
                                "(line 12)"),
              std::string::npos)
        << c.details[0];
    EXPECT_EQ(c.details[0].find("start thread"), std::string::npos) << "thread 0 is left out";
}

TEST(PredictCheck, AnImpossibleOutcomeCostsItsShare) {
    const auto answers = parse_predict_answers("answers.yaml",
                                               "Lost:\n  outcomes: [\"x=1\", \"x=2\", \"x=3\", "
                                               "\"x=4\"]\nOrder:\n  outcomes: [finished]\n");
    const CheckResult c = judge_predictions(spec(), enumeration(), answers);
    EXPECT_NEAR(c.score, 40 * 3.0 / 4 + 40 * 1.0 / 2, 1e-9);
    EXPECT_NE(c.details[0].find("x=1 cannot happen: none of the 40 schedules"), std::string::npos);
    EXPECT_NE(c.details[1].find("you missed deadlock"), std::string::npos);
}

TEST(PredictCheck, UnansweredAndUnknownProgramsAreSaid) {
    const auto answers =
        parse_predict_answers("answers.yaml", "Lost:\n  outcomes: []\nLosst:\n  outcomes: [x]\n");
    const CheckResult c = judge_predictions(spec(), enumeration(), answers);
    EXPECT_DOUBLE_EQ(c.score, 0);
    EXPECT_NE(c.details[0].find("Lost: no prediction yet"), std::string::npos);
    EXPECT_NE(c.details.back().find("answers.yaml line 3: `Losst` is not one of the programs"),
              std::string::npos)
        << c.details.back();
}

TEST(PredictCheck, MalformedAnswersNameTheFileLineAndField) {
    EXPECT_EQ(parse_predict_answers("answers.yaml", "Lost:\n  outcomes: \"x=2\"\n").error,
              "answers.yaml line 2: Lost.outcomes: expected a list, e.g. [\"x=1\", \"x=2\"]");
    EXPECT_NE(parse_predict_answers("answers.yaml", "Lost:\n  outcomes: [\"x=2\"\n")
                  .error.find("answers.yaml line "),
              std::string::npos);
    EXPECT_NE(parse_predict_answers("answers.yaml", "- x=2\n").error.find("expected a mapping"),
              std::string::npos);
    const CheckResult c = judge_predictions(spec(), enumeration(),
                                            parse_predict_answers("answers.yaml", "Lost: [x=2\n"));
    EXPECT_EQ(c.status, CheckStatus::fail);
    EXPECT_DOUBLE_EQ(c.score, 0);
    EXPECT_FALSE(c.infrastructure) << "the student's file, not the grader";
}

TEST(PredictCheck, AnIncompleteEnumerationGradesNothing) {
    const CheckResult c =
        judge_predictions(spec(), enumeration(false),
                          parse_predict_answers("answers.yaml", "Lost:\n  outcomes: [\"x=2\"]\n"));
    EXPECT_EQ(c.status, CheckStatus::error);
    EXPECT_TRUE(c.infrastructure);
    EXPECT_NE(c.message.find("could not run every schedule of Lost"), std::string::npos);
}

/// One relaxed program: three interleaved outcomes, one more that only relaxed order gives.
nlohmann::json relaxed_enumeration() {
    auto outcome = [](const char* text) {
        return nlohmann::json{{"outcome", text}, {"schedules", 2}, {"replay", "s"}, {"steps", {}}};
    };
    return nlohmann::json{
        {"format_version", 1},
        {"scenarios",
         {{{"name", "Relaxed"},
           {"complete", true},
           {"schedules", 6},
           {"relaxed_outcomes", {"r1=0 r2=0"}},
           {"outcomes", {outcome("r1=0 r2=1"), outcome("r1=1 r2=0"), outcome("r1=1 r2=1")}}}}}};
}

/// The stress binary's report: how often each outcome showed in real runs.
nlohmann::json stress(nlohmann::json histogram) {
    return nlohmann::json{
        {"format_version", 1},
        {"programs", {{{"name", "Relaxed"}, {"runs", 100}, {"histogram", std::move(histogram)}}}}};
}

TEST(PredictCheck, RelaxedOutcomesAreTrueOutcomesAndRealRunsAreShownBesideThePrediction) {
    const auto all = parse_predict_answers(
        "answers.yaml",
        "Relaxed:\n  outcomes: [\"r1=0 r2=0\", \"r1=0 r2=1\", \"r1=1 r2=0\", \"r1=1 r2=1\"]\n");
    const CheckResult exact =
        judge_predictions(spec(), relaxed_enumeration(), all,
                          stress({{"r1=0 r2=1", 60}, {"r1=1 r2=0", 37}, {"r1=0 r2=0", 3}}));
    EXPECT_EQ(exact.status, CheckStatus::pass) << exact.message;
    EXPECT_DOUBLE_EQ(exact.score, 80);
    ASSERT_EQ(exact.details.size(), 1u);
    EXPECT_NE(exact.details[0].find("100 real runs on this machine: r1=0 r2=1 x60, r1=1 r2=0 x37, "
                                    "r1=0 r2=0 x3 (relaxed atomics only)"),
              std::string::npos)
        << exact.details[0];

    const auto interleaved_only = parse_predict_answers(
        "answers.yaml", "Relaxed:\n  outcomes: [\"r1=0 r2=1\", \"r1=1 r2=0\", \"r1=1 r2=1\"]\n");
    const CheckResult missed = judge_predictions(spec(), relaxed_enumeration(), interleaved_only,
                                                 stress({{"r1=0 r2=1", 100}}));
    EXPECT_EQ(missed.status, CheckStatus::fail);
    EXPECT_DOUBLE_EQ(missed.score, 60);
    EXPECT_NE(missed.details[0].find("you missed r1=0 r2=0: no interleaving reaches it, but the "
                                     "relaxed atomics allow it"),
              std::string::npos)
        << missed.details[0];
    EXPECT_NE(missed.details[0].find("not seen in 100 real runs on this machine, but allowed"),
              std::string::npos)
        << missed.details[0];
    EXPECT_NE(missed.details[0].find("r1=0 r2=0 never (allowed)"), std::string::npos);

    // Without real runs (none made, or they failed) the grade is the same.
    EXPECT_DOUBLE_EQ(judge_predictions(spec(), relaxed_enumeration(), interleaved_only).score, 60);
}

TEST(PredictCheck, ARealRunOutsideTheTrueSetIsTheCoursesErrorNotTheStudents) {
    const auto answers =
        parse_predict_answers("answers.yaml", "Relaxed:\n  outcomes: [\"r1=0 r2=1\"]\n");
    const CheckResult c = judge_predictions(spec(), relaxed_enumeration(), answers,
                                            stress({{"r1=0 r2=1", 99}, {"r1=2 r2=2", 1}}));
    EXPECT_EQ(c.status, CheckStatus::error);
    EXPECT_TRUE(c.infrastructure);
    EXPECT_DOUBLE_EQ(c.score, 0);
    EXPECT_NE(c.message.find("the real runs of Relaxed ended 1 time(s) as \"r1=2 r2=2\""),
              std::string::npos)
        << c.message;
}

}  // namespace
}  // namespace interleave
