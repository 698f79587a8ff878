#pragma once
/// `interleave package gradescope OUT.zip` and `interleave package prairielearn OUT[.zip]`:
/// bundles the trusted course tree (what grading needs, not the reference solutions nor the
/// framework's own tests' data) with the platform's entry scripts, so that an autograder
/// platform can grade a student's submission with the same grader students run locally.

#include "course/course.hpp"
#include "process/process.hpp"

#include <filesystem>
#include <iosfwd>
#include <string>
#include <vector>

namespace interleave {

/// The platforms a course can be packaged for.
const std::vector<std::string>& package_targets();

/// Paths, relative to the project root, copied into every package: enough to build the grader
/// with `./kata` and grade every kata (course.yaml, exercises/, harness/, grader/, cmake/, the
/// CMake files, the launcher, packaging/). The reference solutions and mutants are left out.
/// tests/ contributes only its CMake files and unit sources, which the top-level
/// CMakeLists.txt configures with the grader.
std::vector<std::filesystem::path> package_inputs(const std::filesystem::path& project);

/// One line "NN-name/FILE" per student file of every kata, in course order: the only files the
/// entry scripts take from a submission.
std::string student_file_manifest(const Course& course);

/// Lays out the package for `target` in `dir` (created; must not exist or be empty): the course
/// tree, student_files.txt and the platform's files at the top (Gradescope: setup.sh and
/// run_autograder; PrairieLearn: run_grader, info.json.example and Dockerfile). Throws
/// std::runtime_error naming the file that could not be written.
void lay_out_package(const Course& course, const std::string& target,
                     const std::filesystem::path& dir);

/// Zips every file under `dir` into `zip` with `cmake -E tar cf ZIP --format=zip`, paths
/// relative to `dir`. Throws std::runtime_error quoting CMake's output when it fails.
void zip_directory(const std::filesystem::path& dir, const std::filesystem::path& zip,
                   ProcessRunner& runner);

/// The subcommand: a folder for OUT without ".zip" (PrairieLearn only), otherwise a zip built in
/// a scratch folder next to it. Prints what it wrote to `log`. Returns the exit status.
int run_package(const Course& course, const std::string& target, const std::filesystem::path& out,
                ProcessRunner& runner, std::ostream& log);

}  // namespace interleave
