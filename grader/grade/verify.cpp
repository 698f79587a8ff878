#include "grade/verify.hpp"

#include "checks/checks.hpp"

#include <fmt/format.h>
#include <fmt/ranges.h>

#include <algorithm>
#include <chrono>

namespace fs = std::filesystem;

namespace interleave {

namespace {

bool contains(const std::vector<std::string>& v, const std::string& s) {
    return std::find(v.begin(), v.end(), s) != v.end();
}

double seconds_since(std::chrono::steady_clock::time_point start) {
    return std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
}

std::string first_problem(const KataReport& kata) {
    for (const auto& c : kata.checks) {
        if (c.status == CheckStatus::fail || c.status == CheckStatus::error) {
            return fmt::format("{}: {}", c.name, c.message);
        }
    }
    return {};
}

/// True when some check of the kata reached no verdict because the machine was too noisy (the
/// timing check's "inconclusive"), or, for a mutant, when its timing passed in a run that did
/// not show the effect the mutant suffers from ("unproven"): neither is an outcome to judge a
/// row on.
bool undecided(const KataReport& kata, bool mutant) {
    return std::any_of(kata.checks.begin(), kata.checks.end(), [&](const CheckResult& c) {
        return c.inconclusive || (mutant && c.unproven);
    });
}

/// The most grades of one row while it stays undecided: a noisy moment on a shared machine
/// passes, so each regrade is another chance at a verdict, not another verdict.
constexpr int kMaxGrades = 3;

/// Grades `options`, and grades again (at most kMaxGrades in all) while the row is undecided
/// (see undecided(); `mutant` says which kind of row); `regrades` counts the extra grades.
GradeReport grade_to_a_verdict(Grader& grader, const GradeOptions& options,
                               const ProgressFn& progress, int& regrades, bool mutant) {
    GradeReport report = grader.grade(options, progress);
    for (int n = 1; n < kMaxGrades && undecided(report.katas.front(), mutant); ++n) {
        ++regrades;
        report = grader.grade(options, progress);
    }
    return report;
}

std::string regrade_note(int regrades) {
    return regrades == 0
               ? ""
               : fmt::format(" (regraded {} time(s): the timing was inconclusive or unproven)",
                             regrades);
}

/// True when an asan check ran without LeakSanitizer.
bool leaks_unchecked(const CheckResult& c) {
    return std::any_of(c.details.begin(), c.details.end(), is_leaks_unchecked_note);
}

}  // namespace

std::string summarise_checks(const KataReport& kata) {
    std::vector<std::string> parts;
    for (const auto& c : kata.checks) {
        std::string status = to_string(c.status);
        if (c.status == CheckStatus::fail || c.status == CheckStatus::error) {
            std::transform(status.begin(), status.end(), status.begin(), ::toupper);
        }
        parts.push_back(c.name + " " + status);
    }
    return fmt::format("{}", fmt::join(parts, ", "));
}

VerifyRow judge_mutant(const KataReport& kata, const std::string& bug,
                       const MutantExpectation& expect) {
    VerifyRow row;
    row.kata = kata.id;
    row.subject = "mutant " + bug;
    row.expected = "fails " + fmt::format("{}", fmt::join(expect.fails, ", "));
    row.observed = summarise_checks(kata);
    for (const auto& c : kata.checks) row.checks.emplace_back(c.name, c.status);
    row.expected_checks = expect.fails;
    row.ok = true;
    for (const auto& name : expect.fails) {
        const CheckResult* c = kata.find(name);
        if (c == nullptr || c->status != CheckStatus::fail) {
            row.ok = false;
            row.why = fmt::format("survived: check `{}` {} ({})", name,
                                  c == nullptr ? "was not run" : "did not fail",
                                  c == nullptr ? "" : c->message);
            if (c != nullptr && c->unproven) {
                row.why +=
                    "; every grade ran on a machine that did not show the effect this mutant "
                    "suffers from (exercise.yaml must_show): verify it on another machine";
            }
            if (c != nullptr && leaks_unchecked(*c)) {
                row.why +=
                    "; LeakSanitizer could not run on this machine, so a leak cannot be caught "
                    "here: grade where ptrace is allowed";
            }
            return row;
        }
    }
    for (const auto& c : kata.checks) {
        const bool failed = c.status == CheckStatus::fail || c.status == CheckStatus::error;
        if (failed && !contains(expect.fails, c.name) && !contains(expect.may_fail, c.name)) {
            row.ok = false;
            row.why =
                fmt::format("caught by the wrong check: `{}` failed too ({})", c.name, c.message);
            return row;
        }
    }
    return row;
}

namespace {

/// Which of the reference's checks a verify part grades. The whole grade in `all`; split in
/// the other two, so that the part that must run alone on a quiet machine (timed) spends its
/// time on timing only: `timed` grades build, tests and timing, `untimed` everything else.
enum class ReferenceChecks { all, timing_only, all_but_timing };

/// Grades the reference `runs` times with `checks`; ok only if every run earns full marks on
/// every check it ran.
VerifyRow verify_reference(const Exercise& e, Grader& grader, int runs, ReferenceChecks checks,
                           const GradeOptions& base, const SourceLayer& solutions,
                           const ProgressFn& progress) {
    const auto start = std::chrono::steady_clock::now();
    GradeOptions reference = base;
    reference.layers = {solutions};
    reference.source_label = "solutions";
    std::string expected = "full marks";
    if (checks == ReferenceChecks::timing_only) {
        reference.tsan = reference.asan = reference.explore = false;
        expected = "full marks on tests and timing";
    } else if (checks == ReferenceChecks::all_but_timing) {
        reference.timing = false;
        if (e.timing) expected = "full marks on all but timing";
    }
    // Every check passes, except one switched off for this run; a manually graded part is
    // pending whatever the code does.
    auto full_marks = [&](const KataReport& k) {
        return std::all_of(k.checks.begin(), k.checks.end(), [&](const CheckResult& c) {
            if (c.status == CheckStatus::pass || c.status == CheckStatus::pending) return true;
            return c.status == CheckStatus::skipped &&
                   ((c.is(CheckKind::tsan) && !reference.tsan) ||
                    (c.is(CheckKind::timing) && !reference.timing) ||
                    (c.is(CheckKind::asan) && !reference.asan) ||
                    (c.is(CheckKind::explore) && !reference.explore));
        });
    };
    VerifyRow r{e.id, "reference", expected, "", true, ""};
    runs = std::max(runs, 1);
    int regrades = 0;
    for (int run = 1; run <= runs; ++run) {
        const GradeReport ref = grade_to_a_verdict(grader, reference, progress, regrades, false);
        const KataReport& rk = ref.katas.front();
        add_reference_run(r.margins, rk);
        // The row shows the first run that missed full marks, else the last run.
        if (!r.ok) continue;
        r.observed = summarise_checks(rk);
        if (full_marks(rk)) continue;
        r.ok = false;
        r.why = fmt::format("{}scored {:.4g}/{:.4g}; {}",
                            runs == 1 ? "" : fmt::format("run {} of {}: ", run, runs), rk.score,
                            rk.max_score, first_problem(rk));
    }
    if (runs > 1) r.expected = fmt::format("{} x{}", expected, runs);
    if (!r.ok) r.why += regrade_note(regrades);
    r.seconds = seconds_since(start);
    return r;
}

/// Grades the stub on its tests only (TSan and timing would be skipped or meaningless): it must
/// compile and score 0.
VerifyRow verify_stub(const Exercise& e, Grader& grader, const GradeOptions& base,
                      const SourceLayer& stubs, const ProgressFn& progress) {
    const auto start = std::chrono::steady_clock::now();
    GradeOptions stub = base;
    stub.layers = {stubs};
    stub.source_label = "exercises";
    stub.tsan = false;
    stub.timing = false;
    stub.asan = false;
    stub.explore = false;
    const GradeReport st = grader.grade(stub, progress);
    const KataReport& sk = st.katas.front();
    // A kata of predictions has no tests: its answers template must score 0 on predict.
    const char* primary = e.predict ? "predict" : "tests";
    const CheckResult* tests = sk.find(primary);
    VerifyRow s{e.id, "stub", fmt::format("0 on {}", primary), summarise_checks(sk), false, ""};
    const CheckResult* build = sk.find("build");
    s.ok = build != nullptr && build->status == CheckStatus::pass && tests != nullptr &&
           tests->score == 0 && tests->status == CheckStatus::fail;
    if (!s.ok) {
        s.why = tests == nullptr ? fmt::format("no {} check", primary)
                                 : fmt::format("{}: {}", primary, tests->message);
        if (build != nullptr && build->status != CheckStatus::pass)
            s.why = "the stub must compile: " + build->message;
    }
    s.seconds = seconds_since(start);
    return s;
}

/// The grade options of one mutant: its tests plus the checks expected to catch it (every
/// enabled check with all_checks). A check it only may fail is not run: whatever it would say,
/// the row's verdict is the same.
GradeOptions mutant_options(const GradeOptions& base, const VerifyOptions& options,
                            const SourceLayer& solutions, const fs::path& dir,
                            const MutantExpectation& expect) {
    auto named = [&](const char* check) { return contains(expect.fails, check); };
    GradeOptions m = base;
    m.layers = {solutions, SourceLayer{dir, false}};
    m.source_label = "mutant " + dir.filename().string();
    m.tsan = named("tsan") || (options.all_checks && options.tsan);
    m.timing = named("timing") || (options.all_checks && options.timing);
    m.explore = named("explore") || options.all_checks;
    // ASan is a build of its own: mutants pay for it only when it is what catches them.
    m.asan = named("asan");
    // Whether each check fails is all that is asked: the first failure answers it.
    m.fail_fast = true;
    return m;
}

std::vector<fs::path> mutant_dirs(const Course& course, const Exercise& e,
                                  const std::string& filter) {
    std::vector<fs::path> dirs;
    const fs::path mutants = course.root / "tests" / "mutants" / e.id;
    if (!fs::is_directory(mutants)) return dirs;
    for (const auto& entry : fs::directory_iterator(mutants)) {
        const std::string bug = entry.path().filename().string();
        if (entry.is_directory() && (filter.empty() || bug.find(filter) != std::string::npos))
            dirs.push_back(entry.path());
    }
    std::sort(dirs.begin(), dirs.end());
    return dirs;
}

}  // namespace

std::vector<VerifyRow> verify_course(const Course& course, Grader& grader,
                                     const VerifyOptions& options,
                                     const std::function<void(const VerifyRow&)>& on_row,
                                     const ProgressFn& progress) {
    std::vector<VerifyRow> rows;
    auto emit = [&](VerifyRow row) {
        if (on_row) on_row(row);
        rows.push_back(std::move(row));
    };
    // A row belongs to the timed part exactly when its grade runs the timing check.
    auto wanted = [&](bool timed) {
        return options.part == VerifyPart::all ||
               (options.part == VerifyPart::timed) == (timed && options.timing);
    };
    const SourceLayer solutions{course.root / "solutions", true};
    const SourceLayer stubs{course.root / "exercises", true};
    for (const Exercise* e : options.katas) {
        GradeOptions base;
        base.katas = {e};
        // A row's verdict must not depend on how busy the machine is.
        base.explore_runs_only = true;
        base.tsan = options.tsan;
        base.timing = options.timing;
        base.jobs = options.jobs;

        const bool kata_timed = e->timing.has_value();
        if (options.part == VerifyPart::all) {
            emit(verify_reference(*e, grader, options.runs, ReferenceChecks::all, base, solutions,
                                  progress));
        } else if (options.part == VerifyPart::untimed) {
            emit(verify_reference(*e, grader, 1, ReferenceChecks::all_but_timing, base, solutions,
                                  progress));
        } else if (kata_timed && options.timing) {
            emit(verify_reference(*e, grader, options.runs, ReferenceChecks::timing_only, base,
                                  solutions, progress));
        }
        if (wanted(false)) emit(verify_stub(*e, grader, base, stubs, progress));
        for (const auto& dir : mutant_dirs(course, *e, options.mutant_filter)) {
            const MutantExpectation expect = load_mutant_expectation(dir / "expect.yaml");
            const GradeOptions m = mutant_options(base, options, solutions, dir, expect);
            if (!wanted(m.timing && kata_timed)) continue;
            const auto start = std::chrono::steady_clock::now();
            int regrades = 0;
            const GradeReport mr = grade_to_a_verdict(grader, m, progress, regrades, true);
            VerifyRow row = judge_mutant(mr.katas.front(), dir.filename().string(), expect);
            if (!row.ok) row.why += regrade_note(regrades);
            row.seconds = seconds_since(start);
            emit(std::move(row));
        }
    }
    return rows;
}

}  // namespace interleave
