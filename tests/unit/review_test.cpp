// `kata review`: roster and shards, the tamper report, resumable grading with a fake grader,
// and the class summaries (CSV, Markdown, HTML, final.csv).
#include "report/report.hpp"
#include "report/reporter.hpp"
#include "review/class_summary.hpp"
#include "review/fingerprint.hpp"
#include "review/manual_scores.hpp"
#include "review/review_run.hpp"
#include "review/roster.hpp"
#include "review/summary_html.hpp"
#include "review/tamper.hpp"
#include "workspace/workspace.hpp"

#include <gtest/gtest.h>

#include <atomic>
#include <fstream>
#include <set>
#include <sstream>
#include <thread>

namespace fs = std::filesystem;
using namespace interleave;

namespace {

/// A fresh folder under the system temp folder, removed at the end of the test.
class TempDir {
  public:
    TempDir() {
        path_ =
            fs::temp_directory_path() /
            ("review-test-" + std::to_string(::testing::UnitTest::GetInstance()->random_seed()) +
             "-" + ::testing::UnitTest::GetInstance()->current_test_info()->name());
        fs::remove_all(path_);
        fs::create_directories(path_);
    }
    ~TempDir() { fs::remove_all(path_); }
    const fs::path& path() const { return path_; }

  private:
    fs::path path_;
};

void write(const fs::path& path, const std::string& text) {
    fs::create_directories(path.parent_path());
    std::ofstream(path) << text;
}

Course counter_course(const fs::path& root) {
    Course c;
    c.title = "Test course";
    c.root = root;
    Exercise e;
    e.id = "counter";
    e.folder = "01-counter";
    e.student_files = {"counter.hpp"};
    c.exercises.push_back(e);
    return c;
}

/// A repo whose counter.hpp says how many points the fake grader gives ("60", "throw").
fs::path make_repo(const fs::path& dir, const std::string& content) {
    write(dir / "exercises" / "01-counter" / "counter.hpp", content);
    return dir;
}

GradeReport report_with(double tests, const std::string& message) {
    GradeReport r;
    r.course = "Test course";
    KataReport k;
    k.id = "counter";
    k.folder = "01-counter";
    CheckResult build;
    build.name = "build";
    build.status = CheckStatus::pass;
    k.checks.push_back(build);
    CheckResult t;
    t.name = "tests";
    t.status = tests == 60 ? CheckStatus::pass : CheckStatus::fail;
    t.score = tests;
    t.max_score = 60;
    t.message = message;
    k.checks.push_back(t);
    CheckResult tsan;
    tsan.name = "tsan";
    tsan.status = CheckStatus::skipped;
    tsan.max_score = 20;
    k.checks.push_back(tsan);
    r.katas.push_back(k);
    total_up(r.katas.back());
    total_up(r);
    return r;
}

/// Grades from the file's content: a number is the tests score, "throw" throws.
class FakeGrader final : public SubmissionGrader {
  public:
    GradeReport grade(const Submission& s, int slot) override {
        ++calls;
        // Long enough that every thread takes a submission.
        std::this_thread::sleep_for(std::chrono::milliseconds(50));
        {
            std::lock_guard lock(mutex);
            slots.insert(slot);
        }
        const std::string text = read_file(s.repo / "exercises" / "01-counter" / "counter.hpp");
        if (text == "throw") throw std::runtime_error("the build tree is broken");
        const double points = std::stod(text);
        return report_with(points, points == 60 ? "8 of 8 tests pass" : "2 of 8 tests fail");
    }
    std::atomic<int> calls{0};
    std::mutex mutex;
    std::set<int> slots;
};

StudentRecord record(const std::string& student, double tests, const std::string& message) {
    StudentRecord r;
    r.student = student;
    r.report = report_to_json(report_with(tests, message));
    return r;
}

}  // namespace

TEST(Roster, SplitsQuotedCsvFields) {
    EXPECT_EQ(split_csv_line("a, \"b, c\" ,\"say \"\"hi\"\"\""),
              (std::vector<std::string>{"a", "b, c", "say \"hi\""}));
}

TEST(Roster, ReadsRosterRelativeToItsFolder) {
    TempDir tmp;
    write(tmp.path() / "roster.csv", "student,path\nbob,repos/bob\n\nalice,/abs/alice\n");
    const auto r = read_roster(tmp.path() / "roster.csv");
    ASSERT_EQ(r.size(), 2U);
    EXPECT_EQ(r[0].student, "bob");
    EXPECT_EQ(r[0].repo, tmp.path() / "repos" / "bob");
    EXPECT_EQ(r[1].repo, fs::path("/abs/alice"));
    write(tmp.path() / "bad.csv", "student,path\ncarol\n");
    try {
        read_roster(tmp.path() / "bad.csv");
        FAIL() << "a row without a path must be rejected";
    } catch (const std::invalid_argument& e) {
        EXPECT_NE(std::string(e.what()).find("bad.csv:2"), std::string::npos) << e.what();
    }
}

TEST(Roster, DiscoversRepositoriesInClassFolders) {
    TempDir tmp;
    make_repo(tmp.path() / "class" / "bob", "1");
    make_repo(tmp.path() / "class" / "alice", "1");
    fs::create_directories(tmp.path() / "class" / "not-a-repo");
    make_repo(tmp.path() / "carol", "1");
    const auto all =
        sorted_class(discover_submissions({tmp.path() / "class", tmp.path() / "carol"}));
    ASSERT_EQ(all.size(), 3U);
    EXPECT_EQ(all[0].student, "alice");
    EXPECT_EQ(all[2].student, "carol");
    EXPECT_THROW(discover_submissions({tmp.path() / "class" / "not-a-repo"}),
                 std::invalid_argument);
    EXPECT_THROW(sorted_class({{"x", "/a"}, {"x", "/b"}}), std::invalid_argument);
}

TEST(Roster, ShardsPartitionTheClassByName) {
    std::vector<Submission> all;
    for (const char* n : {"e", "a", "d", "b", "c"}) all.push_back({n, "/r"});
    all = sorted_class(all);
    const auto one = take_shard(all, parse_shard("1/2"));
    const auto two = take_shard(all, parse_shard("2/2"));
    ASSERT_EQ(one.size(), 3U);
    ASSERT_EQ(two.size(), 2U);
    EXPECT_EQ(one[1].student, "c");
    EXPECT_EQ(two[0].student, "b");
    EXPECT_EQ(two[1].student, "d");
    EXPECT_THROW(parse_shard("3/2"), std::invalid_argument);
    EXPECT_THROW(parse_shard("0/2"), std::invalid_argument);
    EXPECT_THROW(parse_shard("1of2"), std::invalid_argument);
}

TEST(Tamper, ListsChangedAndAddedFilesButNotStudentFiles) {
    TempDir tmp;
    const fs::path tree = tmp.path() / "tree";
    write(tree / "harness" / "01-counter" / "counter_test.cpp", "TEST(a) {}");
    write(tree / "exercises" / "01-counter" / "exercise.yaml", "id: counter");
    write(tree / "exercises" / "01-counter" / "counter.hpp", "stub");
    write(tree / "CMakeLists.txt", "project(x)");
    const fs::path repo = tmp.path() / "repo";
    write(repo / "harness" / "01-counter" / "counter_test.cpp", "TEST(a) { SUCCEED(); }");
    write(repo / "exercises" / "01-counter" / "exercise.yaml", "id: counter");
    write(repo / "exercises" / "01-counter" / "counter.hpp", "the student's answer");
    write(repo / "tests" / "extra.cpp", "x");
    write(repo / "CMakeLists.txt", "project(x)");
    write(repo / "harness" / "build" / "junk.o", "x");
    const auto found = find_tampering(counter_course(tree), tree, repo);
    ASSERT_EQ(found.size(), 2U);
    EXPECT_EQ(found[0].path, "harness/01-counter/counter_test.cpp");
    EXPECT_EQ(found[0].change, "modified");
    EXPECT_EQ(found[1].path, "tests/extra.cpp");
    EXPECT_EQ(found[1].change, "added");
    EXPECT_TRUE(find_tampering(counter_course(tree), tree, tmp.path() / "empty").empty());
}

TEST(Review, GradesEveryoneRecordsErrorsAndReusesUnchangedWork) {
    TempDir tmp;
    const Course course = counter_course(tmp.path() / "tree");
    ReviewPlan plan;
    plan.course = &course;
    plan.katas = {&course.exercises[0]};
    plan.out = tmp.path() / "out";
    plan.salt = "v1";
    plan.jobs = 3;
    for (const auto& [name, content] : std::vector<std::pair<std::string, std::string>>{
             {"alice", "60"}, {"bob", "20"}, {"carol", "throw"}, {"dave", "60"}, {"erin", "0"}})
        plan.students.push_back({name, make_repo(tmp.path() / "class" / name, content)});
    FakeGrader grader;
    ReviewTally first;
    std::vector<std::string> lines;
    const auto records = review_class(
        plan, grader, [&](const std::string& l) { lines.push_back(l); }, first);
    ASSERT_EQ(records.size(), 5U);
    EXPECT_EQ(first.graded, 5);
    EXPECT_EQ(first.errors, 1);
    EXPECT_EQ(records[0].total(), 60);
    EXPECT_EQ(records[1].total(), 20);
    EXPECT_NE(records[2].error.find("the build tree is broken"), std::string::npos);
    EXPECT_GT(grader.slots.size(), 1U) << "submissions run in several slots";
    EXPECT_TRUE(fs::exists(plan.out / "students" / "alice" / "report.json"));
    EXPECT_TRUE(fs::exists(plan.out / "students" / "alice" / "report.txt"));

    // Unchanged students are reused; the one with an error and the changed one are regraded.
    write(tmp.path() / "class" / "bob" / "exercises" / "01-counter" / "counter.hpp", "60");
    grader.calls = 0;
    ReviewTally second;
    lines.clear();
    const auto again = review_class(
        plan, grader, [&](const std::string& l) { lines.push_back(l); }, second);
    EXPECT_EQ(second.reused, 3);
    EXPECT_EQ(second.graded, 2);
    EXPECT_EQ(grader.calls, 2);
    EXPECT_EQ(again[1].total(), 60);
    EXPECT_EQ(std::count_if(lines.begin(), lines.end(),
                            [](const std::string& l) {
                                return l.find("unchanged, reused") != std::string::npos;
                            }),
              3);

    // Another grader version (salt) regrades everyone.
    plan.salt = "v2";
    ReviewTally third;
    review_class(plan, grader, {}, third);
    EXPECT_EQ(third.reused, 0);
}

TEST(Summary, CsvAndMarkdownHaveOneColumnPerCheckWorthPoints) {
    std::vector<StudentRecord> rs{record("alice", 60, "ok"), record("bob", 0, "2 of 8 fail")};
    rs[1].tamper.push_back({"harness/x.cpp", "modified"});
    StudentRecord broken;
    broken.student = "carol";
    broken.error = "grading carol failed: boom";
    rs.push_back(broken);
    std::ostringstream csv;
    write_summary_csv(rs, csv);
    EXPECT_EQ(csv.str(),
              "student,counter.tests,counter.tsan,total,max,tamper,error\n"
              "alice,60,0,60,80,no,\n"
              "bob,0,0,0,80,yes,\n"
              "carol,,,0,0,no,grading carol failed: boom\n");
    std::ostringstream md;
    write_summary_markdown(rs, md);
    EXPECT_NE(md.str().find("| bob | 0 | 0 | 0 / 80 | yes (1) |  |"), std::string::npos)
        << md.str();
}

TEST(Summary, HtmlHasEverySectionAndEscapesStudentText) {
    std::vector<StudentRecord> rs{record("alice", 60, "ok"), record("bob", 0, "2 of 8 fail"),
                                  record("dan", 0, "3 of 8 fail")};
    rs[1].tamper.push_back({"harness/x.cpp", "modified"});
    rs[0].designs.push_back({"exercises/05-url-pipeline/DESIGN.md", "<script>alert(1)</script>"});
    std::ostringstream html;
    write_summary_html(rs, html);
    const std::string page = html.str();
    for (const char* id : {"scores", "distribution", "failures", "tamper", "design"})
        EXPECT_NE(page.find(std::string("id=\"") + id + "\""), std::string::npos) << id;
    EXPECT_EQ(page.find("<script>"), std::string::npos);
    EXPECT_NE(page.find("&lt;script&gt;alert(1)&lt;/script&gt;"), std::string::npos);
    EXPECT_NE(page.find("<td>2</td><td>counter tests: 2 of 8 fail</td>"), std::string::npos);
    EXPECT_NE(page.find("harness/x.cpp (modified)"), std::string::npos);
}

TEST(Summary, FinalCsvAddsManualScores) {
    TempDir tmp;
    write(tmp.path() / "manual.csv",
          "student,kata,points,comment\nalice,url-pipeline,8,\"clear, short\"\nzed,counter,1,\n");
    const auto manual = read_manual_scores(tmp.path() / "manual.csv");
    ASSERT_EQ(manual.size(), 2U);
    std::ostringstream out;
    write_final_csv({record("alice", 60, "ok")}, manual, out);
    EXPECT_EQ(out.str(),
              "student,automatic,manual,final,automatic_max,tamper,comments\n"
              "alice,60,8,68,80,no,\"url-pipeline: clear, short\"\n");
    write(tmp.path() / "bad.csv", "alice,counter,lots,\n");
    EXPECT_THROW(read_manual_scores(tmp.path() / "bad.csv"), std::invalid_argument);
}

TEST(Summary, MergeJoinsShardsAndRejectsAStudentTwice) {
    TempDir tmp;
    save_record(tmp.path() / "a" / "students" / "alice", record("alice", 60, "ok"));
    save_record(tmp.path() / "b" / "students" / "bob", record("bob", 0, "x"));
    const auto all = merge_shards({tmp.path() / "a", tmp.path() / "b"}, tmp.path() / "all");
    ASSERT_EQ(all.size(), 2U);
    EXPECT_TRUE(fs::exists(tmp.path() / "all" / "students" / "bob" / "review.json"));
    save_record(tmp.path() / "c" / "students" / "bob", record("bob", 0, "x"));
    EXPECT_THROW(merge_shards({tmp.path() / "b", tmp.path() / "c"}, tmp.path() / "all2"),
                 std::invalid_argument);
}

TEST(Fingerprint, ChangesWithTheStudentFileAndTheHarness) {
    TempDir tmp;
    Course course = counter_course(tmp.path() / "tree");
    course.exercises[0].yaml_path =
        tmp.path() / "tree" / "exercises" / "01-counter" / "exercise.yaml";
    write(course.exercises[0].yaml_path, "id: counter");
    write(tmp.path() / "tree" / "harness" / "01-counter" / "counter_test.cpp", "TEST(a) {}");
    const std::vector<const Exercise*> katas{&course.exercises[0]};
    const fs::path repo = make_repo(tmp.path() / "repo", "60");
    const std::string before = submission_fingerprint(katas, repo, "v1");
    EXPECT_EQ(submission_fingerprint(katas, repo, "v1"), before);
    EXPECT_NE(submission_fingerprint(katas, repo, "v2"), before);
    make_repo(repo, "59");
    EXPECT_NE(submission_fingerprint(katas, repo, "v1"), before);
    const std::string tree = course_fingerprint(course, katas);
    write(tmp.path() / "tree" / "harness" / "01-counter" / "counter_test.cpp", "TEST(b) {}");
    EXPECT_NE(course_fingerprint(course, katas), tree);
}
