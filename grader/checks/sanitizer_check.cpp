#include "checks/sanitizer_check.hpp"

#include "checks/evidence.hpp"

#include <fmt/format.h>
#include <fmt/ranges.h>

namespace interleave {

CheckResult sanitizer_check_start(const SanitizerTool& tool, const TestBinaryRun& run, int points) {
    CheckResult c;
    c.name = check_name(tool.kind);
    c.max_score = points;
    c.seconds = seconds_of(run.process);
    for (const auto& n : run.notes) c.details.push_back(n);
    c.tamper = run.tamper;
    return c;
}

CheckResult finish_clean_run(CheckResult c, const SanitizerTool& tool, const TestBinaryRun& run,
                             const Workspace& ws) {
    const ProcessOutcome& p = run.process;
    const bool stopped = run.hung() || p.termination == Termination::signaled ||
                         (p.termination == Termination::exited && tool.report_exit_code != 0 &&
                          p.exit_code == tool.report_exit_code);
    if (stopped) {
        CheckResult as_tests = judge_tests(run, 0, ws);
        c.status = CheckStatus::fail;
        c.message = fmt::format("under {}: {}", tool.name, as_tests.message);
        for (auto& d : as_tests.details) c.details.push_back(std::move(d));
        if (as_tests.data.contains("stderr_tail"))
            c.data["stderr_tail"] = as_tests.data["stderr_tail"];
        return c;
    }
    if (p.termination == Termination::failed_to_start) {
        c.status = CheckStatus::error;
        c.message = fmt::format("could not run the {} build: {}", tool.name, p.start_error);
        c.infrastructure = true;
        return c;
    }
    c.status = CheckStatus::pass;
    c.score = c.max_score;
    c.message = tool.clean;
    if (run.results && run.results->failed() > 0) {
        // Named, with what they mean for the score: the tests check grades the release run.
        std::vector<std::string> names;
        for (const auto& t : run.results->tests) {
            if (t.passed) continue;
            names.push_back(t.name);
            c.data["failed_tests"].push_back(t.name);
        }
        c.details.push_back(fmt::format(
            "{} test{} failed in the {} build: {}. This check grades {} only, and the tests "
            "check grades the release build, so no points move here; but a test that fails "
            "only under a sanitizer (5-15x slower) usually fails by the schedule, a real bug "
            "that the slowdown brought into view: read its message with `--verbose`",
            names.size(), names.size() == 1 ? "" : "s", tool.name, fmt::join(names, ", "),
            tool.graded));
        for (const auto& t : run.results->tests) {
            if (t.passed || t.failures.empty()) continue;
            c.details.push_back(
                fmt::format("{}: {}", t.name, tidy_failure(ws, t.failures.front())));
        }
    }
    return c;
}

CheckResult run_sanitizer_check(KataRun& k, const SanitizerTool& tool, int points,
                                const std::function<void(TestRunOptions&)>& adapt,
                                const std::function<CheckResult(const TestBinaryRun&)>& judge) {
    k.step(tool.preset);
    const BuildOutcome build = k.build(tool.preset, k.tests_target());
    if (!build.ok) {
        CheckResult c = judge_build_failure(build, k.ws, tool.building);
        c.name = check_name(tool.kind);
        c.max_score = points;
        return c;
    }
    TestRunOptions run = k.tests_run;
    run.binary = k.builder.binary(tool.preset, k.exercise, k.tests_target());
    run.scratch = k.ws.scratch_dir(k.exercise, tool.preset);
    adapt(run);
    return judge(run_test_binary(k.runner, run));
}

}  // namespace interleave
