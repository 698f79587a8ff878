#!/usr/bin/env bash
# Runs the Gradescope package the way Gradescope would, inside its default resource limits:
# half a CPU and 768 MB of memory (a cgroup made here; needs root), with AUTOGRADER_ROOT-style
# paths. Grades the references of every kata, then a memory bomb, and prints each score and time.
#
#   tests/tools/gradescope_limits.sh [WORK_DIR]     (default /tmp/interleave-gradescope)
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
work="${1:-/tmp/interleave-gradescope}"
cpu_quota_us=50000 period_us=100000 memory_bytes=$((768 * 1024 * 1024))
name="interleave-gradescope-$$"

if [ "$(id -u)" -ne 0 ]; then echo "needs root (it makes a cgroup)" >&2; exit 2; fi
if [ -d /sys/fs/cgroup/cpu ] && [ -d /sys/fs/cgroup/memory ]; then  # cgroup v1
  mkdir -p "/sys/fs/cgroup/cpu/$name" "/sys/fs/cgroup/memory/$name"
  echo "$period_us" >"/sys/fs/cgroup/cpu/$name/cpu.cfs_period_us"
  echo "$cpu_quota_us" >"/sys/fs/cgroup/cpu/$name/cpu.cfs_quota_us"
  echo "$memory_bytes" >"/sys/fs/cgroup/memory/$name/memory.limit_in_bytes"
  enter="echo \$\$ >/sys/fs/cgroup/cpu/$name/tasks; echo \$\$ >/sys/fs/cgroup/memory/$name/tasks"
  cleanup() { rmdir "/sys/fs/cgroup/cpu/$name" "/sys/fs/cgroup/memory/$name" 2>/dev/null || true; }
elif [ -f /sys/fs/cgroup/cgroup.controllers ]; then  # cgroup v2
  echo "+cpu +memory" >/sys/fs/cgroup/cgroup.subtree_control 2>/dev/null || true
  mkdir -p "/sys/fs/cgroup/$name"
  echo "$cpu_quota_us $period_us" >"/sys/fs/cgroup/$name/cpu.max"
  echo "$memory_bytes" >"/sys/fs/cgroup/$name/memory.max"
  enter="echo \$\$ >/sys/fs/cgroup/$name/cgroup.procs"
  cleanup() { rmdir "/sys/fs/cgroup/$name" 2>/dev/null || true; }
else
  echo "no cgroup filesystem found under /sys/fs/cgroup" >&2; exit 2
fi
trap cleanup EXIT

rm -rf "$work" && mkdir -p "$work/root/source" "$work/root/submission"
(cd "$root" && ./kata package gradescope "$work/package.zip" >/dev/null)
(cd "$work/root/source" && unzip -q "$work/package.zip")
echo "setup.sh (not limited: Gradescope builds the image once, before any submission) ..."
start=$SECONDS
(cd "$work/root/source" && bash setup.sh >"$work/setup.log" 2>&1)
echo "  $((SECONDS - start)) s"

grade() {  # LABEL KATA_GRADE_OPTS FILE...
  local label=$1 opts=$2
  shift 2
  rm -rf "$work/root/submission" "$work/root/results" && mkdir -p "$work/root/submission"
  cp "$@" "$work/root/submission/"
  local t0=$SECONDS
  AUTOGRADER_ROOT="$work/root" KATA_GRADE_OPTS="$opts" \
    bash -c "$enter; exec bash '$work/root/source/run_autograder'" >"$work/$label.log" 2>&1 || true
  local score
  score=$(python3 -c "import json,sys; d=json.load(open(sys.argv[1])); print(d.get('score'))" \
    "$work/root/results/results.json" 2>/dev/null || echo "no results.json")
  printf '%-28s score %-8s %4d s   (%s)\n' "$label" "$score" $((SECONDS - t0)) "$work/$label.log"
}

for dir in "$root"/solutions/[0-9][0-9]-*/; do
  kata=$(basename "$dir")
  grade "reference-${kata#??-}" "${kata#??-}" "$dir"*
done
grade "memory-bomb" "counter --no-timing" "$root/tests/fixtures/memory-bomb/01-counter/counter.hpp"
