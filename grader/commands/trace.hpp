#pragma once
/// `kata check KATA --trace`: writes the timeline of one benchmark run as Chrome trace-event
/// JSON, for the student's code and for the reference, side by side in build/trace/. The
/// harness does the recording (KATA_TRACE_FILE); the student's code is not instrumented.

#include "course/course.hpp"
#include "process/process.hpp"
#include "workspace/workspace.hpp"

#include <filesystem>
#include <string>

namespace interleave {

/// Stages `layers` for `e` in `ws`, builds the kata's benchmark (release preset) and runs it
/// once with KATA_TRACE_FILE=`out`. Returns an empty string on success, else what went wrong
/// (naming the kata, the stage and the command).
std::string write_trace(ProcessRunner& runner, const Workspace& ws, const Exercise& e,
                        const SourceLayers& layers, const std::filesystem::path& out);

/// build/trace/<id>.student.json and <id>.reference.json under the project.
std::filesystem::path trace_path(const std::filesystem::path& project, const Exercise& e,
                                 const std::string& who);

}  // namespace interleave
