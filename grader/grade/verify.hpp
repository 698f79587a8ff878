#pragma once
/// `kata verify`: the course checks itself. Every reference solution must score full marks,
/// every stub must score 0 on tests, and every mutant must fail exactly the checks its
/// expect.yaml names (and may fail only those listed under may_fail).

#include "grade/grade.hpp"

#include <ostream>
#include <string>
#include <vector>

namespace interleave {

/// One timing comparison of a reference solution over verify's runs (lower ratios are better:
/// full credit at <= full_credit_ratio, none at >= zero_credit_ratio).
struct ComparisonMargin {
    std::string name;
    double full_credit_ratio = 0;
    double zero_credit_ratio = 0;
    std::vector<double> ratios{};  ///< one per run that measured it, in run order
};

/// A reference solution's scores and timing comparisons over every run of `verify --runs N`.
struct ReferenceMargins {
    std::vector<double> scores{};  ///< one per run
    double max_score = 0;
    std::vector<ComparisonMargin> comparisons{};
};

struct VerifyRow {
    std::string kata;
    std::string subject;   ///< "reference", "stub", "mutant plain-int"
    std::string expected;  ///< "full marks", "0 on tests", "fails tsan"
    std::string observed;  ///< "tests pass, tsan FAIL, timing pass"
    bool ok = false;
    std::string why;  ///< when not ok: what went wrong, with the check's message
    /// For mutants: every check's status, in report order (the review's mutant matrix).
    std::vector<std::pair<std::string, CheckStatus>> checks{};
    /// For mutants: the checks expect.yaml says must fail.
    std::vector<std::string> expected_checks{};
    /// For references: every run's score and timing ratios (empty for other rows).
    ReferenceMargins margins{};
    /// Wall time spent grading this row (every run, for a reference).
    double seconds = 0;
};

/// Which rows a verify run decides. The timed part is every row whose grade includes a timing
/// check (the references and the mutants whose expect.yaml names timing): it wants a quiet
/// machine. The untimed part (stubs and the other mutants) may share the machine with other
/// work, so a test suite can run it alongside other tests and the timed part on its own.
enum class VerifyPart { all, timed, untimed };

struct VerifyOptions {
    std::vector<const Exercise*> katas;
    VerifyPart part = VerifyPart::all;
    bool tsan = true;
    bool timing = true;
    int jobs = 0;
    /// Only mutants whose folder name contains this (empty: all).
    std::string mutant_filter;
    /// Mutants run their tests plus the checks their expect.yaml names (fails or may_fail);
    /// with all_checks they also run TSan and timing (when enabled above), so the mutant matrix
    /// shows every check that would catch them. Slower: TSan on a hanging mutant waits for its
    /// deadline three times over.
    bool all_checks = false;
    /// How many times each reference is graded; it is ok only if every run scores full marks.
    int runs = 1;
};

/// Runs the whole verification, calling `on_row` as each row is decided.
std::vector<VerifyRow> verify_course(const Course& course, Grader& grader,
                                     const VerifyOptions& options,
                                     const std::function<void(const VerifyRow&)>& on_row,
                                     const ProgressFn& progress = {});

/// Judges one mutant's kata report against its expectation (pure; unit-tested).
VerifyRow judge_mutant(const KataReport& kata, const std::string& bug,
                       const MutantExpectation& expect);

/// The mutant matrix of a verify run: per kata, one line per mutant and one column per check;
/// "X" marks a check that caught the mutant, brackets the check expect.yaml names ("[X]" caught
/// as expected, "[ ]" expected but missed). Empty when no row is a mutant.
std::string mutant_matrix(const std::vector<VerifyRow>& rows);

/// "tests pass, tsan FAIL, timing skipped".
std::string summarise_checks(const KataReport& kata);

/// Adds one reference run to `margins`: its score and the timing check's comparisons
/// (`data.comparisons[]` of judge_timing). A run without timing data adds only its score.
void add_reference_run(ReferenceMargins& margins, const KataReport& run);

/// How far the worst ratio stays inside full credit: full_credit_ratio / max(ratios). Above 1
/// the reference kept full credit on every run; 1.2 means a machine 20% slower would still
/// give it. Infinity when no ratio is positive; 0 when there are no ratios.
double timing_margin(double full_credit_ratio, const std::vector<double>& ratios);

/// The "reference margins" section of a verify run: per reference row, its score over the runs
/// and each comparison's best, median and worst ratio, its full-credit threshold and margin.
std::string margins_section(const std::vector<VerifyRow>& rows);

/// One message per comparison whose margin is below `safety_factor` ("counter: comparison
/// `...`: margin 1.05 is below the safety factor 1.2 ..."); none when safety_factor <= 0.
std::vector<std::string> thin_margins(const std::vector<VerifyRow>& rows, double safety_factor);

}  // namespace interleave
