#!/usr/bin/env bash
# The edit -> verdict loop, measured: for each row, the grader grades a copy of a kata's
# reference after a real edit (a new inline function appended to the student file, so the
# compiler cache cannot answer), RUNS times, and prints min / median / max wall seconds.
#
#   tests/tools/loop_bench.sh [RUNS]        (default 3; needs ./kata to have built the grader)
#
# The build folder is build/loop-bench/ (warmed by one untimed grade per row first, as a
# student's second edit would find it). Run it on an otherwise idle machine for the README's
# figures; KATA_BENCH_ROWS="counter-quick pc-full" picks rows.
set -euo pipefail
cd "$(dirname "$0")/../.."
ROOT=$PWD
BIN="$ROOT/build/grader/grader/interleave"
RUNS=${1:-3}
WORK="$ROOT/build/loop-bench"
mkdir -p "$WORK"
[ -x "$BIN" ] || { echo "build the grader first (./kata list)" >&2; exit 2; }

# row | kata folder | student file | grade switches
ROWS=(
  "counter-quick|01-counter|counter.hpp|--quick"
  "counter-no-timing|01-counter|counter.hpp|--no-timing"
  "counter-full|01-counter|counter.hpp|"
  "pc-quick|04-producer-consumer|bounded_queue.hpp|--quick"
  "pc-tests-asan|04-producer-consumer|bounded_queue.hpp|--no-tsan --no-explore --no-timing"
  "pc-full|04-producer-consumer|bounded_queue.hpp|"
)

grade_once() {  # kata file switches -> wall seconds of one graded edit
  local folder=$1 file=$2 switches=$3
  local edit
  edit=$(date +%s%N)  # unique per edit (this runs in a subshell)
  printf '\ninline int kata_loop_bench_edit_%d() { return %d; }\n' "$edit" "$edit" \
    >>"$WORK/src/$folder/$file"
  local t0 t1
  t0=$(date +%s.%N)
  # shellcheck disable=SC2086
  "$BIN" --root "$ROOT" --build-dir "$WORK/build" grade "${folder#??-}" --source "$WORK/src" \
    $switches --format json:"$WORK/last.json" >/dev/null 2>&1 || true
  t1=$(date +%s.%N)
  awk -v a="$t0" -v b="$t1" 'BEGIN { printf "%.2f\n", b - a }'
}

printf '%-20s %8s %8s %8s  %s\n' row min median max "score (last run)"
for row in "${ROWS[@]}"; do
  IFS='|' read -r name folder file switches <<<"$row"
  if [ -n "${KATA_BENCH_ROWS:-}" ] && [[ " $KATA_BENCH_ROWS " != *" $name "* ]]; then continue; fi
  rm -rf "$WORK/src"
  mkdir -p "$WORK/src"
  cp -r "$ROOT/solutions/$folder" "$WORK/src/$folder"
  grade_once "$folder" "$file" "$switches" >/dev/null  # warm: configure, GoogleTest, PCH
  times=()
  for _ in $(seq "$RUNS"); do times+=("$(grade_once "$folder" "$file" "$switches")"); done
  sorted=$(printf '%s\n' "${times[@]}" | sort -n)
  min=$(echo "$sorted" | head -1)
  max=$(echo "$sorted" | tail -1)
  med=$(echo "$sorted" | sed -n "$(((RUNS + 1) / 2))p")
  score=$(grep -o '"score": [0-9.]*' "$WORK/last.json" | tail -1 | awk '{print $2}' || true)
  printf '%-20s %8.1f %8.1f %8.1f  %s\n' "$name" "$min" "$med" "$max" "$score"
done
