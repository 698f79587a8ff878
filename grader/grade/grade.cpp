#include "grade/grade.hpp"

#include "checks/checks.hpp"
#include "checks/manual_check.hpp"
#include "checks/visibility.hpp"

#include <fmt/format.h>
#include <fmt/ranges.h>

#include <chrono>

namespace fs = std::filesystem;

namespace interleave {

namespace {

CheckResult skipped(const std::string& name, double points, const std::string& why) {
    CheckResult c;
    c.name = name;
    c.status = CheckStatus::skipped;
    c.max_score = points;
    c.message = why;
    return c;
}

double seconds_since(std::chrono::steady_clock::time_point t0) {
    return std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
}

}  // namespace

Containment resolve_containment(Isolation isolation) {
    switch (isolation) {
        case Isolation::none:
            return Containment::process_group;
        case Isolation::automatic:
            return bubblewrap_usable() ? Containment::read_only : Containment::process_group;
        case Isolation::full:
            if (!bubblewrap_usable())
                throw std::runtime_error(
                    "--isolate: bubblewrap (bwrap) is not installed or cannot create namespaces "
                    "here (install the bubblewrap package; in a container, allow user "
                    "namespaces), so student code cannot be fully isolated");
            return Containment::offline;
    }
    return Containment::process_group;
}

Grader::Grader(const Course& course, ProcessRunner& runner, Workspace ws)
    : course_(course), runner_(runner), ws_(std::move(ws)) {}

void apply_prerequisites(KataReport& kata) {
    const CheckResult* tests = kata.find("tests");
    const bool tests_passed = tests != nullptr && tests->status == CheckStatus::pass;
    for (auto& c : kata.checks) {
        if (c.name == "timing" && !tests_passed && c.status != CheckStatus::skipped) {
            c = skipped("timing", c.max_score,
                        "not measured: speed is graded once every correctness test passes");
        }
    }
    total_up(kata);
}

GradeReport Grader::grade(const GradeOptions& options, const ProgressFn& progress) {
    const auto t0 = std::chrono::steady_clock::now();
    GradeReport report;
    report.course = course_.title;
    report.source = options.source_label;
    // Every kata gets staged files before the first configure (a kata's CMake may compile
    // student sources); katas not graded now keep what they had, or the stubs.
    for (const auto& e : course_.exercises) {
        const bool graded =
            std::find(options.katas.begin(), options.katas.end(), &e) != options.katas.end();
        if (!graded && fs::exists(ws_.stage_dir(e))) continue;
        stage_student_files(
            ws_, e, graded ? options.layers : SourceLayers{{course_.root / "exercises", true}});
    }
    const Containment containment = resolve_containment(options.isolation);
    report.notes.emplace_back(containment_note(containment));
    if (containment == Containment::process_group && options.isolation == Isolation::automatic)
        report.notes.emplace_back(
            "student code could write outside its scratch folder: bubblewrap (bwrap) is not "
            "installed or cannot create namespaces here; the grading tree is checked after each "
            "kata instead");
    // Student code must not change what grades it: checked after each kata, whatever the
    // containment (GradingTreeChanged ends the grade).
    const TreeSeal seal = TreeSeal::take(course_.root);
    for (const Exercise* e : options.katas) {
        report.katas.push_back(grade_kata(*e, options, containment, progress));
        seal.check_after(e->id);
        // The manually graded part: pending whatever the other checks did (total_up below
        // keeps its points out of the automatic total).
        if (e->manual) {
            const fs::path file = ws_.stage_dir(*e) / e->manual->file;
            report.katas.back().checks.push_back(judge_manual(
                *e->manual,
                fs::exists(file) ? std::optional<std::string>(read_file(file)) : std::nullopt));
        }
    }
    for (const auto& k : report.katas) {
        for (const auto& c : k.checks) {
            for (const auto& d : c.details) {
                if ((d.find("setarch -R") != std::string::npos || is_leaks_unchecked_note(d)) &&
                    std::find(report.notes.begin(), report.notes.end(), d) == report.notes.end()) {
                    report.notes.push_back(d);
                }
            }
        }
    }
    total_up(report);
    report.seconds = seconds_since(t0);
    return report;
}

CheckResult Grader::run_asan_check(BuildDriver& builder, const Exercise& e,
                                   const GradeOptions& options, const TestRunOptions& tests_run,
                                   bool tests_passed, const ProgressFn& progress) {
    const int points = e.asan_points.value_or(0);
    if (!options.asan) return skipped("asan", points, "AddressSanitizer disabled (--no-asan)");
    if (progress) progress(e.id, "asan");
    const std::string target = e.id + "_tests";
    const BuildOutcome build = builder.build("asan", {target});
    if (!build.ok) {
        CheckResult c =
            judge_build_failure(build, ws_, "compiling with AddressSanitizer and UBSan");
        c.name = "asan";
        c.max_score = points;
        return c;
    }
    TestRunOptions a = tests_run;
    a.binary = builder.binary("asan", e, target);
    a.scratch = ws_.scratch_dir(e, "asan");
    a.address_sanitizer = true;
    // ASan's shadow memory and quarantine make resident memory grow like TSan's.
    a.memory_limit_mib = tests_run.memory_limit_mib * kTsanMemoryFactor;
    // ASan and UBSan slow code about 2-3x in a Debug build: the deadlines grow.
    a.timeout_seconds = tests_run.timeout_seconds * 3;
    a.test_timeout_seconds = tests_run.test_timeout_seconds * 3;
    const TestBinaryRun asan_run = run_test_binary(runner_, a);
    return judge_asan(asan_run, points, tests_passed, ws_);
}

KataReport Grader::grade_kata(const Exercise& e, const GradeOptions& options,
                              Containment containment, const ProgressFn& progress) {
    auto step = [&](const std::string& stage) {
        if (progress) progress(e.id, stage);
    };
    KataReport kata;
    kata.id = e.id;
    kata.folder = e.folder;
    kata.title = e.title;
    const int tests_points = e.tests_points.value_or(0);
    const int tsan_points = e.tsan_points.value_or(0);
    const bool want_tsan = options.tsan && e.tsan_points.has_value();
    const bool want_timing = options.timing && e.timing.has_value();
    const std::string tests_target = e.id + "_tests";
    const std::string bench_target = e.id + "_bench";

    auto not_built = [&](const std::string& why) {
        kata.checks.push_back(skipped("tests", tests_points, why));
        if (e.tsan_points) kata.checks.push_back(skipped("tsan", tsan_points, why));
        if (e.timing) kata.checks.push_back(skipped("timing", e.timing->points, why));
        if (e.asan_points) kata.checks.push_back(skipped("asan", *e.asan_points, why));
    };

    step("stage");
    const StageResult staged = stage_student_files(ws_, e, options.layers);
    if (!staged.missing.empty()) {
        CheckResult build;
        build.name = "build";
        build.status = CheckStatus::fail;
        build.message = fmt::format("missing student file{}: {} (expected in {})",
                                    staged.missing.size() == 1 ? "" : "s",
                                    fmt::join(staged.missing, ", "), e.folder);
        kata.checks.push_back(build);
        not_built("not graded: a student file is missing");
        apply_prerequisites(kata);
        return kata;
    }

    step("build");
    BuildDriver builder(runner_, ws_, options.jobs);
    std::vector<std::string> targets{tests_target};
    if (want_timing) targets.push_back(bench_target);
    const BuildOutcome release = builder.build("release", targets);
    if (!release.ok) {
        kata.checks.push_back(judge_build_failure(release, ws_, "compiling"));
        not_built("not graded: the code does not compile");
        apply_prerequisites(kata);
        return kata;
    }
    CheckResult build;
    build.name = "build";
    build.status = CheckStatus::pass;
    build.message = "compiles";
    build.seconds = release.seconds;
    kata.checks.push_back(build);

    step("tests");
    TestRunOptions run;
    run.binary = builder.binary("release", e, tests_target);
    run.scratch = ws_.scratch_dir(e, "tests");
    run.timeout_seconds = e.timeout_seconds;
    run.containment = containment;
    if (options.memory_limit_mib > 0) run.memory_limit_mib = options.memory_limit_mib;
    run.test_timeout_seconds =
        options.test_timeout_seconds > 0 ? options.test_timeout_seconds : e.test_timeout_seconds;
    const TestBinaryRun tests_run = run_test_binary(runner_, run);
    CheckResult tests = judge_tests(tests_run, tests_points, ws_);
    // What the runner did beyond judging (processes it killed) comes first in the evidence.
    tests.details.insert(tests.details.begin(), tests_run.notes.begin(), tests_run.notes.end());
    apply_test_visibility(tests, tests_run, e.hidden_tests);
    const bool tests_passed = tests.status == CheckStatus::pass;
    kata.checks.push_back(tests);

    if (e.tsan_points) {
        if (!want_tsan) {
            kata.checks.push_back(
                skipped("tsan", tsan_points, "ThreadSanitizer disabled (--no-tsan)"));
        } else {
            step("tsan");
            const BuildOutcome tsan_build = builder.build("tsan", {tests_target});
            if (!tsan_build.ok) {
                CheckResult c = judge_build_failure(tsan_build, ws_,
                                                    "compiling with clang for ThreadSanitizer");
                c.name = "tsan";
                c.max_score = tsan_points;
                kata.checks.push_back(c);
            } else {
                TestRunOptions t = run;
                t.binary = builder.binary("tsan", e, tests_target);
                t.scratch = ws_.scratch_dir(e, "tsan");
                t.sanitizer = true;
                t.memory_limit_mib = run.memory_limit_mib * kTsanMemoryFactor;
                // TSan slows code 5-15x: the deadlines grow, the stress loops shrink.
                t.timeout_seconds = e.timeout_seconds * 3;
                t.test_timeout_seconds = run.test_timeout_seconds * 3;
                t.extra_env["KATA_STRESS_SCALE"] = std::to_string(e.tsan_stress_scale);
                const TestBinaryRun tsan_run = run_test_binary(runner_, t);
                CheckResult tsan = judge_tsan(tsan_run, tsan_points, tests_passed, ws_);
                apply_test_visibility(tsan, tsan_run, e.hidden_tests);
                kata.checks.push_back(tsan);
            }
        }
    }

    if (e.asan_points)
        kata.checks.push_back(run_asan_check(builder, e, options, run, tests_passed, progress));

    if (e.timing) {
        if (!want_timing) {
            kata.checks.push_back(
                skipped("timing", e.timing->points, "timing disabled (--no-timing)"));
        } else if (!tests_passed) {
            kata.checks.push_back(
                skipped("timing", e.timing->points,
                        "not measured: speed is graded once every correctness test passes"));
        } else {
            step("timing");
            CheckResult timing;
            for (int attempt = 0; attempt < 2; ++attempt) {
                const BenchmarkRun bench = run_benchmark(
                    runner_, builder.binary("release", e, bench_target),
                    ws_.scratch_dir(e, "timing"), *e.timing, e.timeout_seconds, containment);
                if (!bench.error.empty()) {
                    timing = CheckResult{};
                    timing.name = "timing";
                    timing.status = CheckStatus::fail;
                    timing.max_score = e.timing->points;
                    timing.message = bench.error;
                    timing.seconds = bench.seconds;
                    break;
                }
                timing = judge_timing(*e.timing, bench.samples);
                timing.seconds = bench.seconds;
                // A run too noisy to judge gets one more chance before it is called inconclusive.
                if (!timing_inconclusive(timing)) break;
                timing.details.push_back(
                    fmt::format("attempt {} was too noisy to judge", attempt + 1));
            }
            kata.checks.push_back(timing);
        }
    }
    apply_prerequisites(kata);
    return kata;
}

}  // namespace interleave
