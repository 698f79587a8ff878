#!/usr/bin/env bash
# Gradescope runs this once, as root on its Ubuntu base image, when the autograder is built.
# The course launcher installs every Debian/Ubuntu package Interleave needs (its own dependency
# list) and builds the grader; grading the starter files then builds every kata's test tree, so
# that each submission only recompiles the student's files.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")"
export DEBIAN_FRONTEND=noninteractive
chmod +x kata run_autograder packaging/grade_submission.sh
bash ./kata grade --help >/dev/null
bash ./kata grade --no-timing >/dev/null || echo "setup: warm-up grading of the starter files failed; submissions will build from scratch" >&2
