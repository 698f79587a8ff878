#include "commands/grade_switches.hpp"

namespace interleave {

void GradeSwitches::add_to(CLI::App& command) {
    command.add_flag("--quick", quick,
                     "The quickest loop: build and tests only (as --no-tsan --no-explore "
                     "--no-asan --no-timing)");
    command.add_flag("--no-tsan", no_tsan, "Skip the ThreadSanitizer check");
    command.add_flag("--no-asan", no_asan, "Skip the AddressSanitizer + UBSan check");
    command.add_flag("--no-timing", no_timing, "Skip the timing check");
    command.add_flag(
        "--no-explore", no_explore,
        "Skip the explore check (the search for an interleaving that breaks the code)");
    command.add_flag("--verbose,-v", verbose, "Show every detail line");
    auto* isolate_flag = command.add_flag(
        "--isolate", isolate,
        "Also cut the network of student code, and fail where bubblewrap cannot run (by "
        "default student code sees a read-only filesystem wherever bubblewrap works)");
    command
        .add_flag("--unsafe-no-isolation", no_isolation,
                  "Never use bubblewrap: student code may write wherever you may (the grading "
                  "tree is still checked after each kata)")
        ->excludes(isolate_flag);
    command.add_option("--jobs,-j", jobs, "Build parallelism")->check(CLI::NonNegativeNumber);
    command
        .add_option("--test-timeout", test_timeout_seconds,
                    "Per-test watchdog in seconds (default: from exercise.yaml)")
        ->check(CLI::PositiveNumber);
    command
        .add_option("--memory-limit", memory_limit_mib,
                    "Resident memory a test binary may use, in MiB (default 2048; x3 under "
                    "TSan and ASan)")
        ->check(CLI::PositiveNumber);
}

void GradeSwitches::apply(GradeOptions& options) const {
    options.tsan = !no_tsan && !quick;
    options.asan = !no_asan && !quick;
    options.timing = !no_timing && !quick;
    options.explore = !no_explore && !quick;
    options.jobs = jobs;
    options.test_timeout_seconds = test_timeout_seconds;
    options.memory_limit_mib = memory_limit_mib;
    options.isolation = isolation_from_flags(isolate, no_isolation);
}

}  // namespace interleave
