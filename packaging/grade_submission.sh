#!/usr/bin/env bash
# Grades one submission on an autograder platform and always leaves a results file behind.
#
#   grade_submission.sh FORMAT SUBMISSION_DIR RESULTS_FILE
#
# FORMAT is the grader's report format for the platform (gradescope or prairielearn). Only the
# student files listed in student_files.txt ("NN-name/FILE", written by `kata package`) are
# taken from SUBMISSION_DIR, found as SUBMISSION_DIR/NN-name/FILE, then
# SUBMISSION_DIR/exercises/NN-name/FILE, then SUBMISSION_DIR/FILE; symbolic links are ignored.
# They are copied into a fresh staging folder, so the submission itself is never written.
#
# Environment:
#   KATA_GRADE_OPTS  extra words for `kata grade`, e.g. "counter --no-tsan --no-timing"
#   KATA_COMMAND     the grader command to run instead of the course's ./kata launcher
#
# Exit status: 0 whenever a results file was written (even a fallback one), 2 otherwise.
set -uo pipefail

if [ $# -ne 3 ]; then
  echo "usage: grade_submission.sh FORMAT SUBMISSION_DIR RESULTS_FILE" >&2
  exit 2
fi
format="$1"
submission="$2"
results="$3"
course="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
unset KATA_ROOT  # the course is the package this script belongs to

stage="$(mktemp -d "${TMPDIR:-/tmp}/interleave-submission.XXXXXX")"
log="$stage.log"
trap 'rm -rf "$stage" "$log"' EXIT
mkdir -p "$(dirname "$results")"
rm -f "$results"

# 1. Collect the student files named by the course, nothing else.
missing=()
while IFS= read -r rel; do
  [ -n "$rel" ] || continue
  file="${rel#*/}"
  found=""
  for candidate in "$submission/$rel" "$submission/exercises/$rel" "$submission/$file"; do
    if [ -f "$candidate" ] && [ ! -L "$candidate" ]; then
      found="$candidate"
      break
    fi
  done
  if [ -n "$found" ]; then
    mkdir -p "$(dirname "$stage/$rel")"
    cp -- "$found" "$stage/$rel"
    echo "submission: $rel <- ${found#"$submission"/}"
  else
    missing+=("$rel")
    echo "submission: $rel was not submitted"
  fi
done <"$course/student_files.txt"

# 2. Grade them with the course's own grader.
read -r -a options <<<"${KATA_GRADE_OPTS:-}"
if [ -n "${KATA_COMMAND:-}" ]; then
  read -r -a command <<<"$KATA_COMMAND"
else
  command=(bash "$course/kata")
fi
(cd "$course" && "${command[@]}" grade "${options[@]}" --source "$stage" \
  --format "$format:$results" --format terminal) 2>&1 | tee "$log"
status=${PIPESTATUS[0]}

# 3. No report (the grader could not start, or crashed): write one that says why.
json_string() {
  local s
  s="$(tr -d '\000-\010\013\014\016-\037' <"$1")"
  s="${s//\\/\\\\}"
  s="${s//\"/\\\"}"
  s="${s//$'\t'/\\t}"
  s="${s//$'\r'/}"
  s="${s//$'\n'/\\n}"
  printf '"%s"' "$s"
}
if [ ! -s "$results" ]; then
  {
    printf 'The grader stopped (exit status %s) before writing a report. Last lines:\n' "$status"
    tail -n 40 "$log"
  } >"$log.msg"
  message="$(json_string "$log.msg")"
  rm -f "$log.msg"
  case "$format" in
    prairielearn)
      printf '{"gradable": false, "score": 0, "message": %s, "output": %s}\n' "$message" "$message" >"$results" ;;
    *)
      printf '{"score": 0, "output": %s}\n' "$message" >"$results" ;;
  esac
  echo "grade_submission: the grader exited with status $status without a report; wrote a zero score to $results" >&2
fi
[ -s "$results" ] && exit 0
exit 2
