// `kata verify --runs N --safety-factor F`: the reference margins, from the timing judge's own
// data, their printed section (golden) and the safety-factor check.
#include "checks/checks.hpp"
#include "grade/verify.hpp"

#include <gtest/gtest.h>

#include <cmath>
#include <cstdlib>
#include <fstream>
#include <map>
#include <sstream>

using namespace interleave;

namespace {

/// One reference run of the counter kata whose timing benchmark measured `ratio` each time.
KataReport counter_run(double ratio) {
    TimingSpec spec;
    spec.points = 20;
    spec.repetitions = 3;
    spec.statistic = "median";
    spec.max_spread = 0.5;
    Comparison cmp;
    cmp.name = "increment() from 2 threads, time relative to a std::mutex counter";
    cmp.student = "BM_IncrementRatio/iterations:1";
    cmp.counter = "ratio";
    cmp.full_credit_ratio = 0.6;
    cmp.zero_credit_ratio = 0.85;
    spec.comparisons.push_back(cmp);
    std::map<std::string, BenchmarkSamples> samples;
    samples[cmp.student].counters["ratio"] = {ratio, ratio, ratio};
    KataReport k;
    k.id = "counter";
    CheckResult tests;
    tests.name = "tests";
    tests.status = CheckStatus::pass;
    tests.score = tests.max_score = 60;
    k.checks = {tests, judge_timing(spec, samples)};
    k.score = k.checks[0].score + k.checks[1].score;
    k.max_score = 80;
    return k;
}

VerifyRow reference_row(const std::vector<double>& ratios) {
    VerifyRow r{"counter", "reference", "full marks", "", true, "", {}, {}};
    for (double ratio : ratios) add_reference_run(r.margins, counter_run(ratio));
    return r;
}

}  // namespace

TEST(VerifyMargins, MarginIsTheFullCreditRatioOverTheWorstRatio) {
    EXPECT_DOUBLE_EQ(timing_margin(0.6, {0.30, 0.40, 0.50}), 1.2);
    EXPECT_TRUE(std::isinf(timing_margin(0.6, {0.0})));
    EXPECT_EQ(timing_margin(0.6, {}), 0);
    EXPECT_DOUBLE_EQ(median({3, 1, 2}), 2);
    EXPECT_DOUBLE_EQ(median({4, 1, 2, 3}), 2.5);
}

TEST(VerifyMargins, CollectsEveryRunFromTheTimingJudgesData) {
    const VerifyRow r = reference_row({0.30, 0.50, 0.40});
    ASSERT_EQ(r.margins.scores.size(), 3U);
    EXPECT_DOUBLE_EQ(r.margins.max_score, 80);
    ASSERT_EQ(r.margins.comparisons.size(), 1U);
    const auto& c = r.margins.comparisons[0];
    EXPECT_EQ(c.ratios, (std::vector<double>{0.30, 0.50, 0.40}));
    EXPECT_DOUBLE_EQ(c.full_credit_ratio, 0.6);
    EXPECT_DOUBLE_EQ(c.zero_credit_ratio, 0.85);
}

TEST(VerifyMargins, AThinMarginFailsTheSafetyFactor) {
    // Worst ratio 0.55 against full credit at 0.6: margin 1.09, full credit on every run, but a
    // machine 10% slower would cost the reference points.
    const std::vector<VerifyRow> rows{reference_row({0.45, 0.55, 0.50})};
    const auto thin = thin_margins(rows, 1.2);
    ASSERT_EQ(thin.size(), 1U);
    EXPECT_NE(thin[0].find("counter: comparison `increment() from 2 threads"), std::string::npos)
        << thin[0];
    EXPECT_NE(thin[0].find("margin 1.09 is below the safety factor 1.20"), std::string::npos)
        << thin[0];
}

TEST(VerifyMargins, AWideMarginPassesAndNoFactorChecksNothing) {
    const std::vector<VerifyRow> rows{reference_row({0.30, 0.40, 0.45})};
    EXPECT_TRUE(thin_margins(rows, 1.2).empty());  // margin 1.33
    const std::vector<VerifyRow> thin_rows{reference_row({0.59})};
    EXPECT_TRUE(thin_margins(thin_rows, 0).empty());
}

TEST(VerifyMargins, SectionMatchesGolden) {
    std::vector<VerifyRow> rows{reference_row({0.45, 0.55, 0.50, 0.70})};
    rows.push_back(VerifyRow{"counter", "stub", "0 on tests", "", true, "", {}, {}});
    VerifyRow untimed{"retry", "reference", "full marks", "", true, "", {}, {}};
    KataReport k;
    k.score = k.max_score = 80;
    add_reference_run(untimed.margins, k);
    rows.push_back(untimed);
    const std::string actual = margins_section(rows);
    const std::string path = std::string(INTERLEAVE_GOLDEN_DIR) + "/verify/reference_margins.txt";
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
