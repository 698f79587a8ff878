#pragma once
/// What every student command gets from main(): the course, where things live, and how the
/// terminal behaves. Commands write to `out` (reports) and `err` (questions, errors).

#include "course/course.hpp"
#include "grade/grade.hpp"
#include "workspace/workspace.hpp"

#include <filesystem>
#include <iostream>

namespace interleave {

struct CommandContext {
    const Course& course;
    std::filesystem::path project;
    Workspace ws;
    bool color = false;        ///< ANSI colours on standard output
    bool interactive = false;  ///< standard input and output are a terminal
    ProgressFn progress;       ///< empty when standard error is not a terminal
    std::ostream& out = std::cout;
    std::ostream& err = std::cerr;

    std::filesystem::path exercises() const { return project / "exercises"; }
};

}  // namespace interleave
