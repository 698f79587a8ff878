// The one scorer: the rules between checks, then the totals.
#include "score/scorer.hpp"

#include <gtest/gtest.h>

using namespace interleave;

namespace {

CheckResult result(const std::string& name, CheckStatus status, double score, double max,
                   const std::string& message = "") {
    return CheckResult{name, status, score, max, message, {}, {}, 0};
}

TEST(Scorer, TimingNeedsPassingTests) {
    KataReport k;
    k.checks.push_back(CheckResult{"tests", CheckStatus::fail, 30, 60, "", {}, {}, 0});
    k.checks.push_back(CheckResult{"timing", CheckStatus::pass, 20, 20, "", {}, {}, 0});
    score_kata(k);
    EXPECT_EQ(k.checks[1].status, CheckStatus::skipped);
    EXPECT_DOUBLE_EQ(k.score, 30);
    EXPECT_DOUBLE_EQ(k.max_score, 80);
}

TEST(Scorer, ASanitizerFailureStandsWhileTheTestsFail) {
    KataReport k;
    k.checks.push_back(result("tests", CheckStatus::fail, 30, 60));
    k.checks.push_back(result("tsan", CheckStatus::fail, 0, 20, "ThreadSanitizer reported 1"));
    k.checks.push_back(result("asan", CheckStatus::pass, 10, 10, "no memory error"));
    score_kata(k);
    EXPECT_EQ(k.checks[1].status, CheckStatus::fail);
    EXPECT_EQ(k.checks[1].message, "ThreadSanitizer reported 1");
    EXPECT_EQ(k.checks[2].status, CheckStatus::skipped);
    EXPECT_EQ(k.checks[2].message,
              "no memory error found, but these points need every correctness test to pass first");
    EXPECT_DOUBLE_EQ(k.score, 30);
}

TEST(Scorer, APartlyFailedExploreCheckEarnsNothingWhileTheTestsFail) {
    // One scenario of two broken: the failure stands as evidence, but its half of the points
    // needs passing tests like a clean run's whole (which the scorer blocks).
    KataReport k;
    k.checks.push_back(result("tests", CheckStatus::fail, 40, 50));
    k.checks.push_back(result("explore", CheckStatus::fail, 2.5, 5, "1 of 2 scenarios broken"));
    score_kata(k);
    EXPECT_EQ(k.checks[1].status, CheckStatus::fail);
    EXPECT_EQ(k.checks[1].message, "1 of 2 scenarios broken");
    EXPECT_DOUBLE_EQ(k.checks[1].score, 0);
    EXPECT_DOUBLE_EQ(k.score, 40);
}

TEST(Scorer, ATimingCheckNotRunGetsItsReasonButADisabledOneKeepsItsOwn) {
    KataReport k;
    k.checks.push_back(result("tests", CheckStatus::fail, 0, 60));
    k.checks.push_back(result("timing", CheckStatus::skipped, 0, 20));
    score_kata(k);
    EXPECT_EQ(k.checks[1].message,
              "not measured: speed is graded once every correctness test passes");
    k.checks[1].message = "timing disabled (--no-timing)";
    score_kata(k);
    EXPECT_EQ(k.checks[1].message, "timing disabled (--no-timing)");
}

TEST(Scorer, PassingTestsLeaveEveryResultAsJudged) {
    KataReport k;
    k.checks.push_back(result("tests", CheckStatus::pass, 60, 60));
    k.checks.push_back(result("tsan", CheckStatus::pass, 20, 20));
    k.checks.push_back(result("timing", CheckStatus::fail, 12.5, 20));
    score_kata(k);
    EXPECT_EQ(k.checks[1].status, CheckStatus::pass);
    EXPECT_DOUBLE_EQ(k.score, 92.5);
    EXPECT_DOUBLE_EQ(k.max_score, 100);
}

}  // namespace

namespace {

TEST(Scorer, ASwitchedOffCheckIsOutOfTheMaximumAndAPrerequisiteMissIsNot) {
    GradeReport r;
    KataReport k;
    k.checks.push_back(result("tests", CheckStatus::pass, 60, 60));
    k.checks.push_back(result("tsan", CheckStatus::pass, 20, 20));
    CheckResult timing = result("timing", CheckStatus::skipped, 0, 20, "disabled (--no-timing)");
    timing.disabled = true;
    k.checks.push_back(timing);
    score_kata(k);
    EXPECT_DOUBLE_EQ(k.score, 80);
    EXPECT_DOUBLE_EQ(k.max_score, 80) << "the reference with --no-timing has full marks";
    EXPECT_DOUBLE_EQ(k.disabled_points, 20);
    r.katas.push_back(k);
    // Failing tests still cost the points of the checks they block.
    KataReport failing = k;
    failing.checks[0] = result("tests", CheckStatus::fail, 30, 60);
    score_kata(failing);
    EXPECT_DOUBLE_EQ(failing.score, 30);
    EXPECT_DOUBLE_EQ(failing.max_score, 80);
    r.katas.push_back(failing);
    total_up(r);
    EXPECT_DOUBLE_EQ(r.max_score, 160);
    EXPECT_DOUBLE_EQ(r.disabled_points, 40);
}

}  // namespace
