// Reporters render a fixed report; the output is compared with approved golden files.
// Regenerate them after an intended change with INTERLEAVE_UPDATE_GOLDEN=1.
#include "report/reporter.hpp"

#include <gtest/gtest.h>

#include <cstdlib>
#include <fstream>
#include <sstream>

using namespace interleave;

namespace {

GradeReport fixed_report() {
    GradeReport r;
    r.course = "Test course";
    r.source = "exercises";
    r.seconds = 12.5;
    KataReport k;
    k.id = "counter";
    k.folder = "01-counter";
    k.title = "Thread-safe counter";
    k.checks.push_back(CheckResult{
        "build", CheckStatus::pass, 0, 0, "compiles", {}, nlohmann::json::object(), 1.0});
    k.checks.push_back(CheckResult{"tests",
                                   CheckStatus::pass,
                                   60,
                                   60,
                                   "8 of 8 tests pass",
                                   {},
                                   {{"passed", 8}, {"total", 8}},
                                   2.0});
    k.checks.push_back(
        CheckResult{"tsan",
                    CheckStatus::fail,
                    0,
                    20,
                    "ThreadSanitizer reported 1 problem (1 distinct); first: data race: ...",
                    {"data race: Write of size 8 by thread T2 in Counter::increment() at "
                     "01-counter/counter.hpp:7: ++total_;"},
                    nlohmann::json::object(),
                    3.0});
    k.checks.push_back(CheckResult{"timing",
                                   CheckStatus::skipped,
                                   0,
                                   20,
                                   "timing disabled (--no-timing)",
                                   {},
                                   nlohmann::json::object(),
                                   0});
    r.katas.push_back(k);
    KataReport broken;
    broken.id = "queue";
    broken.folder = "04-queue";
    broken.title = "Queue";
    broken.checks.push_back(CheckResult{"build",
                                        CheckStatus::fail,
                                        0,
                                        0,
                                        "compiling failed: 1 error",
                                        {"04-queue/q.hpp:3:1: error: expected ';'"},
                                        nlohmann::json::object(),
                                        1.0});
    broken.checks.push_back(CheckResult{"tests",
                                        CheckStatus::skipped,
                                        0,
                                        50,
                                        "not graded: the code does not compile",
                                        {},
                                        nlohmann::json::object(),
                                        0});
    r.katas.push_back(broken);
    total_up(r);
    return r;
}

void expect_golden(const std::string& name, const std::string& actual) {
    const std::string path = std::string(INTERLEAVE_TEST_DATA) + "/" + name;
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

TEST(Reporters, TotalsComeFromTheChecks) {
    const GradeReport r = fixed_report();
    EXPECT_DOUBLE_EQ(r.score, 60);
    EXPECT_DOUBLE_EQ(r.max_score, 150);
}

TEST(Reporters, JsonGolden) {
    std::ostringstream out;
    make_reporter("json", {})->render(fixed_report(), out);
    expect_golden("report.golden.json", out.str());
    const auto doc = nlohmann::json::parse(out.str());
    // The documented contract (docs/report-json.md).
    for (const char* key : {"score", "max_score", "katas"}) EXPECT_TRUE(doc.contains(key)) << key;
    for (const auto& k : doc["katas"]) {
        for (const char* key : {"id", "score", "max_score", "checks"})
            EXPECT_TRUE(k.contains(key)) << key;
        for (const auto& c : k["checks"]) {
            for (const char* key : {"name", "status", "score", "max_score", "message"})
                EXPECT_TRUE(c.contains(key)) << key;
        }
    }
}

TEST(Reporters, TerminalGolden) {
    std::ostringstream out;
    make_reporter("terminal", TerminalStyle{false, false})->render(fixed_report(), out);
    expect_golden("report.golden.txt", out.str());
    EXPECT_EQ(out.str().find('\033'), std::string::npos) << "no colour codes unless asked";
}

TEST(Reporters, UnknownFormat) {
    EXPECT_EQ(make_reporter("xml", {}), nullptr);
}

}  // namespace
