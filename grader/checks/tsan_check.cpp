// The tsan check: the tests built with clang and -fsanitize=thread; any race report fails it.
#include "checks/evidence.hpp"
#include "checks/sanitizer_check.hpp"
#include "checks/visibility.hpp"

#include <fmt/format.h>

#include <set>

namespace interleave {

namespace {

const SanitizerTool kTsan{CheckKind::tsan,
                          "tsan",
                          "ThreadSanitizer",
                          "compiling with clang for ThreadSanitizer",
                          "no data race found",
                          "races",
                          0};

/// The TSan runtime died on its own: a FATAL line, or no test ever started (a runtime that
/// fails at start-up kills the binary before main()).
bool tsan_runtime_failed(const TestBinaryRun& run, const std::string& all) {
    if (all.find("FATAL: ThreadSanitizer") != std::string::npos) return true;
    const bool nothing_ran = run.progress.started.empty() && !run.results;
    return nothing_ran && run.process.termination != Termination::timed_out &&
           all.find("ThreadSanitizer: CHECK failed") != std::string::npos;
}

}  // namespace

CheckResult judge_tsan(const TestBinaryRun& run, int points, const Workspace& ws) {
    CheckResult c = sanitizer_check_start(kTsan, run, points);
    const std::string all = run.sanitizer_log + run.process.err;
    const auto reports = parse_tsan_reports(all);
    std::set<std::string> seen;
    std::string first;
    for (const auto& r : reports) {
        std::string line = r.kind;
        for (std::size_t i = 0; i < r.accesses.size() && i < 2; ++i) {
            line += (i == 0 ? ": " : "; ") + describe_access(ws, r.accesses[i]);
        }
        // Two reports that read the same to a person are one problem.
        line = readable_type_names(line);
        if (!seen.insert(line).second) continue;
        if (first.empty()) first = line;
        c.details.push_back(line);
        c.data["reports"].push_back(
            nlohmann::json{{"kind", r.kind}, {"summary", r.summary}, {"text", r.text}});
    }
    if (!reports.empty()) {
        c.status = CheckStatus::fail;
        c.message = fmt::format("ThreadSanitizer reported {} problem{} ({} distinct); first: {}",
                                reports.size(), reports.size() == 1 ? "" : "s", seen.size(), first);
        return c;
    }
    if ((all.find("ThreadSanitizer") != std::string::npos && run.listed.empty()) ||
        tsan_runtime_failed(run, all)) {
        c.status = CheckStatus::error;
        c.message =
            "ThreadSanitizer could not start, so races were not checked (not the student's fault). "
            "Try: sudo sysctl vm.mmap_rnd_bits=28, or make sure clang's TSan runtime "
            "(libclang-rt-dev) is installed";
        const std::string fatal = first_line_with(all, "FATAL: ThreadSanitizer");
        if (!fatal.empty()) c.message += fmt::format(" (it said: {})", fatal);
        c.infrastructure = true;
        c.details.push_back(all.substr(0, 2000));
        return c;
    }
    return finish_clean_run(std::move(c), kTsan, run, ws);
}

CheckResult run_tsan_check(KataRun& k) {
    const int points = k.exercise.tsan_points.value_or(0);
    if (!k.options.tsan)
        return disabled_check(CheckKind::tsan, points, "ThreadSanitizer disabled (--no-tsan)");
    const Exercise& e = k.exercise;
    return run_sanitizer_check(
        k, kTsan, points,
        [&](TestRunOptions& t) {
            t.sanitizer = true;
            t.memory_limit_mib = k.tests_run.memory_limit_mib * kTsanMemoryFactor;
            // TSan slows code 5-15x: the deadlines grow, the stress loops shrink.
            t.timeout_seconds = e.timeout_seconds * 3;
            t.test_timeout_seconds = k.tests_run.test_timeout_seconds * 3;
            t.extra_env["KATA_STRESS_SCALE"] = std::to_string(e.tsan_stress_scale);
            // A hang the release build proved is not waited out a second time.
            if (!k.hung_test.empty()) t.gtest_filter = "-" + k.hung_test;
        },
        [&](const TestBinaryRun& run) {
            CheckResult tsan = judge_tsan(run, points, k.ws);
            apply_test_visibility(tsan, run, e.hidden_tests);
            return tsan;
        });
}

}  // namespace interleave
