#!/usr/bin/env bash
# End to end: `interleave review` grades a synthetic class of six counter submissions (two
# references, a stub, a mutant, a reference with an edited harness file, and one that
# deadlocks), then checks the scores, the tamper flag, the HTML page, that a second run reuses
# everyone, and that two shards merged give the same summary as one run.
#
#   review_e2e.sh INTERLEAVE_BIN PROJECT_ROOT WORK_DIR
# WORK_DIR keeps the grading slots' build trees between runs (configured once, then reused).
set -euo pipefail

BIN="$1"
ROOT="$2"
WORK="$3"
TMP="$(mktemp -d)"
trap 'rm -rf "$TMP"' EXIT
CLASS="$TMP/class"

fail() {
  echo "FAIL: $*" >&2
  exit 1
}

# A student repository holds exercises/ like a clone of the course would.
make_repo() {
  local name="$1" answer="$2"
  mkdir -p "$CLASS/$name/exercises/01-counter"
  cp "$ROOT/exercises/01-counter/exercise.yaml" "$ROOT/exercises/01-counter/README.md" \
    "$CLASS/$name/exercises/01-counter/"
  cp "$answer" "$CLASS/$name/exercises/01-counter/counter.hpp"
}

make_repo ref-a "$ROOT/solutions/01-counter/counter.hpp"
make_repo ref-b "$ROOT/solutions/01-counter/counter.hpp"
make_repo stub "$ROOT/exercises/01-counter/counter.hpp"
make_repo mutant "$ROOT/tests/mutants/counter/check-then-act/counter.hpp"
make_repo tampered "$ROOT/solutions/01-counter/counter.hpp"
mkdir -p "$CLASS/tampered/harness/01-counter"
cp "$ROOT/harness/01-counter/counter_test.cpp" "$CLASS/tampered/harness/01-counter/"
echo "// every test passes now, honest" >>"$CLASS/tampered/harness/01-counter/counter_test.cpp"
make_repo hang "$ROOT/tests/fixtures/deadlock/01-counter/counter.hpp"

review() {
  "$BIN" --root "$ROOT" --build-dir "$WORK" review --kata counter --no-tsan --no-timing \
    --test-timeout 3 --jobs 2 "$@"
}

# Column of a student's row in summary.csv.
cell() {
  local csv="$1" student="$2" column="$3"
  awk -F, -v s="$student" -v c="$column" '
    NR == 1 { for (i = 1; i <= NF; i++) if ($i == c) col = i; next }
    $1 == s { print $col }' "$csv"
}

start=$(date +%s)
review "$CLASS" --out "$TMP/out" >"$TMP/first.log" 2>&1 || { cat "$TMP/first.log"; fail "first run"; }
echo "first run: $(($(date +%s) - start)) s"
cat "$TMP/first.log"
CSV="$TMP/out/summary.csv"
cat "$CSV"

expect() {
  local student="$1" column="$2" want="$3" got
  got="$(cell "$CSV" "$student" "$column")"
  [ "$got" = "$want" ] || fail "$student $column: expected '$want', got '$got'"
}
expect ref-a counter.tests 60
expect ref-b counter.tests 60
expect tampered counter.tests 60
expect stub counter.tests 0
expect hang counter.tests 0
mutant_tests="$(cell "$CSV" mutant counter.tests)"
[ -n "$mutant_tests" ] && awk -v m="$mutant_tests" 'BEGIN { exit !(m < 60) }' ||
  fail "the mutant should lose test points, got '$mutant_tests'"
for s in ref-a ref-b stub mutant hang; do expect "$s" tamper no; done
expect tampered tamper yes
for s in ref-a ref-b stub mutant tampered hang; do expect "$s" error ""; done
[ "$(wc -l <"$CSV")" -eq 7 ] || fail "summary.csv should have a header and 6 rows"
grep -q '"harness/01-counter/counter_test.cpp"' "$TMP/out/students/tampered/review.json" ||
  fail "the tamper report should name the edited harness file"
grep -q "timed out\|hang\|deadline\|watchdog" "$TMP/out/students/hang/report.txt" ||
  fail "the hanging submission's report should say it hung"

HTML="$TMP/out/summary.html"
for section in scores distribution failures tamper design; do
  grep -q "id=\"$section\"" "$HTML" || fail "summary.html lacks the $section section"
done
grep -q "counter.tests" "$HTML" || fail "summary.html lacks the counter.tests histogram"
[ -s "$TMP/out/summary.md" ] || fail "summary.md missing"
[ -s "$TMP/out/students/ref-a/report.json" ] || fail "per-student report.json missing"

# Resumable: nothing changed, so everyone is reused and the summary is the same.
cp "$CSV" "$TMP/first.csv"
review "$CLASS" --out "$TMP/out" >"$TMP/second.log" 2>&1 || { cat "$TMP/second.log"; fail "second run"; }
[ "$(grep -c "unchanged, reused" "$TMP/second.log")" -eq 6 ] ||
  { cat "$TMP/second.log"; fail "the second run should reuse all 6"; }
cmp -s "$CSV" "$TMP/first.csv" || fail "the reused summary differs"

# Shards: each shard folder starts from the full run's records (as a resumed shard would), so
# only selection and merging are under test here, not grading again.
for i in 1 2; do
  mkdir -p "$TMP/shard$i"
  cp -r "$TMP/out/students" "$TMP/shard$i/"
  review "$CLASS" --out "$TMP/shard$i" --shard "$i/2" >"$TMP/shard$i.log" 2>&1 ||
    { cat "$TMP/shard$i.log"; fail "shard $i"; }
  [ "$(wc -l <"$TMP/shard$i/summary.csv")" -eq 4 ] || fail "shard $i should hold 3 students"
done
"$BIN" --root "$ROOT" review merge "$TMP/shard1" "$TMP/shard2" --out "$TMP/merged" ||
  fail "merge"
cmp "$TMP/merged/summary.csv" "$CSV" || fail "merged shards differ from the single run"

# Manual scores (read with libcsv): CRLF line ends and a quoted comment with a comma and quotes;
# a malformed file is rejected with its file and line.
printf 'student,kata,points,comment\r\nref-a,counter,5,"tidy, ""small"" diff"\r\n' >"$TMP/manual.csv"
"$BIN" --root "$ROOT" review merge "$TMP/shard1" "$TMP/shard2" --out "$TMP/final" \
  --manual "$TMP/manual.csv" || fail "merge with manual scores"
grep -q 'counter: tidy, ""small"" diff' "$TMP/final/final.csv" ||
  { cat "$TMP/final/final.csv"; fail "final.csv lacks the quoted manual comment"; }
printf 'student,kata,points,comment\nref-a,counter,5,"never closed\n' >"$TMP/bad.csv"
if "$BIN" --root "$ROOT" review merge "$TMP/shard1" "$TMP/shard2" --out "$TMP/bad" \
  --manual "$TMP/bad.csv" >"$TMP/bad.log" 2>&1; then fail "a malformed manual.csv was accepted"; fi
grep -q "bad.csv:2" "$TMP/bad.log" || { cat "$TMP/bad.log"; fail "the error should name bad.csv:2"; }
echo "review e2e: all checks hold ($(($(date +%s) - start)) s)"
