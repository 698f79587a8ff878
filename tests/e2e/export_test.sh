#!/usr/bin/env bash
# End-to-end test of `kata export`: the student template holds no solutions, mutants or hidden
# tests, has one commit, and grades its own stubs (0 on tests, no errors) with its own grader.
#
#   export_test.sh INTERLEAVE_BIN PROJECT_ROOT WORK_DIR
set -euo pipefail
bin="$1"
project="$2"
work="$3"
student="$work/student"

fail() { echo "export_test: $*" >&2; exit 1; }

rm -rf "$work"
mkdir -p "$work"
"$bin" --root "$project" export "$student"

for gone in solutions tests/mutants; do
  [ ! -e "$student/$gone" ] || fail "$gone/ was exported"
done
if compgen -G "$student/harness/*/hidden" >/dev/null; then fail "a hidden test folder was exported"; fi
[ -d "$student/exercises" ] || fail "exercises/ is missing"
! grep -q "<!-- instructor -->" "$student/README.md" || fail "README.md kept its instructor part"

if command -v git >/dev/null; then
  commits="$(git -C "$student" rev-list --count HEAD)"
  [ "$commits" = 1 ] || fail "expected one commit, found $commits"
  author="$(git -C "$student" log -1 --format=%an)"
  [ "$author" = "Interleave export" ] || fail "unexpected author \"$author\""
  [ -z "$(git -C "$student" status --porcelain)" ] || fail "the export left uncommitted files"
fi

# A second export into the same folder needs --force, and only that folder is touched.
if "$bin" --root "$project" export "$student" 2>/dev/null; then fail "overwrote without --force"; fi
"$bin" --root "$project" export --force "$student" >/dev/null

# The student's own launcher builds its own grader and grades the stubs. The exported tree
# lies under this build tree, so ccache finds the project's objects under relative paths.
export CCACHE_BASEDIR="$work" CCACHE_NOHASHDIR=1
cd "$student"
./kata grade counter --no-tsan --no-timing >"$work/report.txt" \
  || { cat "$work/report.txt"; fail "./kata grade counter exited with $?"; }
cat "$work/report.txt"
grep -Eq '^  FAIL tests +0/60 ' "$work/report.txt" || fail "the stub did not score 0 on tests"
! grep -q '^  ERR ' "$work/report.txt" || fail "a check reported an error"

# The exported selftest: the grader's unit tests build and pass without solutions.
cmake --build build/grader -j2 >"$work/unit-build.log" 2>&1 || { cat "$work/unit-build.log"; fail "unit tests do not build"; }
(cd build/grader && ctest -N) | grep -q "e2e_verify" && fail "e2e_verify is registered without solutions"
(cd build/grader && ctest -R "HiddenTests|ExportFilter|CourseFiles" --output-on-failure -j2) \
  || fail "unit tests failed in the export"
echo "export_test: ok"
