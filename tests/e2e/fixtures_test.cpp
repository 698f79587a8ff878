// End to end: the real grader grades broken and hostile submissions (tests/fixtures/) with the
// real toolchain, and every one ends in bounded time with the right, readable verdict, no
// grader crash, and no change to the submission's files.
#include "process.hpp"
#include "workspace.hpp"

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include <filesystem>

namespace fs = std::filesystem;
using namespace interleave;

namespace {

struct Graded {
    ProcessOutcome process;
    nlohmann::json report;
    const nlohmann::json& check(const std::string& name) const {
        for (const auto& c : report["katas"][0]["checks"]) {
            if (c["name"] == name) return c;
        }
        static const nlohmann::json none;
        return none;
    }
};

/// Snapshot of a folder's files and contents, to prove grading changed nothing in it.
std::map<std::string, std::string> snapshot(const fs::path& dir) {
    std::map<std::string, std::string> files;
    for (const auto& e : fs::recursive_directory_iterator(dir)) {
        if (e.is_regular_file()) files[e.path().string()] = read_file(e.path());
    }
    return files;
}

Graded grade_fixture(const std::string& name, std::vector<std::string> extra = {}) {
    const fs::path source = fs::path(INTERLEAVE_PROJECT) / "tests" / "fixtures" / name;
    const auto before = snapshot(source);
    const fs::path json = fs::path(INTERLEAVE_E2E_BUILD) / ("report-" + name + ".json");
    fs::remove(json);
    ProcessSpec spec;
    spec.argv = {INTERLEAVE_BIN,
                 "--root",
                 INTERLEAVE_PROJECT,
                 "--build-dir",
                 INTERLEAVE_E2E_BUILD,
                 "grade",
                 "counter",
                 "--source",
                 source.string(),
                 "--no-tsan",
                 "--no-timing",
                 "--test-timeout",
                 "3",
                 "--format",
                 "json:" + json.string()};
    spec.argv.insert(spec.argv.end(), extra.begin(), extra.end());
    spec.env = base_environment();
    spec.deadline = std::chrono::minutes(5);
    PosixProcessRunner runner;
    Graded g;
    g.process = runner.run(spec);
    EXPECT_EQ(g.process.termination, Termination::exited) << g.process.describe() << "\n"
                                                          << g.process.err;
    EXPECT_EQ(g.process.exit_code, 0) << "grading completed, whatever the score\n" << g.process.err;
    const std::string text = read_file(json);
    g.report = nlohmann::json::parse(text.empty() ? "{}" : text, nullptr, false);
    EXPECT_TRUE(g.report.contains("katas")) << "no report written\n" << g.process.err;
    EXPECT_EQ(snapshot(source), before) << "grading must not change the submission";
    return g;
}

std::string message(const nlohmann::json& check) {
    return check.value("message", std::string("(missing)"));
}

TEST(Fixtures, CompileErrorQuotesTheStudentsLine) {
    const Graded g = grade_fixture("compile-error");
    const auto& build = g.check("build");
    EXPECT_EQ(build["status"], "fail");
    EXPECT_NE(message(build).find("01-counter/counter.hpp:6:"), std::string::npos)
        << message(build);
    EXPECT_NE(message(build).find("totl_"), std::string::npos) << message(build);
    EXPECT_EQ(g.check("tests")["status"], "skipped");
    EXPECT_EQ(g.report["score"], 0);
}

TEST(Fixtures, MissingFileIsNamed) {
    const Graded g = grade_fixture("missing-file");
    EXPECT_EQ(message(g.check("build")),
              "missing student file: counter.hpp (expected in 01-counter)");
}

TEST(Fixtures, DeadlockNamesTheTestAndTheWaitingLine) {
    const Graded g = grade_fixture("deadlock");
    const auto& tests = g.check("tests");
    EXPECT_EQ(tests["status"], "fail");
    EXPECT_NE(message(tests).find(
                  "timed out, likely deadlock: CounterBasics.StartsAtZeroAndCounts never finished"),
              std::string::npos)
        << message(tests);
    const std::string details = tests["details"].dump();
    EXPECT_NE(details.find("01-counter/counter.hpp:"), std::string::npos)
        << "backtrace summary: " << details;
}

TEST(Fixtures, SegfaultIsACrashVerdict) {
    const Graded g = grade_fixture("segfault");
    const auto& tests = g.check("tests");
    EXPECT_NE(message(tests).find(
                  "crashed during CounterBasics.StartsAtZeroAndCounts: killed by SIGSEGV"),
              std::string::npos)
        << message(tests);
}

TEST(Fixtures, ExitInsideATest) {
    const Graded g = grade_fixture("exit-in-test");
    const auto& tests = g.check("tests");
    EXPECT_NE(message(tests).find("exit() or quick_exit() was called"), std::string::npos)
        << message(tests);
    EXPECT_NE(message(tests).find("CounterBasics.ResetReturnsWhatItReplaced"), std::string::npos)
        << message(tests);
}

TEST(Fixtures, FakeOutputChangesNothing) {
    const Graded g = grade_fixture("fake-output");
    EXPECT_EQ(g.check("tests")["score"], 0) << message(g.check("tests"));
    EXPECT_EQ(g.check("tests")["status"], "fail");
}

TEST(Fixtures, OutputFloodIsCapped) {
    const Graded g = grade_fixture("output-flood");
    EXPECT_EQ(g.check("tests")["status"], "fail");
    EXPECT_NE(g.check("tests")["details"].dump().find("output flood"), std::string::npos);
}

TEST(Fixtures, ExceptionInAWorkerThreadIsACrash) {
    const Graded g = grade_fixture("thread-exception");
    const auto& tests = g.check("tests");
    EXPECT_NE(message(tests).find("killed by SIGABRT"), std::string::npos) << message(tests);
}

}  // namespace
