// The mutant matrix: which check caught which mutant, with the expected check bracketed; and
// why a mutant survived.
#include "grade/verify.hpp"

#include <gtest/gtest.h>

using namespace interleave;

namespace {

KataReport mutant_report(CheckStatus tests, CheckStatus tsan) {
    KataReport k;
    k.id = "counter";
    for (const auto& [name, status] : std::vector<std::pair<std::string, CheckStatus>>{
             {"build", CheckStatus::pass}, {"tests", tests}, {"tsan", tsan}}) {
        CheckResult c;
        c.name = name;
        c.status = status;
        k.checks.push_back(c);
    }
    return k;
}

TEST(MutantMatrix, MarksCaughtAndExpectedChecks) {
    MutantExpectation expect;
    expect.fails = {"tsan"};
    expect.may_fail = {"tests"};
    std::vector<VerifyRow> rows;
    rows.push_back(VerifyRow{"counter", "reference", "full marks", "", true, "", {}, {}});
    rows.push_back(
        judge_mutant(mutant_report(CheckStatus::fail, CheckStatus::fail), "plain-int", expect));
    rows.push_back(
        judge_mutant(mutant_report(CheckStatus::pass, CheckStatus::pass), "survivor", expect));
    const std::string m = mutant_matrix(rows);
    EXPECT_NE(m.find("counter"), std::string::npos) << m;
    EXPECT_NE(m.find("plain-int"), std::string::npos) << m;
    EXPECT_EQ(m.find("reference"), std::string::npos) << m;
    const auto plain = m.substr(m.find("plain-int"));
    const auto plain_line = plain.substr(0, plain.find('\n'));
    EXPECT_NE(plain_line.find("[X]"), std::string::npos) << plain_line;
    EXPECT_EQ(plain_line.find("BAD"), std::string::npos) << plain_line;
    const auto survivor = m.substr(m.find("survivor"));
    const auto survivor_line = survivor.substr(0, survivor.find('\n'));
    EXPECT_NE(survivor_line.find("[ ]"), std::string::npos) << survivor_line;
    EXPECT_NE(survivor_line.find("<- BAD"), std::string::npos) << survivor_line;
}

TEST(MutantMatrix, HasAnAsanColumn) {
    KataReport k = mutant_report(CheckStatus::fail, CheckStatus::skipped);
    CheckResult asan;
    asan.name = "asan";
    asan.status = CheckStatus::fail;
    k.checks.push_back(asan);
    MutantExpectation expect;
    expect.fails = {"tests", "asan"};
    const std::string m = mutant_matrix({judge_mutant(k, "dangling", expect)});
    const auto header = m.substr(m.find("counter"));
    EXPECT_NE(header.substr(0, header.find('\n')).find("asan"), std::string::npos) << m;
    const auto line = m.substr(m.find("dangling"));
    // build ".", tests "[X]", tsan ".", explore ".", asan "[X]", timing ".".
    const auto row = line.substr(0, line.find('\n'));
    EXPECT_EQ(row.find("[X]"), row.rfind("[X]") - 24) << row;
}

TEST(JudgeMutant, ALeakMutantThatSurvivesWithoutLeakSanitizerSaysWhy) {
    KataReport k = mutant_report(CheckStatus::pass, CheckStatus::pass);
    CheckResult asan;
    asan.name = "asan";
    asan.status = CheckStatus::pass;
    asan.message = "no memory error, leak or undefined behaviour found";
    asan.details = {
        "LeakSanitizer cannot run here (it needs ptrace ...); the AddressSanitizer "
        "run was repeated with detect_leaks=0, so leaks were not checked"};
    k.checks.push_back(asan);
    MutantExpectation expect;
    expect.fails = {"asan"};
    const VerifyRow row = judge_mutant(k, "boxes-left-behind", expect);
    EXPECT_FALSE(row.ok);
    EXPECT_NE(row.why.find("survived: check `asan` did not fail"), std::string::npos) << row.why;
    EXPECT_NE(row.why.find("LeakSanitizer could not run on this machine"), std::string::npos)
        << row.why;

    k.checks.back().details.clear();  // leaks were checked: a plain survivor, no excuse given
    const VerifyRow plain = judge_mutant(k, "boxes-left-behind", expect);
    EXPECT_FALSE(plain.ok);
    EXPECT_EQ(plain.why.find("LeakSanitizer"), std::string::npos) << plain.why;
}

TEST(MutantMatrix, EmptyWithoutMutants) {
    EXPECT_EQ(mutant_matrix({}), "");
}

}  // namespace
