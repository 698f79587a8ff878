#pragma once
/// What the ThreadSanitizer and AddressSanitizer checks share: building the kata under their
/// own preset, running the tests again there, and the verdicts of a run with no report.

#include "checks/checks.hpp"

#include <functional>

namespace interleave {

/// What differs between the two sanitizer checks, for the parts they share.
struct SanitizerTool {
    CheckKind kind;
    const char* preset;    ///< "tsan"
    const char* name;      ///< "ThreadSanitizer"
    const char* building;  ///< what the build-failure message says was being compiled
    const char* clean;     ///< "no data race found"
    const char* graded;    ///< "races": what the check grades, for the note on failed tests
    /// Exit code the runtime uses after a report (0: a report is recognised by its text only).
    int report_exit_code = 0;
};

/// The start of a sanitizer check: its name, points and time, and the run's notes as evidence.
CheckResult sanitizer_check_start(const SanitizerTool& tool, const TestBinaryRun& run, int points);

/// The verdict of a run in which the sanitizer reported nothing: tests that crashed or hung
/// under the sanitizer fail the check with the tests' own verdict; a binary that could not
/// start is an infrastructure error; otherwise the run is clean and passes with its points.
CheckResult finish_clean_run(CheckResult c, const SanitizerTool& tool, const TestBinaryRun& run,
                             const Workspace& ws);

/// Builds the kata's tests under tool.preset, runs them with `adapt` applied to the release
/// run's options (scratch folder, limits, sanitizer options), and judges the run with `judge`.
/// A build failure is the check's failure, quoting the compiler.
CheckResult run_sanitizer_check(KataRun& k, const SanitizerTool& tool, int points,
                                const std::function<void(TestRunOptions&)>& adapt,
                                const std::function<CheckResult(const TestBinaryRun&)>& judge);

}  // namespace interleave
