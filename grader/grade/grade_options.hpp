#pragma once
/// What a grade is asked to do: which katas, from which files, which checks, and how student
/// code is contained. Shared by the grade loop, the checks and the commands.

#include "course/course.hpp"
#include "process/process.hpp"
#include "workspace/workspace.hpp"

#include <functional>
#include <string>
#include <vector>

namespace interleave {

/// What the caller asks of the sandbox of student code.
enum class Isolation {
    /// The strongest that works here: bubblewrap's read-only view and PID namespace where it can
    /// run, else rlimits and watchdogs only (the report says which; the tree seal still guards).
    automatic,
    /// bubblewrap with no network as well (--isolate); an error where bubblewrap cannot run.
    full,
    /// rlimits and watchdogs only, never bubblewrap (--unsafe-no-isolation).
    none,
};

/// The isolation the command-line flags ask for: --isolate (full), --unsafe-no-isolation
/// (none), or neither (automatic). The flags exclude each other.
inline Isolation isolation_from_flags(bool isolate, bool no_isolation) {
    return isolate ? Isolation::full : no_isolation ? Isolation::none : Isolation::automatic;
}

/// The containment `isolation` gets on this machine. Throws std::runtime_error for
/// Isolation::full where bubblewrap cannot run.
Containment resolve_containment(Isolation isolation);

struct GradeOptions {
    std::vector<const Exercise*> katas;  ///< in course order
    SourceLayers layers;
    std::string source_label;  ///< "exercises", "solutions", a folder
    bool tsan = true;
    bool timing = true;
    int jobs = 0;                     ///< build parallelism; 0: the build tool's default
    double test_timeout_seconds = 0;  ///< per-test watchdog override; 0: from exercise.yaml
    /// How student binaries are contained (resolve_containment).
    Isolation isolation = Isolation::automatic;
    /// Resident-memory limit of a test binary in MiB; 0: kMemoryLimitMiB (TSan runs get
    /// kTsanMemoryFactor times more).
    long long memory_limit_mib = 0;
    bool asan = true;     ///< AddressSanitizer + UBSan check, where a kata has one
    bool explore = true;  ///< the explorer's check (controlled schedules), where a kata has one
    /// Only each check's pass or fail matters, not the whole list of what failed (verify's
    /// mutants): the release run stops at its first failing test (GoogleTest's
    /// --gtest_fail_fast) with no rerun after a hang, and a ThreadSanitizer run at its first
    /// report (ASan and UBSan always stop at theirs).
    bool fail_fast = false;
    /// The explorer's search (checks.explore) and enumeration (checks.predict) end at their
    /// budget of runs only, never at their budget of seconds: with its fixed seed it then searches
    /// the same schedules however busy the machine is (verify, whose rows must not depend on the
    /// load). A student's grade keeps the time budget, so that a slow machine costs time, not a
    /// verdict that never comes.
    bool explore_runs_only = false;
};

/// Called as each stage starts ("counter", "build") so that a terminal can show progress.
using ProgressFn = std::function<void(const std::string& kata, const std::string& stage)>;

}  // namespace interleave
