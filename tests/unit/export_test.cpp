// `kata export`: what a student template keeps, what it leaves out, and how it treats DEST.
#include "commands/export.hpp"
#include "fake_process_runner.hpp"

#include <gtest/gtest.h>

#include <fstream>
#include <sstream>

namespace fs = std::filesystem;
using namespace interleave;
using interleave::testing::FakeProcessRunner;

namespace {

std::vector<std::string> all_globs() {
    std::vector<std::string> g = always_instructor_only();
    g.push_back("docs/instructors.md");
    g.push_back(".github/workflows/ci.yml");
    return g;
}

TEST(ExportFilter, LeavesOutSolutionsMutantsHiddenAndInstructorFiles) {
    const auto g = all_globs();
    EXPECT_TRUE(instructor_only("solutions/01-counter/counter.hpp", g));
    EXPECT_TRUE(instructor_only("tests/mutants/counter/plain-int/counter.hpp", g));
    EXPECT_TRUE(instructor_only("harness/01-counter/hidden/counter_hidden_test.cpp", g));
    EXPECT_TRUE(instructor_only("docs/instructors.md", g));
    EXPECT_TRUE(instructor_only(".github/workflows/ci.yml", g));
    EXPECT_FALSE(instructor_only(".github/workflows/classroom.yml", g));
    EXPECT_FALSE(instructor_only("harness/01-counter/counter_test.cpp", g));
    EXPECT_FALSE(instructor_only("exercises/01-counter/counter.hpp", g));
    EXPECT_FALSE(instructor_only("tests/unit/export_test.cpp", g));
    EXPECT_FALSE(instructor_only("solutions.md", g));
    EXPECT_TRUE(instructor_only("notes/a.md", {"notes/*.md"}));
    EXPECT_FALSE(instructor_only("notes/deep/a.md", {"notes/*.md"})) << "'*' stays in one folder";
}

TEST(ExportMarkdown, CutsInstructorSections) {
    const std::string text =
        "# Title\nfor all\n<!-- instructor -->\nsecret\n<!-- /instructor -->\nafter\n"
        "<!-- instructor -->x<!-- /instructor -->end\n";
    EXPECT_EQ(student_markdown(text, "README.md"), "# Title\nfor all\nafter\nend\n");
    EXPECT_EQ(student_markdown("plain\n", "README.md"), "plain\n");
}

TEST(ExportMarkdown, UnbalancedMarkersNameTheFile) {
    try {
        student_markdown("a\n<!-- instructor -->\nb\n", "docs/x.md");
        FAIL() << "expected an error";
    } catch (const std::runtime_error& e) {
        EXPECT_NE(std::string(e.what()).find("docs/x.md"), std::string::npos) << e.what();
    }
    EXPECT_THROW(student_markdown("a <!-- /instructor -->\n", "R.md"), std::runtime_error);
}

class ExportTree : public ::testing::Test {
  protected:
    void SetUp() override {
        base_ = fs::temp_directory_path() /
                ("interleave-export-" + std::to_string(::getpid()) + "-" +
                 ::testing::UnitTest::GetInstance()->current_test_info()->name());
        fs::remove_all(base_);
        root_ = base_ / "project";
        dest_ = base_ / "out";
        write("course.yaml", "format_version: 1\ntitle: T\n");
        write("README.md", "Hello\n<!-- instructor -->\nverify\n<!-- /instructor -->\nBye\n");
        write("exercises/01-counter/counter.hpp", "stub\n");
        write("solutions/01-counter/counter.hpp", "reference\n");
        write("tests/mutants/counter/bug/counter.hpp", "bug\n");
        write("harness/01-counter/hidden/h.cpp", "hidden\n");
        write("harness/01-counter/t.cpp", "visible\n");
        write("build/grader/junk", "built\n");
        course_.root = root_;
        course_.title = "T";
    }
    void TearDown() override { fs::remove_all(base_); }
    void write(const std::string& rel, const std::string& text) {
        fs::create_directories((root_ / rel).parent_path());
        std::ofstream(root_ / rel) << text;
    }

    fs::path base_, root_, dest_;
    Course course_;
};

/// No git on this fake machine: the tree is walked and no history is made.
FakeProcessRunner no_git() {
    return FakeProcessRunner([](const ProcessSpec&) {
        ProcessOutcome o;
        o.termination = Termination::failed_to_start;
        o.start_error = "git: not found";
        return o;
    });
}

TEST_F(ExportTree, WalksTheTreeWithoutGit) {
    auto runner = no_git();
    std::ostringstream out;
    ASSERT_EQ(run_export(course_, runner, {dest_, false}, out), 0);
    EXPECT_TRUE(fs::exists(dest_ / "exercises/01-counter/counter.hpp"));
    EXPECT_TRUE(fs::exists(dest_ / "harness/01-counter/t.cpp"));
    EXPECT_FALSE(fs::exists(dest_ / "solutions"));
    EXPECT_FALSE(fs::exists(dest_ / "tests/mutants"));
    EXPECT_FALSE(fs::exists(dest_ / "harness/01-counter/hidden"));
    EXPECT_FALSE(fs::exists(dest_ / "build"));
    std::ifstream readme(dest_ / "README.md");
    std::stringstream text;
    text << readme.rdbuf();
    EXPECT_EQ(text.str(), "Hello\nBye\n");
    EXPECT_NE(out.str().find("no history"), std::string::npos) << out.str();
}

TEST_F(ExportTree, RefusesANonEmptyDestinationWithoutForce) {
    fs::create_directories(dest_);
    std::ofstream(dest_ / "keep.txt") << "mine\n";
    auto runner = no_git();
    std::ostringstream out;
    EXPECT_THROW(run_export(course_, runner, {dest_, false}, out), std::invalid_argument);
    EXPECT_TRUE(fs::exists(dest_ / "keep.txt"));
    ASSERT_EQ(run_export(course_, runner, {dest_, true}, out), 0);
    EXPECT_FALSE(fs::exists(dest_ / "keep.txt"));
    EXPECT_TRUE(fs::exists(dest_ / "course.yaml"));
}

TEST_F(ExportTree, NeverExportsOverTheProjectOrItsParents) {
    auto runner = no_git();
    std::ostringstream out;
    EXPECT_THROW(run_export(course_, runner, {root_, true}, out), std::invalid_argument);
    EXPECT_THROW(run_export(course_, runner, {base_, true}, out), std::invalid_argument);
    EXPECT_TRUE(fs::exists(root_ / "solutions/01-counter/counter.hpp"));
}

TEST_F(ExportTree, CommitsWithTheFixedAuthor) {
    FakeProcessRunner runner([&](const ProcessSpec& spec) {
        const auto& a = spec.argv;
        if (std::find(a.begin(), a.end(), "rev-parse") != a.end())
            return interleave::testing::exited(0, "true\n");
        if (std::find(a.begin(), a.end(), "ls-files") != a.end())
            return interleave::testing::exited(
                0, std::string("README.md\0solutions/01-counter/counter.hpp\0course.yaml\0", 55));
        return interleave::testing::exited(0);
    });
    std::ostringstream out;
    ASSERT_EQ(run_export(course_, runner, {dest_, false}, out), 0);
    EXPECT_TRUE(fs::exists(dest_ / "course.yaml"));
    EXPECT_FALSE(fs::exists(dest_ / "exercises")) << "only the files git tracks";
    EXPECT_FALSE(fs::exists(dest_ / "solutions"));
    const auto& commit = runner.specs.back();
    EXPECT_NE(std::find(commit.argv.begin(), commit.argv.end(), "commit"), commit.argv.end());
    EXPECT_EQ(commit.cwd, dest_);
    EXPECT_EQ(commit.env.at("GIT_AUTHOR_NAME"), "Interleave export");
    EXPECT_EQ(commit.env.at("GIT_COMMITTER_NAME"), "Interleave export");
    EXPECT_NE(std::find(commit.argv.begin(), commit.argv.end(), "user.name=Interleave export"),
              commit.argv.end());
}

}  // namespace
