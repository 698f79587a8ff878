// The asan check: the tests built with -fsanitize=address,undefined under its own preset (never
// mixed with TSan); a use after free, an overflow, a leak or undefined behaviour fails it.
#include "checks/evidence.hpp"
#include "checks/sanitizer_check.hpp"

#include <fmt/format.h>

#include <set>

namespace interleave {

namespace {

const SanitizerTool kAsan{CheckKind::asan,
                          "asan",
                          "AddressSanitizer",
                          "compiling with AddressSanitizer and UBSan",
                          "no memory error, leak or undefined behaviour found",
                          "memory errors",
                          kAsanExitCode};

}  // namespace

CheckResult judge_asan(const TestBinaryRun& run, int points, const Workspace& ws) {
    CheckResult c = sanitizer_check_start(kAsan, run, points);
    const std::string all = run.sanitizer_log + run.process.err;
    const auto reports = parse_asan_reports(all);
    std::set<std::string> seen;
    std::string first;
    for (const auto& r : reports) {
        if (!seen.insert(r.summary.empty() ? r.text : r.summary).second) continue;
        // The bad access, then where the memory was freed (or, for a leak, allocated).
        // UBSan's message already says what went wrong: "undefined behaviour: <message> in...".
        std::string line =
            r.kind.rfind("undefined behaviour", 0) == 0 ? "undefined behaviour" : r.kind;
        const SanitizerAccess* site = nullptr;
        for (const auto& a : r.accesses) {
            if (a.what == "freed" || a.what.rfind("stack object", 0) == 0) site = &a;
        }
        if (!r.accesses.empty()) line += ": " + describe_asan_access(ws, r.accesses.front());
        if (site != nullptr && site != &r.accesses.front())
            line += "; " + describe_asan_access(ws, *site);
        if (first.empty()) first = line;
        c.details.push_back(line);
        nlohmann::json accesses = nlohmann::json::array();
        for (const auto& a : r.accesses) accesses.push_back(access_json(ws, a));
        c.data["reports"].push_back(nlohmann::json{
            {"kind", r.kind}, {"summary", r.summary}, {"accesses", accesses}, {"text", r.text}});
    }
    const ProcessOutcome& p = run.process;
    if (!reports.empty()) {
        c.status = CheckStatus::fail;
        c.message = fmt::format("AddressSanitizer/UBSan reported {} problem{}; first: {}",
                                reports.size(), reports.size() == 1 ? "" : "s", first);
        return c;
    }
    const bool nothing_ran = run.progress.started.empty() && !run.results;
    const bool runtime_spoke =
        all.find("Sanitizer") != std::string::npos || all.find("ASan") != std::string::npos;
    // The release build listed and ran these tests: a sanitizer build that cannot even list
    // them failed in its runtime, not in the student's code.
    if (p.termination != Termination::failed_to_start &&
        ((runtime_spoke && nothing_ran) || run.listed.empty()) &&
        p.termination != Termination::timed_out) {
        c.status = CheckStatus::error;
        c.message =
            "the AddressSanitizer runtime could not start, so memory errors were not checked (not "
            "the student's fault). Try: sudo sysctl vm.mmap_rnd_bits=28, or make sure clang's "
            "sanitizer runtime (libclang-rt-dev) is installed";
        c.infrastructure = true;
        c.details.push_back(all.substr(0, 2000));
        return c;
    }
    return finish_clean_run(std::move(c), kAsan, run, ws);
}

CheckResult run_asan_check(KataRun& k) {
    const int points = k.exercise.asan_points.value_or(0);
    if (!k.options.asan)
        return disabled_check(CheckKind::asan, points, "AddressSanitizer disabled (--no-asan)");
    return run_sanitizer_check(
        k, kAsan, points,
        [&](TestRunOptions& a) {
            a.address_sanitizer = true;
            // ASan's shadow memory and quarantine make resident memory grow like TSan's.
            a.memory_limit_mib = k.tests_run.memory_limit_mib * kTsanMemoryFactor;
            // ASan and UBSan slow code about 2-3x in a Debug build: the deadlines grow.
            a.timeout_seconds = k.tests_run.timeout_seconds * 3;
            a.test_timeout_seconds = k.tests_run.test_timeout_seconds * 3;
            if (!k.hung_test.empty()) a.gtest_filter = "-" + k.hung_test;
        },
        [&](const TestBinaryRun& run) { return judge_asan(run, points, k.ws); });
}

}  // namespace interleave
