#pragma once
/// What makes a review result reusable: a content hash of a student's files, the grader's
/// version and the grading options. Same fingerprint, same grade (up to timing noise).

#include "course/course.hpp"
#include "workspace/content_hash.hpp"

#include <filesystem>
#include <string>
#include <string_view>
#include <vector>

namespace interleave {

/// The hash of the running grader binary (/proc/self/exe), or "unknown" when unreadable.
std::string grader_version();

/// Hashes, in order, each kata's id and each of its student files (path and content, or a
/// "missing" marker) from REPO/exercises/NN-name/, then `salt` (grader version and options).
std::string submission_fingerprint(const std::vector<const Exercise*>& katas,
                                   const std::filesystem::path& repo, const std::string& salt);

/// Hashes what grading takes from the course tree for these katas: each exercise.yaml, every
/// file under harness/ (sorted by path) and the top-level CMake files. A change to any of them
/// makes earlier review results stale.
std::string course_fingerprint(const Course& course, const std::vector<const Exercise*>& katas);

}  // namespace interleave
