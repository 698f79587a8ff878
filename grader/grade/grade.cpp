#include "grade/grade.hpp"

#include "checks/checks.hpp"
#include "checks/manual_check.hpp"
#include "checks/visibility.hpp"
#include "report/utf8.hpp"
#include "score/scorer.hpp"
#include "workspace/tree_seal.hpp"

#include <fmt/format.h>
#include <fmt/ranges.h>

#include <chrono>

namespace fs = std::filesystem;

namespace interleave {

namespace {

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
    for (auto& k : report.katas) {
        for (auto& c : k.checks) {
            if (c.tamper.empty()) continue;
            // Evidence comes first in the details, so that every format shows it.
            std::vector<std::string> evidence;
            for (const auto& t : c.tamper) evidence.push_back("tamper evidence: " + t);
            c.details.insert(c.details.begin(), evidence.begin(), evidence.end());
            // A build that refused the source (an include of a test framework or of a file
            // outside the kata, a redefined assertion) has failed: the note must not say that
            // nothing was penalised.
            const bool refused = is_refused_build(c);
            report.notes.push_back(
                refused ? fmt::format("{}: the source was not compiled (see the build check's "
                                      "tamper evidence): a student file may not include a test "
                                      "framework or a file outside its kata, nor redefine the "
                                      "harness's assertions",
                                      k.id)
                : c.is(CheckKind::build)
                    ? fmt::format("{}: the source does things no kata needs (see the build "
                                  "check's tamper evidence): listed for review, not penalised",
                                  k.id)
                    : fmt::format("{}: the {} check found evidence that the submission wrote "
                                  "to its own results (see that check); only what the grader "
                                  "received directly counts",
                                  k.id, c.name));
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
    // Student bytes enter the report here, once cleaned: every format needs valid UTF-8.
    make_valid_utf8(report);
    total_up(report);
    report.seconds = seconds_since(t0);
    return report;
}

KataReport Grader::grade_kata(const Exercise& e, const GradeOptions& options,
                              Containment containment, const ProgressFn& progress) {
    KataReport kata;
    kata.id = e.id;
    kata.folder = e.folder;
    kata.title = e.title;
    KataRun k{runner_,  ws_, e,  options, containment, BuildDriver(runner_, ws_, options.jobs),
              progress, {},  {}, {},      {},          {}};
    // The plan: build and tests always (predict instead, for a kata of predictions); tsan,
    // explore, asan and timing where exercise.yaml has them.
    kata.checks.push_back(run_build_check(k));
    if (e.predict) {
        // A kata of predictions runs no student code: its one check reads the answers.
        kata.checks.push_back(k.not_built.empty() ? run_predict_check(k)
                                                  : skipped_check(CheckKind::predict,
                                                                  e.predict->points, k.not_built));
        score_kata(kata);
        return kata;
    }
    if (k.not_built.empty() && !e.tests_use_every_core) {
        // The sanitizer trees compile at the lowest priority while the release tests run (on
        // the cores their waits leave free).
        std::vector<std::string> tsan_tree;
        if (options.tsan && e.tsan_points) tsan_tree.push_back(k.tests_target());
        if (options.explore && e.explore) tsan_tree.push_back(k.explore_target());
        k.build_early("tsan", tsan_tree);
        if (options.asan && e.asan_points) k.build_early("asan", {k.tests_target()});
        // The explorer is one process on one core, and these tests mostly wait.
        if (e.explore) start_explore_early(k);
    }
    auto next = [&](CheckKind kind, double points, const std::function<CheckResult()>& run) {
        kata.checks.push_back(k.not_built.empty() ? run()
                                                  : skipped_check(kind, points, k.not_built));
    };
    next(CheckKind::tests, e.tests_points.value_or(0), [&] { return run_tests_check(k); });
    const bool tests_passed = kata.checks.back().status == CheckStatus::pass;
    if (e.tsan_points) next(CheckKind::tsan, *e.tsan_points, [&] { return run_tsan_check(k); });
    if (e.explore)
        next(CheckKind::explore, e.explore->points, [&] { return run_explore_check(k); });
    if (e.asan_points) next(CheckKind::asan, *e.asan_points, [&] { return run_asan_check(k); });
    if (e.timing) {
        // Speed is measured only once every test passes (the scorer says why it was not).
        next(CheckKind::timing, e.timing->points, [&] {
            return tests_passed || !options.timing
                       ? run_timing_check(k)
                       : skipped_check(CheckKind::timing, e.timing->points);
        });
    }
    score_kata(kata);
    return kata;
}

}  // namespace interleave
