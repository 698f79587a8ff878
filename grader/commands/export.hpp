#pragma once
/// `kata export DEST`: writes a student template repository. Every file of the project (git's
/// tracked files, or a walk of the tree without git) is copied except what students must not
/// see: solutions/, tests/mutants/, harness/*/hidden/ and course.yaml's `instructor_only`
/// globs. Markdown files lose their `<!-- instructor -->` ... `<!-- /instructor -->` sections.
/// With git available DEST gets a fresh history of one commit by "Interleave export".

#include "course/course.hpp"
#include "process/process.hpp"

#include <filesystem>
#include <ostream>
#include <string>
#include <vector>

namespace interleave {

struct ExportOptions {
    std::filesystem::path destination;
    /// Replace the contents of a non-empty DEST (nothing outside DEST is ever touched).
    bool force = false;
};

/// What every export leaves out, whatever course.yaml says.
const std::vector<std::string>& always_instructor_only();

/// Whether `relative` ("harness/01-counter/hidden/x.cpp") is left out by one of `globs`. A glob
/// (fnmatch, '*' stays within one folder) matches the path itself or any folder above it.
bool instructor_only(const std::string& relative, const std::vector<std::string>& globs);

/// `text` without its instructor sections (markers included). Throws std::runtime_error naming
/// `file` when a marker is unbalanced.
std::string student_markdown(const std::string& text, const std::string& file);

/// The project's files relative to `root`: `git ls-files` inside a git work tree, else every
/// file outside build/, .git/ and .cache/.
std::vector<std::string> project_files(ProcessRunner& runner, const std::filesystem::path& root);

/// Runs the export and prints what it did; returns the exit code. Throws with the stage and
/// command for failures.
int run_export(const Course& course, ProcessRunner& runner, const ExportOptions& options,
               std::ostream& out);

}  // namespace interleave
