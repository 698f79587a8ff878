// The manually graded part of a kata (exercise.yaml checks.manual): how exercise.yaml declares
// it, how the grader reports it (pending, outside the automatic total), and how every report
// format shows it. Renderings are compared with tests/unit/golden/manual_pending.<format>;
// regenerate them with INTERLEAVE_UPDATE_GOLDEN=1 after an intended change.
#include "checks/manual_check.hpp"
#include "commands/state.hpp"
#include "course/course.hpp"
#include "report/reporter.hpp"
#include "report_scenarios.hpp"
#include "review/class_summary.hpp"
#include "review/manual_scores.hpp"

#include <gtest/gtest.h>
#include <yaml-cpp/binary.h>

#include <algorithm>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>

namespace fs = std::filesystem;
using namespace interleave;

namespace {

// ---- exercise.yaml ----

class ManualYaml : public ::testing::Test {
  protected:
    void SetUp() override {
        root_ = fs::temp_directory_path() /
                ("interleave-manual-" + std::to_string(::getpid()) + "-" +
                 ::testing::UnitTest::GetInstance()->current_test_info()->name());
        fs::remove_all(root_);
        fs::create_directories(root_ / "exercises" / "05-url-pipeline");
        std::ofstream(root_ / "course.yaml") << "format_version: 1\ntitle: T\n";
    }
    void TearDown() override { fs::remove_all(root_); }

    /// Writes an exercise.yaml whose checks.manual block is `manual` (indented by the caller).
    void write_exercise(const std::string& manual) {
        std::ofstream(root_ / "exercises/05-url-pipeline/exercise.yaml")
            << "format_version: 1\n"
               "id: url-pipeline\n"
               "title: Pipeline\n"
               "student_files: [pipeline.hpp, DESIGN.md]\n"
               "checks:\n"
               "  tests:\n"
               "    points: 50\n"
               "  manual:\n"
            << manual;
    }
    std::string load_error() {
        try {
            load_course(root_);
            return "";
        } catch (const MetadataError& e) {
            return e.what();
        }
    }
    std::string yaml() const {
        return (root_ / "exercises/05-url-pipeline/exercise.yaml").string();
    }

    fs::path root_;
};

TEST_F(ManualYaml, IsReadWithDefaultsAndStaysOutOfMaxPoints) {
    write_exercise("    points: 10\n    file: DESIGN.md\n");
    const Course c = load_course(root_);
    const Exercise& e = c.exercises.at(0);
    ASSERT_TRUE(e.manual.has_value());
    EXPECT_EQ(e.manual->points, 10);
    EXPECT_EQ(e.manual->file, "DESIGN.md");
    EXPECT_EQ(e.manual->check_name(), "design");
    EXPECT_EQ(e.manual->placeholder, "_Your answer._");
    EXPECT_EQ(e.max_points(), 50) << "max_points() is the automatic total";
}

TEST_F(ManualYaml, MissingFileNamesTheLineAndField) {
    write_exercise("    points: 10\n    title: design notes\n");
    EXPECT_EQ(load_error(), yaml() + ":9: checks.manual.file: required field is missing");
}

TEST_F(ManualYaml, FileMustBeAStudentFile) {
    write_exercise("    points: 10\n    file: NOTES.md\n");
    EXPECT_EQ(load_error(), yaml() +
                                ":10: checks.manual.file: \"NOTES.md\" is not one of the kata's "
                                "student_files");
}

TEST_F(ManualYaml, MalformedPointsAndUnknownFieldsNameTheirLine) {
    write_exercise("    points: ten\n    file: DESIGN.md\n");
    EXPECT_NE(load_error().find(":9: checks.manual.points: expected an integer, got \"ten\""),
              std::string::npos)
        << load_error();
    write_exercise("    points: -1\n    file: DESIGN.md\n");
    EXPECT_EQ(load_error(), yaml() + ":9: checks.manual.points: must not be negative");
    write_exercise("    points: 10\n    file: DESIGN.md\n    weight: 2\n");
    EXPECT_EQ(load_error(),
              yaml() + ":11: checks.manual.weight: unknown field (see docs/exercise-yaml.md)");
    write_exercise("    [10, DESIGN.md]\n");
    EXPECT_NE(load_error().find(":9: checks.manual: expected a map"), std::string::npos)
        << load_error();
}

TEST_F(ManualYaml, ACheckNameTheGraderUsesIsRejected) {
    std::ofstream(root_ / "exercises/05-url-pipeline/exercise.yaml")
        << "format_version: 1\nid: url-pipeline\ntitle: P\nstudent_files: [p.hpp, tests.md]\n"
           "checks:\n  tests: {points: 50}\n  manual: {points: 10, file: tests.md}\n";
    EXPECT_NE(load_error().find("checks.manual.file: \"tests.md\" would name the check `tests`"),
              std::string::npos)
        << load_error();
}

TEST(ManualCourse, TheUrlPipelineKataHasAPendingDesignPart) {
    const Course c =
        load_course(fs::path(INTERLEAVE_TEST_DATA).parent_path().parent_path().parent_path());
    const Exercise* e = c.find("url-pipeline");
    ASSERT_NE(e, nullptr);
    ASSERT_TRUE(e->manual.has_value());
    EXPECT_EQ(e->manual->file, "DESIGN.md");
    EXPECT_GT(e->manual->points, 0);
}

// ---- the pending check ----

ManualSpec design_spec() {
    ManualSpec s;
    s.points = 10;
    s.file = "DESIGN.md";
    s.title = "why this model, what bounds memory, what happens on failure";
    return s;
}

TEST(JudgeManual, CountsWordsAndIsAlwaysPending) {
    EXPECT_EQ(count_words("# 1. Threads\n\nThe loop runs -- on the caller.\n"), 8);
    const CheckResult c =
        judge_manual(design_spec(), std::string("# Design\n\nOne loop, four parse threads.\n"));
    EXPECT_EQ(c.name, "design");
    EXPECT_EQ(c.status, CheckStatus::pending);
    EXPECT_DOUBLE_EQ(c.score, 0);
    EXPECT_DOUBLE_EQ(c.max_score, 10);
    EXPECT_EQ(c.message, "manually graded: DESIGN.md (6 words)");
    EXPECT_FALSE(c.data["template"].get<bool>());
    EXPECT_EQ(c.data["words"], 6);
}

TEST(JudgeManual, TheTemplateEmptyOrMissingFileIsFlagged) {
    const CheckResult stub =
        judge_manual(design_spec(),
                     std::string("## 1. Who?\n\n_Your answer._\n\n## 2. Why?\n\n_Your answer._\n"));
    EXPECT_EQ(stub.message,
              "manually graded: DESIGN.md (8 words): still the template, 2 answers "
              "left as \"_Your answer._\"");
    EXPECT_TRUE(stub.data["template"].get<bool>());
    EXPECT_EQ(stub.data["placeholders"], 2);
    const CheckResult empty = judge_manual(design_spec(), std::string("  \n\n"));
    EXPECT_EQ(empty.message, "manually graded: DESIGN.md is empty: still the template");
    const CheckResult missing = judge_manual(design_spec(), std::nullopt);
    EXPECT_EQ(missing.message, "manually graded: DESIGN.md is missing");
    EXPECT_EQ(missing.status, CheckStatus::pending);
}

TEST(JudgeManual, TotalsLeavePendingPointsOut) {
    GradeReport r;
    r.katas.push_back(
        scenarios::kata("url-pipeline", "05-url-pipeline", "Pipeline",
                        {scenarios::check("tests", CheckStatus::pass, 50, 50, "all pass"),
                         judge_manual(design_spec(), std::string("Some words here."))}));
    total_up(r);
    EXPECT_DOUBLE_EQ(r.score, 50);
    EXPECT_DOUBLE_EQ(r.max_score, 50);
    EXPECT_DOUBLE_EQ(r.pending_points, 10);
    EXPECT_EQ(to_string(CheckStatus::pending), "pending");
}

// ---- every report format ----

GradeReport pending_scenario() {
    GradeReport r;
    r.course = "Interleave";
    r.source = "solutions";
    r.seconds = 95.0;
    CheckResult design =
        judge_manual(design_spec(), std::string("The calling thread runs the event loop."));
    design.seconds = 0;
    r.katas.push_back(scenarios::kata(
        "url-pipeline", "05-url-pipeline", "The 50,000-URL pipeline",
        {scenarios::check("build", CheckStatus::pass, 0, 0, "compiles", {},
                          nlohmann::json::object(), 30.0),
         scenarios::check("tests", CheckStatus::pass, 50, 50, "12 of 12 tests pass", {},
                          nlohmann::json::object(), 20.0),
         scenarios::check("tsan", CheckStatus::pass, 20, 20, "no data race found", {},
                          nlohmann::json::object(), 25.0),
         scenarios::check("asan", CheckStatus::pass, 10, 10, "no memory error found", {},
                          nlohmann::json::object(), 10.0),
         scenarios::check("timing", CheckStatus::pass, 20, 20, "every comparison earns full credit",
                          {}, nlohmann::json::object(), 10.0),
         design}));
    total_up(r);
    return r;
}

std::string render(const std::string& format, const GradeReport& report) {
    ReporterContext context;
    context.env = [](const std::string&) -> std::optional<std::string> { return std::nullopt; };
    context.now_utc = [] { return std::string("2026-01-31T12:00:00Z"); };
    const auto reporter = make_reporter(format, TerminalStyle{false, false}, context);
    if (!reporter) return "no reporter for " + format;
    std::ostringstream out;
    reporter->render(report, out);
    return out.str();
}

TEST(ManualFormats, EveryFormatMatchesItsGolden) {
    for (const auto& format : report_format_names()) {
        SCOPED_TRACE(format);
        const std::string actual = render(format, pending_scenario());
        const std::string path = std::string(INTERLEAVE_GOLDEN_DIR) + "/manual_pending." + format;
        if (std::getenv("INTERLEAVE_UPDATE_GOLDEN") != nullptr) {
            std::ofstream(path) << actual;
            continue;
        }
        std::ifstream in(path);
        ASSERT_TRUE(in) << "missing golden file " << path;
        std::stringstream expected;
        expected << in.rdbuf();
        EXPECT_EQ(actual, expected.str()) << "rendering changed; if intended, regenerate " << path;
    }
}

TEST(ManualFormats, TerminalShowsThePendingPartAndTheAutomaticTotal) {
    const std::string out = render("terminal", pending_scenario());
    EXPECT_NE(out.find("PEND design     -/10  manually graded: DESIGN.md (7 words)"),
              std::string::npos)
        << out;
    EXPECT_NE(out.find("Total: 100/100 (100%)"), std::string::npos) << out;
    EXPECT_NE(out.find("automatic total; 10 more points pending manual review"), std::string::npos)
        << out;
}

TEST(ManualFormats, JsonMarksThePendingCheckAndItsPoints) {
    const auto doc = nlohmann::json::parse(render("json", pending_scenario()));
    EXPECT_EQ(doc["score"], 100);
    EXPECT_EQ(doc["max_score"], 100);
    EXPECT_EQ(doc["pending_points"], 10);
    EXPECT_EQ(doc["katas"][0]["pending_points"], 10);
    EXPECT_EQ(doc["katas"][0]["checks"][5]["status"], "pending");
    EXPECT_EQ(doc["katas"][0]["checks"][5]["max_score"], 10);
}

TEST(ManualFormats, PlatformsCountNoPendingPointAsLost) {
    const GradeReport r = pending_scenario();
    // Gradescope: full automatic score; the pending part is listed without a score.
    const auto gs = nlohmann::json::parse(render("gradescope", r));
    EXPECT_DOUBLE_EQ(gs["score"].get<double>(), 100);
    double gs_max = 0;
    for (const auto& t : gs["tests"]) {
        if (t.contains("max_score")) {
            gs_max += t["max_score"].get<double>();
            EXPECT_TRUE(t["status"] == "passed" || t["status"] == "failed");
        } else {
            EXPECT_FALSE(t.contains("score"));
            EXPECT_FALSE(t.contains("status"));
            EXPECT_NE(t["name"].get<std::string>().find("pending manual review"),
                      std::string::npos);
        }
    }
    EXPECT_DOUBLE_EQ(gs_max, 100);
    // Classroom 50: tests add up to score and max-score, and the pending part is not a test.
    const auto c50 = nlohmann::json::parse(render("classroom50", r));
    EXPECT_EQ(c50["score"], 100);
    EXPECT_EQ(c50["max-score"], 100);
    EXPECT_EQ(c50["tests"].size(), 5u);
    // GitHub Classroom: overall pass, max_score the automatic total.
    const std::string classroom = render("classroom", r);
    const auto bytes = YAML::DecodeBase64(classroom.substr(7, classroom.size() - 8));
    const auto gc = nlohmann::json::parse(std::string(bytes.begin(), bytes.end()));
    EXPECT_EQ(gc["status"], "pass");
    EXPECT_EQ(gc["max_score"], 100);
    EXPECT_EQ(gc["tests"].size(), 4u) << "no pending part, no free build pass";
    // PrairieLearn: a full score, the pending part shown with no points either way.
    const auto pl = nlohmann::json::parse(render("prairielearn", r));
    EXPECT_DOUBLE_EQ(pl["score"].get<double>(), 1.0);
    EXPECT_EQ(pl["tests"][5]["max_points"], 0);
    EXPECT_NE(pl["tests"][5]["message"].get<std::string>().find("pending manual review"),
              std::string::npos);
    // JUnit: skipped, not failed.
    const std::string xml = render("junit", r);
    EXPECT_NE(xml.find(R"(tests="6" failures="0" errors="0" skipped="1")"), std::string::npos)
        << xml;
}

}  // namespace

namespace {

TEST(ManualReview, APendingPartHasNoScoreInTheClassSummary) {
    StudentRecord r;
    r.student = "ada";
    r.report = report_to_json(pending_scenario());
    const auto columns = score_columns({r});
    const auto design = std::find_if(columns.begin(), columns.end(),
                                     [](const ScoreColumn& c) { return c.check == "design"; });
    ASSERT_NE(design, columns.end());
    EXPECT_FALSE(column_score(r, *design).has_value());
    EXPECT_EQ(column_status(r, *design), "pending");
    EXPECT_DOUBLE_EQ(r.max_total(), 100) << "the automatic maximum";
}

TEST(ManualReview, AManualScoreFillsThePendingColumn) {
    StudentRecord ada;
    ada.student = "ada";
    ada.report = report_to_json(pending_scenario());
    StudentRecord bob = ada;
    bob.student = "bob";
    std::vector<StudentRecord> records{ada, bob};
    const std::string kata = records[0].report["katas"][0]["id"].get<std::string>();
    apply_manual_scores(records, {{"ada", kata, 4, "thin"},
                                  {"ada", kata, 3.5, "regraded"},
                                  {"bob", "other-kata", 9, ""},
                                  {"carol", kata, 10, ""}});
    const auto columns = score_columns(records);
    const auto design = std::find_if(columns.begin(), columns.end(),
                                     [](const ScoreColumn& c) { return c.check == "design"; });
    ASSERT_NE(design, columns.end());
    EXPECT_EQ(column_score(records[0], *design), std::optional<double>(7.5))
        << "two rows for the same kata add up";
    EXPECT_EQ(column_status(records[0], *design), "pending") << "still a manual part";
    EXPECT_DOUBLE_EQ(records[0].total(), ada.total()) << "the automatic total does not change";
    EXPECT_FALSE(column_score(records[1], *design).has_value()) << "bob's row is for another kata";
    std::ostringstream csv;
    write_summary_csv(records, csv);
    EXPECT_NE(csv.str().find(",7.5,"), std::string::npos) << csv.str();
}

TEST(ManualStudentCommands, APendingPartIsNeverTheNextCheck) {
    GradeReport r = pending_scenario();
    EXPECT_EQ(next_check(r.katas[0]), "") << "full automatic marks: nothing left to rerun";
    r.katas[0].checks[4].status = CheckStatus::fail;
    r.katas[0].checks[4].score = 10;
    total_up(r);
    EXPECT_EQ(next_check(r.katas[0]), "timing");
}

}  // namespace
