// End to end: the real grader grades broken and hostile submissions (tests/fixtures/) with the
// real toolchain, and every one ends in bounded time with the right, readable verdict, no
// grader crash, and no change to the submission's files.
#include "process/process.hpp"
#include "workspace/workspace.hpp"

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include <fcntl.h>
#include <pwd.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <functional>
#include <iterator>
#include <map>
#include <thread>

namespace fs = std::filesystem;
using namespace interleave;

namespace {

struct Graded {
    ProcessOutcome process;
    nlohmann::json report;
    /// The first kata's checks, or none when no report was written.
    nlohmann::json checks() const {
        return report.value("katas", nlohmann::json::array()).empty()
                   ? nlohmann::json::array()
                   : report["katas"][0]["checks"];
    }
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

/// Hashes of every file of the project outside its build folders and .git: what a graded
/// submission must never change.
std::map<std::string, std::size_t> project_hashes() {
    std::map<std::string, std::size_t> files;
    const fs::path root(INTERLEAVE_PROJECT);
    for (auto it = fs::recursive_directory_iterator(root); it != fs::recursive_directory_iterator();
         ++it) {
        const std::string name = it->path().filename().string();
        if (it->is_directory() && (name == ".git" || name.rfind("build", 0) == 0)) {
            it.disable_recursion_pending();
            continue;
        }
        if (it->is_regular_file())
            files[it->path().string()] = std::hash<std::string>{}(read_file(it->path()));
    }
    return files;
}

/// Processes whose command line mentions the e2e build folder (test binaries, their children,
/// compilers): once a grading run has ended, none may be left.
std::vector<std::string> processes_from_the_e2e_build() {
    std::vector<std::string> found;
    const std::string marker = fs::path(INTERLEAVE_E2E_BUILD).string() + "/";
    for (const auto& e : fs::directory_iterator("/proc")) {
        const std::string pid = e.path().filename().string();
        if (pid.empty() || !std::isdigit(static_cast<unsigned char>(pid[0]))) continue;
        if (pid == std::to_string(getpid())) continue;
        std::ifstream in(e.path() / "cmdline");
        std::string cmd((std::istreambuf_iterator<char>(in)), {});
        for (auto& ch : cmd) ch = ch == '\0' ? ' ' : ch;
        if (cmd.find(marker) != std::string::npos) found.push_back(pid + ": " + cmd);
    }
    return found;
}

/// Waits up to `limit` for the stray processes to go (a SIGKILLed group takes a moment).
std::vector<std::string> strays_after(std::chrono::milliseconds limit) {
    const auto end = std::chrono::steady_clock::now() + limit;
    auto strays = processes_from_the_e2e_build();
    while (!strays.empty() && std::chrono::steady_clock::now() < end) {
        std::this_thread::sleep_for(std::chrono::milliseconds(100));
        strays = processes_from_the_e2e_build();
    }
    return strays;
}

std::string join(const std::vector<std::string>& lines) {
    std::string out;
    for (const auto& l : lines) out += l + "\n";
    return out;
}

/// Where fixture `name` lives: tests/fixtures/NAME, or the folder derived_fixture() made.
fs::path fixture_folder(const std::string& name) {
    const fs::path derived = fs::path(INTERLEAVE_E2E_BUILD) / "derived-fixtures" / name;
    return fs::exists(derived) ? derived
                               : fs::path(INTERLEAVE_PROJECT) / "tests" / "fixtures" / name;
}

/// A url-pipeline submission made from a file of the project (the reference, a mutant) with
/// `edits` applied (each: text to find once, its replacement), so that the fixture states only
/// how it differs. Fails the test when a text to find is not there (the base has changed).
void derived_fixture(const std::string& name, const std::string& base,
                     const std::vector<std::pair<std::string, std::string>>& edits) {
    std::string text = read_file(fs::path(INTERLEAVE_PROJECT) / base);
    for (const auto& [find, replace] : edits) {
        const auto at = text.find(find);
        ASSERT_NE(at, std::string::npos) << base << " no longer holds: " << find;
        text.replace(at, find.size(), replace);
    }
    const fs::path dir =
        fs::path(INTERLEAVE_E2E_BUILD) / "derived-fixtures" / name / "05-url-pipeline";
    fs::create_directories(dir);
    std::ofstream(dir / "pipeline.hpp") << text;
    fs::copy_file(fs::path(INTERLEAVE_PROJECT) / "exercises/05-url-pipeline/DESIGN.md",
                  dir / "DESIGN.md", fs::copy_options::overwrite_existing);
}

Graded grade_fixture(const std::string& name, std::vector<std::string> extra = {}) {
    const fs::path source = fixture_folder(name);
    const auto before = snapshot(source);
    const auto project_before = project_hashes();
    const fs::path json = fs::path(INTERLEAVE_E2E_BUILD) / ("report-" + name + ".json");
    fs::remove(json);
    ProcessSpec spec;
    // A fixture is a counter unless it holds another kata's folder.
    const std::string kata =
        fs::exists(source / "05-url-pipeline") ? std::string("url-pipeline") : "counter";
    spec.argv = {INTERLEAVE_BIN,
                 "--root",
                 INTERLEAVE_PROJECT,
                 "--build-dir",
                 INTERLEAVE_E2E_BUILD,
                 "grade",
                 kata,
                 "--source",
                 source.string(),
                 "--no-tsan",
                 "--no-explore",
                 "--no-timing",
                 "--test-timeout",
                 "3",
                 "--format",
                 "json:" + json.string()};
    if (std::find(extra.begin(), extra.end(), "--test-timeout") != extra.end()) {
        // The case sets its own per-test watchdog instead of the default.
        const auto at = std::find(spec.argv.begin(), spec.argv.end(), "--test-timeout");
        spec.argv.erase(at, at + 2);
    }
    if (const auto timed = std::find(extra.begin(), extra.end(), "--timing");
        timed != extra.end()) {
        // The case is graded on its timing too ("--timing" is this helper's word, not kata's).
        extra.erase(timed);
        spec.argv.erase(std::find(spec.argv.begin(), spec.argv.end(), "--no-timing"));
    }
    if (const auto tsan = std::find(extra.begin(), extra.end(), "--tsan"); tsan != extra.end()) {
        extra.erase(tsan);  // likewise: graded under ThreadSanitizer too
        spec.argv.erase(std::find(spec.argv.begin(), spec.argv.end(), "--no-tsan"));
    }
    if (const auto explore = std::find(extra.begin(), extra.end(), "--explore");
        explore != extra.end()) {
        extra.erase(explore);  // likewise: the explorer's scenarios run too
        spec.argv.erase(std::find(spec.argv.begin(), spec.argv.end(), "--no-explore"));
    }
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
    EXPECT_EQ(project_hashes(), project_before)
        << "grading must not change any file outside the build folder";
    const auto strays = strays_after(std::chrono::seconds(3));
    EXPECT_TRUE(strays.empty()) << "processes left behind:\n" << join(strays);
    EXPECT_LT(g.process.elapsed, std::chrono::seconds(150)) << "grading took too long";
    std::string verdict;
    for (const auto& c : g.checks()) {
        if (c["status"] != "skipped")
            verdict += c.value("name", "") + ": " + c.value("message", "") + " | ";
    }
    std::printf("[ fixture  ] %s: %.1f s: %s\n", name.c_str(),
                static_cast<double>(g.process.elapsed.count()) / 1000.0, verdict.c_str());
    return g;
}

std::string message(const nlohmann::json& check) {
    return check.value("message", std::string("(missing)"));
}

/// What must not vary between two grades of the same submission: each check's status and
/// score.
std::string verdict_of(const Graded& g) {
    std::string verdict;
    for (const auto& c : g.checks()) {
        verdict += c.value("name", "") + " " + c.value("status", "") + " " +
                   std::to_string(c.value("score", 0.0)) + "; ";
    }
    return verdict;
}

/// Grades a fixture `runs` times: every grade must give the same verdict (verdict_of). Returns
/// the first.
Graded graded_alike(const std::string& name, const std::vector<std::string>& extra, int runs = 3) {
    const Graded first = grade_fixture(name, extra);
    for (int i = 2; i <= runs; ++i) {
        EXPECT_EQ(verdict_of(grade_fixture(name, extra)), verdict_of(first))
            << name << ": grade " << i << " of the same files gave another verdict";
    }
    return first;
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
    EXPECT_NE(message(tests).find("uncaught exception std::runtime_error: not today"),
              std::string::npos)
        << message(tests);
}

TEST(Fixtures, InfiniteLoopIsAHang) {
    const Graded g = grade_fixture("infinite-loop", {"--test-timeout", "1"});
    EXPECT_NE(message(g.check("tests"))
                  .find("timed out, likely deadlock: CounterBasics.StartsAtZeroAndCounts never"),
              std::string::npos)
        << message(g.check("tests"));
}

TEST(Fixtures, LivelockIsAHang) {
    const Graded g = grade_fixture("livelock", {"--test-timeout", "1"});
    EXPECT_NE(message(g.check("tests"))
                  .find("timed out, likely deadlock: CounterBasics.StartsAtZeroAndCounts never"),
              std::string::npos)
        << message(g.check("tests"));
}

TEST(Fixtures, AbortIsACrash) {
    const Graded g = grade_fixture("abort");
    EXPECT_NE(message(g.check("tests"))
                  .find("crashed during CounterBasics.StartsAtZeroAndCounts: "
                        "killed by SIGABRT"),
              std::string::npos)
        << message(g.check("tests"));
}

TEST(Fixtures, QuickExitInsideATest) {
    const Graded g = grade_fixture("quick-exit");
    EXPECT_NE(message(g.check("tests")).find("exit() or quick_exit() was called"),
              std::string::npos)
        << message(g.check("tests"));
    EXPECT_EQ(g.check("tests")["status"], "fail");
}

TEST(Fixtures, ForkBombIsKilledByTheProcessWatchdog) {
    const Graded g = grade_fixture("fork-bomb");
    EXPECT_NE(message(g.check("tests")).find("killed: too many processes (fork bomb?)"),
              std::string::npos)
        << message(g.check("tests"));
}

TEST(Fixtures, MemoryBombIsKilledByTheMemoryWatchdog) {
    // Page faults are slow on some machines (100 MiB/s here): a low limit keeps the case short,
    // and a generous per-test watchdog leaves the memory watchdog, not the hang detector, to
    // stop it.
    const Graded g =
        grade_fixture("memory-bomb", {"--memory-limit", "256", "--test-timeout", "20"});
    EXPECT_NE(message(g.check("tests")).find("killed: exceeded the memory limit of 256 MiB"),
              std::string::npos)
        << message(g.check("tests"));
}

TEST(Fixtures, DetachedThreadAtExitIsANormalPass) {
    const Graded g = grade_fixture("detached-thread-at-exit");
    EXPECT_EQ(g.check("tests")["status"], "pass") << message(g.check("tests"));
}

TEST(Fixtures, OneHangCostsOneTestAndTheRestAreStillGraded) {
    const Graded g = grade_fixture("one-hang");
    const std::string m = message(g.check("tests"));
    EXPECT_NE(m.find("timed out, likely deadlock: CounterBasics.IncrementIfBelowStopsAtTheLimit "
                     "never finished"),
              std::string::npos)
        << m;
    // The hung test, and the model-based test, which reaches the same hang in the rerun.
    EXPECT_NE(m.find("8 of 11 tests pass"), std::string::npos) << m;
    EXPECT_NEAR(g.check("tests")["score"].get<double>(), 60.0 * 8 / 11, 1e-9);
    EXPECT_NE(g.check("tests")["details"].dump().find("after the hang ran again in a new process"),
              std::string::npos);
}

TEST(Fixtures, DestructorThatNeverReturnsIsAHang) {
    const Graded g = grade_fixture("destructor-never-returns", {"--test-timeout", "1"});
    EXPECT_NE(message(g.check("tests")).find("timed out, likely deadlock"), std::string::npos)
        << message(g.check("tests"));
}

TEST(Fixtures, SleepPastTheDeadlineIsAHang) {
    const Graded g = grade_fixture("sleep-past-deadline", {"--test-timeout", "1"});
    EXPECT_NE(message(g.check("tests"))
                  .find("timed out, likely deadlock: CounterBasics.StartsAtZeroAndCounts never"),
              std::string::npos)
        << message(g.check("tests"));
}

TEST(Fixtures, WritesOutsideTheScratchFolderAreRefusedByDefault) {
    const fs::path home = [] {
        const passwd* pw = getpwuid(getuid());
        return fs::path(pw != nullptr && pw->pw_dir != nullptr ? pw->pw_dir : "/nonexistent");
    }();
    const fs::path escaped_home = home / ".ESCAPED-write-outside-scratch";
    const fs::path escaped_root = fs::path(INTERLEAVE_PROJECT) / "ESCAPED-write-outside-scratch";
    ASSERT_FALSE(fs::exists(escaped_home)) << "left over from an earlier run: " << escaped_home;
    const Graded g = grade_fixture("write-outside-scratch");
    const std::string notes = g.report["notes"].dump();
    if (!bubblewrap_usable()) {
        fs::remove(escaped_home);
        fs::remove(escaped_root);
        fs::remove(fs::path(INTERLEAVE_PROJECT) / "harness" / "ESCAPED-write-outside-scratch");
        GTEST_SKIP() << "bubblewrap is not usable here: " << notes;
    }
    EXPECT_NE(notes.find("read-only filesystem except the scratch folder"), std::string::npos)
        << notes;
    EXPECT_FALSE(fs::exists(escaped_home));
    EXPECT_FALSE(fs::exists(escaped_root));
    EXPECT_EQ(g.check("tests")["status"], "pass") << message(g.check("tests"));
}

/// Puts the kata's harness back as it was, whatever a test did to it.
class HarnessBackup {
  public:
    HarnessBackup() : dir_(fs::path(INTERLEAVE_PROJECT) / "harness" / "01-counter") {
        for (const auto& e : fs::recursive_directory_iterator(dir_)) {
            if (e.is_regular_file()) saved_[e.path()] = read_file(e.path());
        }
    }
    ~HarnessBackup() {
        for (const auto& [path, text] : saved_) {
            if (fs::exists(path) && read_file(path) == text) continue;
            std::ofstream(path, std::ios::binary | std::ios::trunc) << text;
        }
    }
    HarnessBackup(const HarnessBackup&) = delete;
    HarnessBackup& operator=(const HarnessBackup&) = delete;

  private:
    fs::path dir_;
    std::map<fs::path, std::string> saved_;
};

TEST(Fixtures, ASubmissionCannotRewriteTheHarness) {
    if (!bubblewrap_usable()) GTEST_SKIP() << "bubblewrap is not usable here";
    const HarnessBackup backup;
    // grade_fixture also proves that no file of the project changed.
    const Graded g = grade_fixture("harness-rewrite");
    EXPECT_EQ(g.check("tests")["score"], 0) << message(g.check("tests"));
    EXPECT_GT(g.check("tests")["data"]["total"], 1) << "the kata's own tests ran";
}

TEST(Fixtures, AHarnessRewrittenWithoutIsolationGivesNoGrade) {
    // Uncontained, the submission really rewrites the harness: it does so in a copy of the
    // course tree, so that the other tests that build from the project at the same time are
    // not disturbed. The copy gets a build folder of its own (a fresh configure).
    const fs::path project(INTERLEAVE_PROJECT);
    const fs::path tree = fs::path(INTERLEAVE_E2E_BUILD).string() + "-tree-copy";
    fs::remove_all(tree);
    fs::create_directories(tree);
    for (const char* part : {"CMakeLists.txt", "CMakePresets.json", "course.yaml", "cmake",
                             "harness", "exercises", "solutions"}) {
        fs::copy(project / part, tree / part, fs::copy_options::recursive);
    }
    const fs::path source = project / "tests" / "fixtures" / "harness-rewrite";
    const fs::path json = tree / "report.json";
    ProcessSpec spec;
    spec.argv = {INTERLEAVE_BIN,
                 "--root",
                 tree.string(),
                 "--build-dir",
                 (tree / "build").string(),
                 "grade",
                 "counter",
                 "--source",
                 source.string(),
                 "--no-tsan",
                 "--no-timing",
                 "--unsafe-no-isolation",
                 "--format",
                 "json:" + json.string()};
    spec.env = base_environment();
    spec.deadline = std::chrono::minutes(5);
    PosixProcessRunner runner;
    const ProcessOutcome o = runner.run(spec);
    EXPECT_EQ(o.exit_code, 2) << "an infrastructure error, never a grade\n" << o.err;
    EXPECT_NE(o.err.find("harness/01-counter/counter_test.cpp modified"), std::string::npos)
        << o.err;
    EXPECT_NE(o.err.find("no grade is given"), std::string::npos) << o.err;
    EXPECT_FALSE(fs::exists(json) && !read_file(json).empty()) << "no report from a changed tree";
    EXPECT_NE(read_file(tree / "harness" / "01-counter" / "counter_test.cpp"),
              read_file(project / "harness" / "01-counter" / "counter_test.cpp"))
        << "uncontained, the rewrite should have happened (else this test proves nothing)";
    const auto strays = strays_after(std::chrono::seconds(3));
    EXPECT_TRUE(strays.empty()) << "processes left behind:\n" << join(strays);
    fs::remove_all(tree);
}

TEST(Fixtures, ADescendantThatLeftTheGroupDoesNotOutliveTheGrade) {
    // grade_fixture proves that no process of the submission is left.
    const Graded g = grade_fixture("setsid-child");
    EXPECT_EQ(g.check("tests")["status"], "pass") << message(g.check("tests"));
}

TEST(Fixtures, WithoutIsolationTheGraderReapsADescendantThatLeftTheGroup) {
    // No PID namespace: the grader, as the subreaper of its orphans, kills them and says so.
    const Graded g = grade_fixture("setsid-child", {"--unsafe-no-isolation"});
    EXPECT_EQ(g.check("tests")["status"], "pass") << message(g.check("tests"));
    EXPECT_NE(g.check("tests")["details"].dump().find("outside its process group"),
              std::string::npos)
        << g.check("tests").dump();
}

TEST(Fixtures, ReadingTheHarnessChangesNothing) {
    const Graded g = grade_fixture("read-expected-values");
    EXPECT_EQ(g.check("tests")["status"], "pass") << message(g.check("tests"));
}

TEST(Fixtures, ASubmittedHarnessIsIgnored) {
    const Graded g = grade_fixture("harness-edit");
    EXPECT_EQ(g.check("build")["status"], "pass") << message(g.check("build"));
    EXPECT_EQ(g.check("tests")["status"], "fail");
    EXPECT_GT(g.check("tests")["data"]["total"], 1) << "the kata's own tests ran";
}

TEST(Fixtures, EmptyFileDoesNotCompile) {
    const Graded g = grade_fixture("empty-file");
    EXPECT_EQ(g.check("build")["status"], "fail");
    EXPECT_EQ(g.report["score"], 0);
    const std::string in_effect =
        bubblewrap_usable() ? "isolation: bubblewrap: read-only" : "isolation: rlimits + watchdogs";
    EXPECT_NE(g.report["notes"].dump().find(in_effect), std::string::npos)
        << "the report names the isolation in effect: " << g.report["notes"].dump();
}

TEST(Fixtures, AFakeJsonReportIsIgnored) {
    const Graded g = grade_fixture("fake-json-report");
    EXPECT_EQ(g.check("tests")["status"], "fail");
    EXPECT_EQ(g.check("tests")["score"], 0);
    EXPECT_NE(message(g.check("tests")).find("is ignored"), std::string::npos)
        << message(g.check("tests"));
}

/// Tamper evidence of a check, as the JSON report carries it.
std::vector<std::string> tamper(const nlohmann::json& check) {
    std::vector<std::string> found;
    for (const auto& t : check["data"].value("tamper", nlohmann::json::array())) found.push_back(t);
    return found;
}

TEST(Fixtures, AResultsFileRewrittenAtExitChangesNothingAndIsFlagged) {
    const Graded g = grade_fixture("destructor-forges-results");
    const auto& tests = g.check("tests");
    EXPECT_EQ(tests["status"], "fail");
    EXPECT_EQ(tests["score"], 0) << message(tests);
    const auto evidence = tamper(tests);
    ASSERT_FALSE(evidence.empty());
    EXPECT_NE(evidence.front().find("the results file says it passed"), std::string::npos)
        << evidence.front();
}

TEST(Fixtures, RecordsForgedOnTheResultsChannelDoNotCountAndAreFlagged) {
    const Graded g = grade_fixture("channel-forgery", {"--explore"});
    const auto& tests = g.check("tests");
    EXPECT_EQ(tests["score"], 0) << message(tests);
    const auto evidence = tamper(tests);
    ASSERT_FALSE(evidence.empty());
    EXPECT_NE(evidence.front().find("without the harness's token"), std::string::npos)
        << evidence.front();
    // The explorer's report arrives over its own channel: the forged lines are evidence there
    // too, and no forged report passes the check.
    const auto& explore = g.check("explore");
    EXPECT_EQ(explore["status"], "fail") << message(explore);
    EXPECT_FALSE(tamper(explore).empty()) << explore.dump();
}

TEST(Fixtures, AForgedBenchmarkReportEarnsNoTimingCredit) {
    const Graded g = grade_fixture("bench-forgery", {"--timing"});
    const auto& timing = g.check("timing");
    EXPECT_EQ(g.check("tests")["status"], "pass") << message(g.check("tests"));
    EXPECT_EQ(timing["status"], "fail") << message(timing);
    EXPECT_EQ(timing["score"], 0) << message(timing);
    EXPECT_FALSE(tamper(timing).empty()) << timing.dump();
}

TEST(Fixtures, CodeThatChangesUnderASanitizerIsFlagged) {
    const Graded g = grade_fixture("sanitizer-conditional");
    const auto evidence = tamper(g.check("build"));
    ASSERT_FALSE(evidence.empty()) << g.check("build").dump();
    EXPECT_NE(evidence.front().find("01-counter/counter.hpp:7: tests for a sanitizer build"),
              std::string::npos)
        << evidence.front();
}

TEST(Fixtures, AnIncludeOfTheReferenceIsRefused) {
    const Graded g = grade_fixture("include-reference");
    const auto& build = g.check("build");
    EXPECT_EQ(build["status"], "fail");
    EXPECT_NE(message(build).find("includes a file outside the kata's folder"), std::string::npos)
        << message(build);
    EXPECT_FALSE(tamper(build).empty());
    EXPECT_EQ(g.report["score"], 0);
}

TEST(Fixtures, AProgramThatNeverExitsGetsOneVerdictInSeconds) {
    const Graded g = grade_fixture("static-destructor-never-returns", {"--tsan"});
    const auto& tests = g.check("tests");
    EXPECT_EQ(tests["status"], "fail");
    EXPECT_NE(message(tests).find("every test ended, but the test binary never exited"),
              std::string::npos)
        << message(tests);
    EXPECT_NE(message(tests).find("11 of 12"), std::string::npos) << message(tests);
    // The sanitizer run is not graded on a failing suite; it never waits out the hang either.
    EXPECT_NE(g.check("tsan")["status"], "pass");
    // Bounded by the exit grace, not by the deadlines (122 s and 362 s before): the binaries
    // ran seconds each (the TSan build itself may take longer on a fresh build folder).
    EXPECT_LT(tests.value("seconds", 999.0), 20.0) << tests.dump();
    EXPECT_LT(g.check("tsan").value("seconds", 999.0), 40.0) << g.check("tsan").dump();
}

/// Ctrl-C while a test hangs: the grader stops every child and leaves no process behind.
TEST(Interrupt, SigintDuringAHangLeavesNoProcessBehind) {
    const fs::path source = fs::path(INTERLEAVE_PROJECT) / "tests" / "fixtures" / "deadlock";
    const pid_t grader = fork();
    ASSERT_GE(grader, 0);
    if (grader == 0) {
        const int devnull = open("/dev/null", O_RDWR);
        dup2(devnull, STDIN_FILENO);
        dup2(devnull, STDOUT_FILENO);
        dup2(devnull, STDERR_FILENO);
        execl(INTERLEAVE_BIN, INTERLEAVE_BIN, "--root", INTERLEAVE_PROJECT, "--build-dir",
              INTERLEAVE_E2E_BUILD, "grade", "counter", "--source", source.c_str(), "--no-tsan",
              "--no-timing", "--test-timeout", "60", static_cast<char*>(nullptr));
        _exit(127);
    }
    // Wait for the hanging test binary to run.
    const auto give_up = std::chrono::steady_clock::now() + std::chrono::minutes(3);
    bool running = false;
    while (!running && std::chrono::steady_clock::now() < give_up) {
        for (const auto& p : processes_from_the_e2e_build()) {
            if (p.find("counter_tests --gtest_output") != std::string::npos &&
                p.find("--gtest_list_tests") == std::string::npos)
                running = true;
        }
        if (!running) std::this_thread::sleep_for(std::chrono::milliseconds(200));
    }
    EXPECT_TRUE(running) << "the test binary never started";
    std::this_thread::sleep_for(std::chrono::milliseconds(500));
    kill(grader, SIGINT);
    int status = 0;
    const auto stop_by = std::chrono::steady_clock::now() + std::chrono::seconds(10);
    pid_t done = 0;
    while ((done = waitpid(grader, &status, WNOHANG)) == 0 &&
           std::chrono::steady_clock::now() < stop_by) {
        std::this_thread::sleep_for(std::chrono::milliseconds(50));
    }
    if (done == 0) {
        kill(grader, SIGKILL);
        waitpid(grader, &status, 0);
        ADD_FAILURE() << "the grader did not stop within 10 s of SIGINT";
    }
    EXPECT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 128 + SIGINT) << status;
    const auto strays = strays_after(std::chrono::seconds(3));
    EXPECT_TRUE(strays.empty()) << "processes left behind:\n" << join(strays);
}

// ---------------------------------------------------------------------------------------------
// Verdicts that never depend on luck, each graded three times (url-pipeline fixtures)
// ---------------------------------------------------------------------------------------------

TEST(Fixtures, AMissingWorkGuardFailsTheSameTestEveryTime) {
    derived_fixture("pipeline-no-work-guard",
                    "tests/mutants/url-pipeline/no-work-guard/pipeline.hpp", {});
    const Graded g = graded_alike("pipeline-no-work-guard", {"--no-asan", "--test-timeout", "20"});
    EXPECT_EQ(g.check("tests")["status"], "fail");
    EXPECT_NE(message(g.check("tests")).find("TheLoopWaitsForTheLastPageToBeParsed"),
              std::string::npos)
        << message(g.check("tests"));
    EXPECT_NE(message(g.check("tests")).find("executor_work_guard"), std::string::npos);
}

TEST(Fixtures, ABugOnlyTheBenchmarkReachesIsAFailQuotingIt) {
    // Stops at 30,000 URLs: only the 50,000-URL benchmark gets that far.
    derived_fixture("pipeline-loses-urls-at-scale", "solutions/05-url-pipeline/pipeline.hpp",
                    {{"pipeline_detail::Crawler(web, urls, limits, sink).run();",
                      "const std::vector<std::string> first(urls.begin(), urls.begin() + "
                      "static_cast<std::ptrdiff_t>(std::min<std::size_t>(urls.size(), 30000)));\n"
                      "    pipeline_detail::Crawler(web, first, limits, sink).run();"}});
    const Graded g = graded_alike("pipeline-loses-urls-at-scale",
                                  {"--no-asan", "--timing", "--test-timeout", "20"});
    EXPECT_EQ(g.check("tests")["status"], "pass");
    EXPECT_EQ(g.check("timing")["status"], "fail") << "the student's bug, never ERR";
    EXPECT_NE(message(g.check("timing")).find("the benchmark stopped on your code"),
              std::string::npos)
        << message(g.check("timing"));
}

TEST(Fixtures, AnExceptionOnlyTheBenchmarkReachesIsNamed) {
    // Throws past 10,000 URLs: only the benchmark gets that far.
    derived_fixture("pipeline-throws-at-scale", "solutions/05-url-pipeline/pipeline.hpp",
                    {{"#include <algorithm>\n", "#include <algorithm>\n#include <stdexcept>\n"},
                     {"pipeline_detail::Crawler(web, urls, limits, sink).run();",
                      "if (urls.size() > 10000)\n"
                      "        throw std::length_error(\"more than 10000 URLs: the crawler has no "
                      "room for them\");\n"
                      "    pipeline_detail::Crawler(web, urls, limits, sink).run();"}});
    const Graded g =
        graded_alike("pipeline-throws-at-scale", {"--no-asan", "--timing", "--test-timeout", "20"});
    EXPECT_EQ(g.check("tests")["status"], "pass");
    EXPECT_EQ(g.check("timing")["status"], "fail");
    EXPECT_NE(message(g.check("timing")).find("std::length_error: more than 10000 URLs"),
              std::string::npos)
        << message(g.check("timing"));
}

TEST(Fixtures, ATestThatFailsOnlyUnderAddressSanitizerIsNamed) {
    // Built with AddressSanitizer, it forgets the last URL: tests fail only in that build.
    derived_fixture("pipeline-fails-only-under-asan", "solutions/05-url-pipeline/pipeline.hpp",
                    {{"pipeline_detail::Crawler(web, urls, limits, sink).run();",
                      "std::vector<std::string> all(urls);\n"
                      "#if defined(__SANITIZE_ADDRESS__)\n"
                      "    all.pop_back();\n"
                      "#elif defined(__has_feature)\n"
                      "#if __has_feature(address_sanitizer)\n"
                      "    if (!all.empty()) all.pop_back();\n"
                      "#endif\n"
                      "#endif\n"
                      "    pipeline_detail::Crawler(web, all, limits, sink).run();"}});
    const Graded g = graded_alike("pipeline-fails-only-under-asan", {"--test-timeout", "20"});
    EXPECT_EQ(g.check("tests")["status"], "pass");
    const auto& asan = g.check("asan");
    std::string details;
    for (const auto& d : asan.value("details", nlohmann::json::array()))
        details += d.get<std::string>() + "\n";
    EXPECT_NE(details.find("failed in the AddressSanitizer build: "), std::string::npos) << details;
    EXPECT_NE(details.find("Correctness.SmallInputEveryUrlExactlyOnceWithTheRightResult"),
              std::string::npos)
        << details;
}

}  // namespace
