// The build check: the student's files staged beside the harness and compiled (release preset).
// A compile error costs only this kata, and quotes the compiler's first errors in the student's
// files.
#include "checks/checks.hpp"
#include "checks/evidence.hpp"
#include "checks/source_scan.hpp"

#include <fmt/format.h>
#include <fmt/ranges.h>

#include <set>
#include <tuple>

namespace fs = std::filesystem;

namespace interleave {

namespace {

/// How the message of a build check that refused the source begins (is_refused_build).
constexpr const char* kRefusedPrefix = "not compiled: ";

}  // namespace

bool is_refused_build(const CheckResult& build) {
    return build.is(CheckKind::build) && build.status == CheckStatus::fail &&
           build.message.rfind(kRefusedPrefix, 0) == 0;
}

CheckResult skipped_check(CheckKind kind, double points, std::string why) {
    CheckResult c;
    c.name = check_name(kind);
    c.status = CheckStatus::skipped;
    c.max_score = points;
    c.message = std::move(why);
    return c;
}

CheckResult disabled_check(CheckKind kind, double points, std::string why) {
    CheckResult c = skipped_check(kind, points, std::move(why));
    c.disabled = true;
    return c;
}

CheckResult judge_build_failure(const BuildOutcome& build, const Workspace& ws,
                                const std::string& what) {
    CheckResult c;
    c.name = check_name(CheckKind::build);
    c.status = CheckStatus::fail;
    c.seconds = build.seconds;
    // A student header included by several harness files fails in each of them: one error,
    // reported once.
    std::vector<Diagnostic> errors;
    std::set<std::tuple<std::string, int, int, std::string>> seen;
    for (auto& d : parse_compiler_errors(build.output)) {
        if (seen.emplace(d.file, d.line, d.column, d.message).second) errors.push_back(d);
    }
    std::vector<Diagnostic> picked;
    for (const auto& d : errors) {
        if (is_student_path(ws, d.file)) picked.push_back(d);
    }
    if (picked.empty()) picked = errors;
    std::vector<std::string> quoted;  // each error's source line and a caret, after the errors
    for (std::size_t i = 0; i < picked.size() && i < 5; ++i) {
        const auto& d = picked[i];
        c.details.push_back(fmt::format("{}:{}:{}: error: {}", display_path(ws, d.file), d.line,
                                        d.column, d.message));
        c.errors.push_back(SourceError{display_path(ws, d.file), d.line, d.column, d.message});
        if (i == 0 && is_student_path(ws, d.file) && fs::is_regular_file(d.file)) {
            const auto lines = lines_of(read_file(d.file));
            if (d.line >= 1 && static_cast<std::size_t>(d.line) <= lines.size()) {
                const std::string& text = lines[static_cast<std::size_t>(d.line) - 1];
                quoted.push_back(fmt::format("  {:>4} | {}", d.line, text));
                quoted.push_back(fmt::format(
                    "       | {}^",
                    std::string(static_cast<std::size_t>(std::max(0, d.column - 1)), ' ')));
            }
        }
    }
    if (build.infrastructure) {
        c.status = CheckStatus::error;
        c.message = fmt::format(
            "could not configure the build tree (an installation problem, not the student's code): "
            "{}",
            build.command);
        c.infrastructure = true;
        for (auto& line : last_lines(build.output, 20)) c.details.push_back(std::move(line));
        return c;
    }
    if (picked.empty()) {
        for (auto& line : last_lines(build.output, 20)) c.details.push_back(std::move(line));
        c.message = fmt::format("{} failed ({})", what, build.command);
    } else {
        c.message = fmt::format("{} failed: {} error{}; first: {}", what, errors.size(),
                                errors.size() == 1 ? "" : "s", c.details.front());
        c.details.insert(c.details.begin() + 1, quoted.begin(), quoted.end());
    }
    return c;
}

CheckResult run_build_check(KataRun& k) {
    const Exercise& e = k.exercise;
    k.step("stage");
    const StageResult staged = stage_student_files(k.ws, e, k.options.layers);
    if (!staged.missing.empty()) {
        CheckResult build = skipped_check(CheckKind::build, 0);
        build.status = CheckStatus::fail;
        build.message = fmt::format("missing student file{}: {} (expected in {})",
                                    staged.missing.size() == 1 ? "" : "s",
                                    fmt::join(staged.missing, ", "), e.folder);
        k.not_built = "not graded: a student file is missing";
        return build;
    }
    // Read before compiling: an #include that leaves the kata's folder is refused, and what
    // else the source says about how it means to be graded becomes tamper evidence.
    std::vector<std::string> tamper;
    std::vector<SourceFinding> refused;
    for (const auto& file : e.student_files) {
        const fs::path staged_file = k.ws.stage_dir(e) / file;
        if (!fs::is_regular_file(staged_file)) continue;
        for (auto& f : scan_student_source(e.folder + "/" + file, read_file(staged_file))) {
            if (f.forbidden_include) refused.push_back(f);
            tamper.push_back(fmt::format("{}:{}: {}", f.file, f.line, f.what));
        }
    }
    if (!refused.empty()) {
        CheckResult build = skipped_check(CheckKind::build, 0);
        build.status = CheckStatus::fail;
        build.message = fmt::format("{}{}:{}: {}", kRefusedPrefix, refused.front().file,
                                    refused.front().line, refused.front().what);
        build.tamper = tamper;
        k.not_built = "not graded: the code reaches into what grades it (see the build check)";
        return build;
    }
    if (!e.tests_points) {
        // A kata of predictions: the student's files are answers to read, not code to compile.
        CheckResult build = skipped_check(CheckKind::build, 0);
        build.status = CheckStatus::pass;
        build.message = "nothing to compile: the answers are read, never run";
        build.tamper = tamper;
        return build;
    }
    k.step("build");
    std::vector<std::string> targets{k.tests_target()};
    if (k.options.timing && e.timing) targets.push_back(k.bench_target());
    const BuildOutcome release = k.builder.build("release", targets);
    if (!release.ok) {
        k.not_built = "not graded: the code does not compile";
        CheckResult build = judge_build_failure(release, k.ws, "compiling");
        build.tamper = tamper;
        return build;
    }
    CheckResult build = skipped_check(CheckKind::build, 0);
    build.status = CheckStatus::pass;
    build.message = "compiles";
    build.tamper = tamper;
    build.seconds = release.seconds;
    return build;
}

}  // namespace interleave
