// The grading tree's seal: what student code must never change.
#include "workspace/tree_seal.hpp"

#include "temp_project.hpp"

#include <gtest/gtest.h>

#include <unistd.h>

#include <filesystem>
#include <fstream>

using namespace interleave;
namespace fs = std::filesystem;

using interleave::testing::write;

namespace {

class TreeSealTest : public interleave::testing::TempProject {
  protected:
    TreeSealTest() : TempProject("seal") {}

    void SetUp() override {
        TempProject::SetUp();
        write(root_ / "course.yaml", "title: t\n");
        write(root_ / "harness" / "01-counter" / "counter_test.cpp", "TEST\n");
        write(root_ / "exercises" / "01-counter" / "exercise.yaml", "id: counter\n");
        write(root_ / "exercises" / "01-counter" / "counter.hpp", "student\n");
    }
};

TEST_F(TreeSealTest, NothingChangedIsSilent) {
    const TreeSeal seal = TreeSeal::take(root_);
    EXPECT_EQ(seal.files(), 3U) << "course.yaml, the harness file and exercise.yaml";
    EXPECT_TRUE(seal.changes().empty());
    EXPECT_NO_THROW(seal.check_after("counter"));
}

TEST_F(TreeSealTest, TheStudentsOwnFileIsNotSealed) {
    const TreeSeal seal = TreeSeal::take(root_);
    write(root_ / "exercises" / "01-counter" / "counter.hpp", "edited\n");
    EXPECT_TRUE(seal.changes().empty());
}

TEST_F(TreeSealTest, ARewrittenHarnessIsNamedAndThrows) {
    const TreeSeal seal = TreeSeal::take(root_);
    write(root_ / "harness" / "01-counter" / "counter_test.cpp", "TEST empty\n");
    write(root_ / "harness" / "01-counter" / "extra.cpp", "x\n");
    fs::remove(root_ / "exercises" / "01-counter" / "exercise.yaml");
    const std::vector<std::string> expected{"exercises/01-counter/exercise.yaml removed",
                                            "harness/01-counter/counter_test.cpp modified",
                                            "harness/01-counter/extra.cpp added"};
    EXPECT_EQ(seal.changes(), expected);
    try {
        seal.check_after("counter");
        FAIL() << "no exception";
    } catch (const GradingTreeChanged& e) {
        EXPECT_EQ(e.kata(), "counter");
        EXPECT_EQ(e.changes(), expected);
        EXPECT_NE(std::string(e.what()).find("harness/01-counter/counter_test.cpp modified"),
                  std::string::npos);
    }
}

}  // namespace
