#pragma once
/// Grading: for each kata of the plan, stage the student files, build, run the checks, score.

#include "grade/grade_options.hpp"
#include "process/process.hpp"
#include "report/report.hpp"
#include "workspace/workspace.hpp"

namespace interleave {

class Grader {
  public:
    Grader(const Course& course, ProcessRunner& runner, Workspace ws);

    GradeReport grade(const GradeOptions& options, const ProgressFn& progress = {});

  private:
    /// Plan -> run the checks -> score, for one kata.
    KataReport grade_kata(const Exercise& e, const GradeOptions& options, Containment containment,
                          const ProgressFn& progress);

    const Course& course_;
    ProcessRunner& runner_;
    Workspace ws_;
};

}  // namespace interleave
