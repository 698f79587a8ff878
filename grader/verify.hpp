#pragma once
/// `kata verify`: the course checks itself. Every reference solution must score full marks,
/// every stub must score 0 on tests, and every mutant must fail exactly the checks its
/// expect.yaml names (and may fail only those listed under may_fail).

#include "grade.hpp"

#include <ostream>
#include <string>
#include <vector>

namespace interleave {

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
};

struct VerifyOptions {
    std::vector<const Exercise*> katas;
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

}  // namespace interleave
