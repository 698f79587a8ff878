#pragma once
/// The one scorer: the rules between checks, then the totals. Each check judges only what it
/// saw (a clean sanitizer run passes, a timing run earns what its ratios earn); what a result is
/// worth next to the others is decided here and nowhere else:
/// - tsan and asan: a clean run earns its points only once every correctness test passes, so a
///   stub that does nothing (race-free, leak-free) earns nothing; a run that found a problem
///   keeps its failure.
/// - timing: speed is graded only once every correctness test passes.
/// A check blocked so becomes skipped with the reason; a check that was disabled stays as it is.
/// Nothing after the scorer changes a score.

#include "report/report.hpp"

namespace interleave {

/// Whether the points of `kind` need every correctness test to pass. The grade loop does not
/// run such a check when they did not; it adds the check as skipped with an empty message, and
/// score_kata gives the reason.
bool needs_passing_tests(CheckKind kind);

/// Applies the rules above to `kata` and totals it.
void score_kata(KataReport& kata);

}  // namespace interleave
