#include "commands/check.hpp"

#include "commands/command.hpp"
#include "commands/session.hpp"
#include "commands/state.hpp"
#include "commands/trace.hpp"
#include "report/reporter.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <chrono>

namespace interleave {

GradeReport check_kata(const CommandContext& ctx, Grader& grader, const Exercise& e,
                       const CheckOptions& options) {
    GradeOptions go;
    go.katas = {&e};
    const bool own = options.source.empty();
    go.layers = {{own ? ctx.exercises() : options.source, true}};
    go.source_label = own ? "exercises" : options.source.string();
    options.switches.apply(go);
    GradeReport report = grader.grade(go, ctx.progress);
    if (own) remember_grade(ctx.project, ctx.course, report);
    return report;
}

const Exercise* kata_to_check(const CommandContext& ctx, const std::string& name) {
    if (!name.empty()) return &find_kata(ctx.course, name, "check");
    return current_kata(ctx.course, load_state(state_file(ctx.project)), ctx.exercises());
}

namespace {

/// The student's trace from the tree just graded, the reference's from a tree of its own (so
/// that the next check does not rebuild the student's).
int write_traces(const CommandContext& ctx, ProcessRunner& runner, const Exercise& e,
                 const CheckOptions& options) {
    const auto t0 = std::chrono::steady_clock::now();
    if (ctx.progress) ctx.progress(e.id, "trace (your code)");
    const auto student = trace_path(ctx.project, e, "student");
    const SourceLayers own = {{options.source.empty() ? ctx.exercises() : options.source, true}};
    std::string error = write_trace(runner, ctx.ws, e, own, student);
    if (error.empty()) {
        if (ctx.progress) ctx.progress(e.id, "trace (reference)");
        const Workspace reference{ctx.project, ctx.ws.build_root.parent_path() / "trace-reference"};
        error = write_trace(runner, reference, e, {{ctx.project / "solutions", true}},
                            trace_path(ctx.project, e, "reference"));
    }
    if (ctx.progress) ctx.progress(e.id, "done");
    if (!error.empty()) {
        ctx.err << "kata check " << e.id << " --trace: " << error << "\n";
        return 2;
    }
    // The traces run after the report above, so its total leaves them out: their own time.
    const double seconds =
        std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
    ctx.out << fmt::format(
        "\ntraces written in {:.1f} s more (two runs of the benchmark, yours and the "
        "reference's):\n  {}\n  {}\nopen each in https://ui.perfetto.dev (\"Open trace "
        "file\"); exercises/{}/README.md says what to look for\n",
        seconds, student.string(), trace_path(ctx.project, e, "reference").string(), e.folder);
    return 0;
}

}  // namespace

int run_check(const CommandContext& ctx, Grader& grader, ProcessRunner& runner,
              const CheckOptions& options) {
    const Exercise* e = kata_to_check(ctx, options.kata);
    if (e == nullptr) {
        ctx.out << "every kata has full marks (`./kata check KATA` grades one again)\n";
        return 0;
    }
    const GradeReport report = check_kata(ctx, grader, *e, options);
    make_terminal_reporter(TerminalStyle{ctx.color, options.switches.verbose, "kata check"})
        ->render(report, ctx.out);
    const KataReport& k = report.katas.front();
    std::string next = next_check(k);
    if (next.ends_with(kNotRun)) next.resize(next.size() - std::string(kNotRun).size());
    const auto pending = std::find_if(k.checks.begin(), k.checks.end(), [](const CheckResult& c) {
        return c.status == CheckStatus::pending;
    });
    if (next.empty() && pending != k.checks.end()) {
        // Full marks would overstate it: a person still grades a part.
        const bool still_template = pending->data.value("template", false);
        ctx.out << fmt::format(
            "\n{}: automatic checks: full marks; {}: {}, graded by a person ({:.4g} points).\n",
            e->id, pending->data.value("file", pending->name),
            still_template ? "still the template" : "written", pending->max_score);
    } else if (next.empty()) {
        ctx.out << fmt::format("\n{}: full marks. `./kata list` shows what comes next.\n", e->id);
    } else if (const CheckResult* c = k.find(next); c != nullptr && c->disabled) {
        ctx.out << fmt::format("\nnext check to pass: {} ({}: run `./kata check {}` without it)\n",
                               next, c->message, e->id);
    } else {
        ctx.out << fmt::format("\nnext check to pass: {}. Stuck? `./kata hint {}` shows a hint.\n",
                               next, e->id);
    }
    if (infrastructure_failed(report)) return kExitInfrastructure;
    if (options.trace) return write_traces(ctx, runner, *e, options);
    return 0;
}

namespace {

class CheckCommand final : public Command {
  public:
    CLI::App* add_to(CLI::App& app) override {
        auto* cmd = app.add_subcommand("check", "Grade one kata (default: the current one)");
        cmd->add_option("kata", options_.kata, "Kata id or folder (default: the current one)");
        options_.switches.add_to(*cmd);
        cmd->add_flag("--trace", options_.trace,
                      "Also write build/trace/KATA.{student,reference}.json (url-pipeline)");
        return cmd;
    }

    int run(const GlobalOptions& global) override {
        GradingSession session(global);
        return run_check(session.context(), session.grader(), session.runner(), options_);
    }

  private:
    CheckOptions options_;
};

}  // namespace

std::unique_ptr<Command> check_command() {
    return std::make_unique<CheckCommand>();
}

}  // namespace interleave
