#!/usr/bin/env bash
# Times `kata review` on a synthetic class of N counter submissions (a mixture of references,
# stubs and every counter mutant), graded with tests and ThreadSanitizer, no timing check.
#
#   tests/tools/review_bench.sh [N=30] [JOBS=2]
# The grading slots' build trees live in build/review-bench/slots and are kept, so a second run
# measures grading alone; delete that folder to include the one-off configure and GoogleTest
# build of each slot.
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
N="${1:-30}"
JOBS="${2:-2}"
BENCH="$ROOT/build/review-bench"
CLASS="$BENCH/class"
rm -rf "$CLASS" "$BENCH/out"
mkdir -p "$CLASS"
RUN="$(date +%s)"

answers=("$ROOT/solutions/01-counter/counter.hpp" "$ROOT/exercises/01-counter/counter.hpp")
for m in "$ROOT"/tests/mutants/counter/*/counter.hpp; do answers+=("$m"); done
for i in $(seq -w 1 "$N"); do
  repo="$CLASS/student-$i/exercises/01-counter"
  mkdir -p "$repo"
  cp "$ROOT/exercises/01-counter/exercise.yaml" "$repo/"
  # Each student's file differs (a comment with the run's start time), so neither the review nor
  # the compiler cache can reuse an earlier result.
  { cat "${answers[$((10#$i % ${#answers[@]}))]}"; echo "// student $i, run $RUN"; } >"$repo/counter.hpp"
done

start=$(date +%s.%N)
"$ROOT/kata" --build-dir "$BENCH/slots" review "$CLASS" --out "$BENCH/out" --kata counter \
  --no-timing --jobs "$JOBS"
end=$(date +%s.%N)
awk -v s="$start" -v e="$end" -v n="$N" -v j="$JOBS" 'BEGIN {
  printf "review bench: %d submissions, --jobs %d: %.1f s wall, %.1f s per submission\n",
         n, j, e - s, (e - s) / n }'
