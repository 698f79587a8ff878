#pragma once
/// The switches of every command that grades (grade, check, watch): which checks run, how
/// student code is contained, and the limits. One definition, so that a switch the README
/// gives for one command works for all of them.

#include "grade/grade.hpp"

#include <CLI/CLI.hpp>

namespace interleave {

struct GradeSwitches {
    bool no_tsan = false;
    bool no_asan = false;
    bool no_timing = false;
    bool no_explore = false;
    bool quick = false;
    bool verbose = false;
    bool isolate = false;
    bool no_isolation = false;
    int jobs = 0;
    double test_timeout_seconds = 0;
    long long memory_limit_mib = 0;

    /// Adds --no-tsan, --no-asan, --no-timing, --verbose, --isolate, --unsafe-no-isolation,
    /// --jobs, --test-timeout and --memory-limit to `command`.
    void add_to(CLI::App& command);

    /// Copies the switches into `options` (the katas and the source layers stay the caller's).
    void apply(GradeOptions& options) const;
};

}  // namespace interleave
