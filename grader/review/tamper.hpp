#pragma once
/// The tamper report: which files a student was not meant to edit differ from this course
/// tree. It is a list for the instructor to read, not a penalty; grading never uses those files.

#include "course/course.hpp"

#include <filesystem>
#include <string>
#include <vector>

namespace interleave {

struct TamperFinding {
    std::string path;    ///< relative to the repository, "harness/01-counter/counter_test.cpp"
    std::string change;  ///< "modified" or "added" (a file missing from the repo is not listed)
};

/// Compares, by content, every file of the repository under exercises/, harness/, tests/,
/// cmake/ and the top-level CMakeLists.txt, CMakePresets.json and course.yaml with the same
/// path in `tree`. Student files (exercise.yaml student_files of the kata folder) are skipped,
/// and so are build/ and .git/ folders. Read-only on both sides.
std::vector<TamperFinding> find_tampering(const Course& course, const std::filesystem::path& tree,
                                          const std::filesystem::path& repo);

}  // namespace interleave
