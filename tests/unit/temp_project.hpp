#pragma once
// A throwaway project folder for each test that needs files on disk (a course.yaml, staged
// student files, canned tool output): created empty before the test, removed after it.
#include <gtest/gtest.h>

#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <string>

namespace interleave::testing {

/// Writes `text` to `path`, creating its folders.
inline void write(const std::filesystem::path& path, const std::string& text) {
    std::filesystem::create_directories(path.parent_path());
    std::ofstream(path) << text;
}

/// root_ is /tmp/interleave-<what>-<pid>-<test name>: unique per test, so tests may run in
/// parallel processes. Fixtures that add files override SetUp and call TempProject::SetUp first.
class TempProject : public ::testing::Test {
  protected:
    explicit TempProject(std::string what) : what_(std::move(what)) {}

    void SetUp() override {
        root_ = std::filesystem::temp_directory_path() /
                ("interleave-" + what_ + "-" + std::to_string(::getpid()) + "-" +
                 ::testing::UnitTest::GetInstance()->current_test_info()->name());
        std::filesystem::remove_all(root_);
        std::filesystem::create_directories(root_);
    }
    void TearDown() override { std::filesystem::remove_all(root_); }

    std::filesystem::path root_;

  private:
    std::string what_;
};

}  // namespace interleave::testing
