#pragma once
/// `kata check [KATA]`: grades one kata of exercises/ (the current one by default) with the
/// terminal report, and remembers the result in build/state.json.

#include "commands/context.hpp"
#include "commands/grade_switches.hpp"

#include <string>

namespace interleave {

struct CheckOptions {
    std::string kata;  ///< empty: the current kata
    GradeSwitches switches;
    /// Take the student files from SOURCE/<NN-name>/ instead of exercises/; such a grade is
    /// not remembered in the state file.
    std::filesystem::path source;
    /// Also write build/trace/<id>.student.json and <id>.reference.json (see trace.hpp).
    bool trace = false;
};

/// Grades one kata of exercises/ and records it in the state file.
GradeReport check_kata(const CommandContext& ctx, Grader& grader, const Exercise& e,
                       const CheckOptions& options);

/// The kata `kata check` grades: the named one, else the current one (nullptr: all done).
const Exercise* kata_to_check(const CommandContext& ctx, const std::string& name);

/// `runner` builds and runs the benchmark for --trace.
int run_check(const CommandContext& ctx, Grader& grader, ProcessRunner& runner,
              const CheckOptions& options);

}  // namespace interleave
