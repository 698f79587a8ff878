// The tests check: the GoogleTest suite in the release build, points in proportion to the
// tests that pass; a crash, hang, exit() or flood is a verdict of its own.
#include "checks/checks.hpp"
#include "checks/evidence.hpp"
#include "checks/visibility.hpp"

#include <fmt/format.h>

#include <algorithm>

namespace interleave {

namespace {

/// The tests ran to the end and GoogleTest wrote its results: each failure with its message.
void judge_finished_run(CheckResult& c, const TestBinaryRun& run, const Workspace& ws, int& passed,
                        int& total) {
    total = std::max(total, static_cast<int>(run.results->tests.size()));
    passed = run.results->passed();
    for (const auto& t : run.results->tests) {
        if (t.passed) continue;
        const std::string first =
            t.failures.empty() ? "did not pass" : tidy_failure(ws, t.failures.front());
        c.details.push_back(fmt::format("{}: {}", t.name, first));
        c.data["failed"].push_back(t.name);
    }
    c.message = count_tests(passed, total);
    // Lead with the harness's plain-words message: the first failure's last line in words.
    for (const auto& t : run.results->tests) {
        if (t.passed) continue;
        const auto failure_lines =
            t.failures.empty() ? std::vector<std::string>{} : lines_of(t.failures.front());
        c.message +=
            fmt::format(". First failure: {}: {}", t.name,
                        failure_lines.empty() ? "did not pass" : failure_headline(failure_lines));
        break;
    }
}

/// Why the binary aborted, in its own words: the uncaught exception the harness's terminate
/// handler named, or a failed assert()'s line from standard error. Empty when neither says.
std::string abort_reason(const TestBinaryRun& run) {
    if (run.progress.abort_reason) return *run.progress.abort_reason;
    for (const auto& line : lines_of(run.process.err)) {
        const auto at = line.find("Assertion `");
        if (at != std::string::npos && line.find("' failed.") != std::string::npos)
            return "failed assertion: " + line.substr(at);
    }
    return {};
}

/// The tests a hang or crash left unrun ran again in a process of their own: each counts, and
/// each that failed is named.
void count_the_rerun(CheckResult& c, const TestBinaryRun& run, const Workspace& ws, int& passed) {
    for (const auto& t : run.rest->tests) {
        if (t.passed) {
            ++passed;
        } else {
            c.details.push_back(fmt::format(
                "{}: {}", t.name,
                t.failures.empty() ? "did not pass" : tidy_failure(ws, t.failures.front())));
            c.data["failed"].push_back(t.name);
        }
    }
    const char* what = run.hung() ? "hang" : "crash";
    c.details.push_back(
        run.rest->tests.empty()
            ? fmt::format("the tests after the {} ran again in a new process, which stopped "
                          "in its first test too",
                          what)
            : fmt::format("the {} test{} after the {} ran again in a new process: {} passed",
                          run.rest->tests.size(), run.rest->tests.size() == 1 ? "" : "s", what,
                          run.rest->passed()));
}

/// Every test ended, then the program did not end well (it never exited, or crashed at exit):
/// the exit counts as one more test, failed.
void judge_bad_exit(CheckResult& c, const TestBinaryRun& run, const Workspace& ws, int passed,
                    int& total) {
    const ProcessOutcome& p = run.process;
    c.message = p.stuck_at_exit
                    ? "every test ended, but the test binary never exited: a static "
                      "destructor or a thread that is never joined blocks the end of the "
                      "program"
                    : fmt::format(
                          "every test ended, but the test binary then {} (in a "
                          "static destructor or at exit)",
                          p.describe());
    c.details.push_back(
        "a clean exit counts as one more test: fix what runs after main() returns (static "
        "objects' destructors, threads still running, atexit handlers)");
    for (auto& line : summarise_backtraces(ws, p.err)) c.details.push_back(std::move(line));
    c.data["stuck_at_exit"] = p.stuck_at_exit;
    ++total;  // the exit
    c.message = fmt::format("{}; {}", c.message, count_tests(passed, total));
    for (auto& line : last_lines(p.err, 15)) c.data["stderr_tail"].push_back(std::move(line));
}

/// The binary stopped before GoogleTest could write its results (or wrote none): the verdict
/// says how it stopped and during which test, from the progress the harness recorded.
void judge_stopped_run(CheckResult& c, const TestBinaryRun& run, const Workspace& ws, int& passed,
                       int& total) {
    const ProcessOutcome& p = run.process;
    for (const auto& [name, ok] : run.progress.ended) passed += ok ? 1 : 0;
    const auto running = run.hung_test();
    if (run.rest) count_the_rerun(c, run, ws, passed);
    const std::string during = running ? fmt::format(" during {}", *running) : "";
    // Every test ended, then the program did not end well: the exit is graded like one more
    // test, so that the release and sanitizer runs give the same verdict.
    const bool after_the_tests = run.progress.finished && !running && total > 0 &&
                                 (p.stuck_at_exit || p.termination == Termination::signaled);
    if (after_the_tests) {
        judge_bad_exit(c, run, ws, passed, total);
        return;
    }
    if (p.termination == Termination::failed_to_start) {
        c.status = CheckStatus::error;
        c.message = "could not run the test binary: " + p.start_error;
    } else if (total == 0 && p.ok()) {
        c.message = "the test binary ran no test";
    } else if (total == 0) {
        c.message =
            fmt::format("the test binary could not even list its tests: it {}", p.describe());
    } else if (run.hung()) {
        const double limit = p.termination == Termination::timed_out
                                 ? static_cast<double>(p.elapsed.count()) / 1000.0
                                 : 0;
        c.message = running ? fmt::format("timed out, likely deadlock: {} never finished", *running)
                            : std::string(
                                  "timed out, likely deadlock (no test was running: a hang outside "
                                  "the tests)");
        if (limit > 0) c.message += fmt::format(" (the binary was killed after {:.0f} s)", limit);
        for (auto& line : summarise_backtraces(ws, p.err)) c.details.push_back(std::move(line));
        c.data["hung_test"] = running.value_or("");
    } else if (!p.limit_exceeded.empty()) {
        c.message = fmt::format("{}{}", p.limit_exceeded,
                                running ? fmt::format(" (during {})", *running) : "");
    } else if (p.termination == Termination::signaled) {
        const std::string reason = abort_reason(run);
        c.message = fmt::format("crashed{}: {}{}", during, p.describe(),
                                reason.empty() ? "" : ": " + reason);
    } else if (run.premature_exit) {
        c.message = fmt::format(
            "the test binary stopped{}: exit() or quick_exit() was called before the tests "
            "finished",
            during);
    } else if (run.results && run.progress.running().has_value()) {
        c.message = fmt::format(
            "the test binary stopped{} before its tests finished; the results file it left "
            "was not written by the test framework and is ignored",
            during);
    } else if (p.termination == Termination::exited && p.exit_code != 0 && p.exit_code != 1) {
        const std::string reason = abort_reason(run);
        c.message =
            reason.empty()
                ? fmt::format(
                      "the test binary {}{} (an uncaught exception or std::terminate prints above)",
                      p.describe(), during)
                : fmt::format("the test binary {}{}: {}", p.describe(), during, reason);
    } else {
        c.message =
            fmt::format("the test binary {} without writing its results{}", p.describe(), during);
    }
    if (c.status != CheckStatus::error) {
        c.message = fmt::format("{}; {}", c.message, count_tests(passed, total));
    }
    // The tail of what the binary printed is the best evidence left.
    for (auto& line : last_lines(p.err, 15)) c.data["stderr_tail"].push_back(std::move(line));
}

}  // namespace

CheckResult judge_tests(const TestBinaryRun& run, int points, const Workspace& ws) {
    CheckResult c;
    c.name = check_name(CheckKind::tests);
    c.max_score = points;
    c.seconds = seconds_of(run.process);
    const ProcessOutcome& p = run.process;
    int total = static_cast<int>(run.listed.size());
    int passed = 0;
    const bool normal_exit =
        p.termination == Termination::exited && (p.exit_code == 0 || p.exit_code == 1);
    // A test that started and never ended means the binary stopped mid-run: whatever results
    // file exists then was not written by GoogleTest at the end of the run.
    const bool stopped_mid_test = run.progress.running().has_value();
    if (run.results && normal_exit && !run.premature_exit && !stopped_mid_test) {
        judge_finished_run(c, run, ws, passed, total);
    } else {
        judge_stopped_run(c, run, ws, passed, total);
    }
    if (p.dropped_bytes > 0)
        c.details.push_back(fmt::format("(output flood: {} bytes were dropped)", p.dropped_bytes));
    c.data["passed"] = passed;
    c.data["total"] = total;
    if (c.status != CheckStatus::error)
        c.status = total > 0 && passed == total ? CheckStatus::pass : CheckStatus::fail;
    c.score = total > 0 ? points * static_cast<double>(passed) / total : 0;
    if (c.status == CheckStatus::error) c.score = 0;
    return c;
}

CheckResult run_tests_check(KataRun& k) {
    k.step("tests");
    TestRunOptions& run = k.tests_run;
    run.binary = k.builder.binary("release", k.exercise, k.tests_target());
    run.scratch = k.ws.scratch_dir(k.exercise, "tests");
    run.timeout_seconds = k.exercise.timeout_seconds;
    run.containment = k.containment;
    run.fail_fast = k.options.fail_fast;
    if (k.options.memory_limit_mib > 0) run.memory_limit_mib = k.options.memory_limit_mib;
    run.test_timeout_seconds = k.options.test_timeout_seconds > 0 ? k.options.test_timeout_seconds
                                                                  : k.exercise.test_timeout_seconds;
    const TestBinaryRun tests_run = run_test_binary(k.runner, run);
    CheckResult tests = judge_tests(tests_run, k.exercise.tests_points.value_or(0), k.ws);
    // What the runner did beyond judging (processes it killed) comes first in the evidence.
    tests.details.insert(tests.details.begin(), tests_run.notes.begin(), tests_run.notes.end());
    tests.tamper = tests_run.tamper;
    apply_test_visibility(tests, tests_run, k.exercise.hidden_tests);
    if (tests_run.hung()) k.hung_test = tests_run.hung_test().value_or("");
    if (tests_run.process.stuck_at_exit) run.exit_hang_proven = true;
    return tests;
}

}  // namespace interleave
