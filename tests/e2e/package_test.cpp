// End to end: `interleave package` builds Gradescope and PrairieLearn packages, and their entry
// scripts, run in a stand-in for the platform's folders, grade a submission and leave the
// platform's results.json. Grades the counter kata only, without TSan and timing.
//
// The results.json checks need the grader's `gradescope` and `prairielearn` report formats.
#include "process/process.hpp"
#include "workspace/workspace.hpp"

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include <filesystem>
#include <fstream>

namespace fs = std::filesystem;
using namespace interleave;

namespace {

const fs::path kWork = INTERLEAVE_PACKAGE_WORK;
/// Both platforms' packages are unpacked here in turn, so that they share one build tree.
const fs::path kCourse = kWork / "gradescope" / "source";
const fs::path kBuild = kWork / "grade-build";

ProcessOutcome run(std::vector<std::string> argv, const fs::path& cwd,
                   const std::map<std::string, std::string>& extra = {}) {
    ProcessSpec spec;
    spec.argv = std::move(argv);
    spec.env = base_environment();
    for (const auto& [k, v] : extra) spec.env[k] = v;
    spec.cwd = cwd;
    spec.deadline = std::chrono::minutes(5);
    PosixProcessRunner runner;
    return runner.run(spec);
}

/// Empties `dir` (the course location) and returns it, created.
fs::path fresh(const fs::path& dir) {
    fs::remove_all(dir);
    fs::create_directories(dir);
    return dir;
}

fs::path package(const std::string& target, const std::string& out_name) {
    const fs::path out = kWork / out_name;
    fs::create_directories(kWork);
    fs::remove_all(out);
    const auto p =
        run({INTERLEAVE_BIN, "--root", INTERLEAVE_PROJECT, "package", target, out.string()}, kWork);
    EXPECT_TRUE(p.ok()) << p.describe() << "\n" << p.out << p.err;
    return out;
}

void unzip(const fs::path& zip, const fs::path& into) {
    const auto p = run({"cmake", "-E", "tar", "xf", zip.string()}, into);
    ASSERT_TRUE(p.ok()) << p.describe() << "\n" << p.err;
}

/// Empties the submission folder, then puts the counter file taken from `from` (solutions/ or
/// exercises/) at `relative` inside it.
void submit(const fs::path& submission, const fs::path& relative, const std::string& from) {
    fs::remove_all(submission);
    fs::create_directories((submission / relative).parent_path());
    fs::copy_file(fs::path(INTERLEAVE_PROJECT) / from / "01-counter" / "counter.hpp",
                  submission / relative);
}

/// Runs a platform entry script the way the platform would, grading the counter kata only.
ProcessOutcome run_entry(const fs::path& script, const std::string& root_var,
                         const fs::path& root) {
    return run({"bash", script.string()}, root,
               {{root_var, root.string()},
                {"KATA_COMMAND", std::string(INTERLEAVE_BIN) + " --root " + kCourse.string() +
                                     " --build-dir " + kBuild.string()},
                {"KATA_GRADE_OPTS", "counter --no-tsan --no-timing --test-timeout 10"}});
}

nlohmann::json read_json(const fs::path& path) {
    const std::string text = read_file(path);
    return nlohmann::json::parse(text.empty() ? "null" : text, nullptr, false);
}

/// Whether the grader knows the report format (`grade --help` lists every format). The entry
/// scripts ask for `gradescope` and `prairielearn`; a grader without them makes the grading
/// tests skip, loudly, instead of failing on a missing feature.
bool grader_has_format(const std::string& name) {
    const auto p = run({INTERLEAVE_BIN, "grade", "--help"}, INTERLEAVE_PROJECT);
    return p.out.find(name) != std::string::npos;
}

const nlohmann::json* find_test(const nlohmann::json& results, const std::string& name) {
    if (!results.contains("tests")) return nullptr;
    for (const auto& t : results["tests"]) {
        if (t.value("name", "") == name) return &t;
    }
    return nullptr;
}

TEST(Package, GradescopeZipHasTheEntryScriptsAndNoSolutions) {
    const fs::path zip = package("gradescope", "gradescope.zip");
    const fs::path course = fresh(kCourse);
    unzip(zip, course);
    for (const char* script : {"setup.sh", "run_autograder", "kata"}) {
        ASSERT_TRUE(fs::is_regular_file(course / script)) << script;
        EXPECT_NE(fs::status(course / script).permissions() & fs::perms::owner_exec,
                  fs::perms::none)
            << script << " must stay executable";
    }
    EXPECT_TRUE(fs::is_regular_file(course / "course.yaml"));
    EXPECT_TRUE(fs::is_regular_file(course / "harness" / "01-counter" / "counter_test.cpp"));
    EXPECT_FALSE(fs::exists(course / "solutions"));
    EXPECT_FALSE(fs::exists(course / "tests" / "mutants"));
    EXPECT_NE(read_file(course / "student_files.txt").find("01-counter/counter.hpp\n"),
              std::string::npos);
    // setup.sh installs through the launcher, whose list is the single source of dependencies.
    EXPECT_NE(read_file(course / "setup.sh").find("./kata grade --help"), std::string::npos);
}

TEST(Package, GradescopeGradesTheReferenceAndTheStub) {
    if (!grader_has_format("gradescope")) GTEST_SKIP() << "no gradescope report format";
    const fs::path root = kWork / "gradescope";
    if (!fs::is_regular_file(kCourse / "run_autograder")) {
        unzip(package("gradescope", "gradescope.zip"), fresh(kCourse));
    }
    const fs::path results = root / "results" / "results.json";

    // The reference, in the repository's own layout (exercises/NN-name/FILE).
    submit(root / "submission", "exercises/01-counter/counter.hpp", "solutions");
    auto p = run_entry(kCourse / "run_autograder", "AUTOGRADER_ROOT", root);
    EXPECT_TRUE(p.ok()) << p.describe() << "\n" << p.out << p.err;
    auto json = read_json(results);
    ASSERT_TRUE(json.is_object()) << read_file(results) << "\n" << p.out << p.err;
    const auto* tests = find_test(json, "01-counter tests");
    ASSERT_NE(tests, nullptr) << json.dump(2);
    EXPECT_GT((*tests)["max_score"].get<double>(), 0);
    EXPECT_EQ((*tests)["score"], (*tests)["max_score"]) << json.dump(2);
    EXPECT_EQ((*tests)["status"], "passed");
    EXPECT_GE(json["score"].get<double>(), (*tests)["score"].get<double>());
    EXPECT_TRUE(json.contains("output"));
    EXPECT_TRUE(json.contains("execution_time"));
    EXPECT_EQ((*tests)["visibility"], "visible");

    // The stub, as a file at the submission's root.
    submit(root / "submission", "counter.hpp", "exercises");
    p = run_entry(kCourse / "run_autograder", "AUTOGRADER_ROOT", root);
    EXPECT_TRUE(p.ok()) << p.describe() << "\n" << p.out << p.err;
    json = read_json(results);
    tests = find_test(json, "01-counter tests");
    ASSERT_NE(tests, nullptr) << json.dump(2);
    EXPECT_EQ((*tests)["score"].get<double>(), 0) << json.dump(2);
    EXPECT_EQ((*tests)["status"], "failed");
}

TEST(Package, GradescopeWritesAZeroScoreWhenTheGraderCannotRun) {
    const fs::path root = kWork / "gradescope";
    if (!fs::is_regular_file(kCourse / "run_autograder")) {
        unzip(package("gradescope", "gradescope.zip"), fresh(kCourse));
    }
    submit(root / "submission", "01-counter/counter.hpp", "exercises");
    const auto p = run({"bash", (kCourse / "run_autograder").string()}, root,
                       {{"AUTOGRADER_ROOT", root.string()},
                        {"KATA_COMMAND", "/nonexistent/interleave \"quoted\""}});
    EXPECT_TRUE(p.ok()) << p.describe() << "\n" << p.out << p.err;
    const auto json = read_json(root / "results" / "results.json");
    ASSERT_TRUE(json.is_object()) << read_file(root / "results" / "results.json");
    EXPECT_EQ(json["score"], 0);
    EXPECT_NE(json["output"].get<std::string>().find("/nonexistent/interleave"), std::string::npos)
        << json.dump(2);
}

TEST(Package, PrairieLearnFolderGradesTheReferenceAndTheStub) {
    if (!grader_has_format("prairielearn")) GTEST_SKIP() << "no prairielearn report format";
    const fs::path folder = package("prairielearn", "prairielearn");
    ASSERT_TRUE(fs::is_regular_file(folder / "run_grader"));
    ASSERT_TRUE(fs::is_regular_file(folder / "Dockerfile"));
    const auto info = read_json(folder / "info.json.example");
    ASSERT_TRUE(info.is_object());
    EXPECT_EQ(info["externalGradingOptions"]["entrypoint"], "/interleave/run_grader");
    EXPECT_FALSE(fs::exists(folder / "solutions"));
    const fs::path zip = package("prairielearn", "prairielearn.zip");

    // The course goes where the Gradescope test unpacked its course, so both share one build
    // tree; the zip keeps the files' time stamps, so nothing is rebuilt for the move.
    const fs::path course = fresh(kCourse);
    unzip(zip, course);
    ASSERT_TRUE(fs::is_regular_file(course / "run_grader"));
    const fs::path root = kWork / "prairielearn-grade";
    const fs::path results = root / "results" / "results.json";

    submit(root / "student", "counter.hpp", "solutions");
    auto p = run_entry(course / "run_grader", "PL_GRADE_ROOT", root);
    EXPECT_TRUE(p.ok()) << p.describe() << "\n" << p.out << p.err;
    auto json = read_json(results);
    ASSERT_TRUE(json.is_object()) << read_file(results) << "\n" << p.out << p.err;
    EXPECT_EQ(json["gradable"], true);
    EXPECT_TRUE(json["message"].is_string());
    EXPECT_GT(json["score"].get<double>(), 0);
    EXPECT_LE(json["score"].get<double>(), 1);
    const auto* tests = find_test(json, "01-counter tests");
    ASSERT_NE(tests, nullptr) << json.dump(2);
    EXPECT_GT((*tests)["max_points"].get<double>(), 0);
    EXPECT_EQ((*tests)["points"], (*tests)["max_points"]) << json.dump(2);

    submit(root / "student", "01-counter/counter.hpp", "exercises");
    p = run_entry(course / "run_grader", "PL_GRADE_ROOT", root);
    EXPECT_TRUE(p.ok()) << p.describe() << "\n" << p.out << p.err;
    json = read_json(results);
    tests = find_test(json, "01-counter tests");
    ASSERT_NE(tests, nullptr) << json.dump(2);
    EXPECT_EQ((*tests)["points"].get<double>(), 0) << json.dump(2);

    // One image for every question: the question's tests/kata_options (PrairieLearn copies a
    // question's tests/ folder to ROOT/tests) picks the kata when the image sets no options.
    submit(root / "student", "counter.hpp", "solutions");
    fs::create_directories(root / "tests");
    std::ofstream(root / "tests" / "kata_options")
        << "counter --no-tsan --no-timing --test-timeout 10\n";
    p = run({"bash", (course / "run_grader").string()}, root,
            {{"PL_GRADE_ROOT", root.string()},
             {"KATA_COMMAND", std::string(INTERLEAVE_BIN) + " --root " + kCourse.string() +
                                  " --build-dir " + kBuild.string()},
             {"KATA_GRADE_OPTS", ""}});
    EXPECT_TRUE(p.ok()) << p.describe() << "\n" << p.out << p.err;
    json = read_json(results);
    ASSERT_TRUE(json.is_object()) << read_file(results) << "\n" << p.out << p.err;
    EXPECT_DOUBLE_EQ(json["score"].get<double>(), 1.0) << json.dump(2);
    for (const auto& t : json["tests"])
        EXPECT_EQ(t["name"].get<std::string>().rfind("01-counter ", 0), 0U)
            << "only the question's kata is graded: " << t["name"];
    fs::remove_all(root / "tests");
}

}  // namespace
