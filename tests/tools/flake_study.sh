#!/usr/bin/env bash
# Flake study: grades a kata's reference and chosen mutants N times each and prints, per
# subject and check, how many runs passed. Use it before trusting a threshold.
#
#   tests/tools/flake_study.sh KATA N [MUTANT...]     e.g. flake_study.sh counter 20 global-mutex
#
# Extra grade options: KATA_STUDY_OPTS (default: --no-tsan).
# KATA_STUDY_REFERENCE=0 leaves the reference out (when a separate study already covers it).
# KATA_STUDY_BUILD_DIR=DIR grades in a build folder of its own, so two studies can run at once.
# KATA_STUDY_KEEP=DIR keeps every JSON report there (SUBJECT-RUN.json) instead of deleting them;
# with N = 0 the script grades nothing and only summarises the reports already kept there.
set -euo pipefail
root="$(cd "$(dirname "$0")/../.." && pwd)"
kata="$1"
runs="$2"
shift 2
opts=${KATA_STUDY_OPTS---no-tsan}
build_dir=()
if [ -n "${KATA_STUDY_BUILD_DIR:-}" ]; then build_dir=(--build-dir "$KATA_STUDY_BUILD_DIR"); fi
if [ -n "${KATA_STUDY_KEEP:-}" ]; then
  out="$KATA_STUDY_KEEP"
  mkdir -p "$out"
else
  out="$(mktemp -d)"
  trap 'rm -rf "$out"' EXIT
fi

if [ "${KATA_STUDY_REFERENCE:-1}" = 0 ]; then subjects=("$@"); else subjects=("reference" "$@"); fi
for subject in "${subjects[@]}"; do
  for i in $(seq "$runs"); do
    if [ "$subject" = reference ]; then source=(--solutions); else source=(--mutant "$subject"); fi
    # shellcheck disable=SC2086
    "$root/kata" "${build_dir[@]}" grade "$kata" "${source[@]}" $opts --format "json:$out/$subject-$i.json" >/dev/null
  done
done

# One line per subject: for each check, passes/runs and how the other runs ended (fail, skipped,
# pending, inconclusive...), then the timing ratios seen.
for subject in "${subjects[@]}"; do
  jq -rs --arg s "$subject" '
    [ .[] | .katas[0].checks[] ] as $all
    | ($all | map(.name) | unique) as $names
    | [ $names[] as $n | ($all | map(select(.name == $n))) as $c
        | ($c | map(select(.status != "pass") | .status) | group_by(.)
              | map("\(.[0]) \(length)") | join(", ")) as $other
        | "\($n) \($c | map(select(.status == "pass")) | length)/\($c | length)"
          + (if $other == "" then "" else " (\($other))" end) ] | join(", ")
    | "\($s): " + .' "$out/$subject"-*.json
  jq -rs --arg s "$subject" '
    [ .[] | .katas[0].checks[] | select(.name == "timing") | .data.comparisons[]?.ratio ]
    | if length > 0 then "  \($s) timing ratios: min \(min * 1000 | round / 1000), max \(max * 1000 | round / 1000)" else empty end' \
    "$out/$subject"-*.json
done
