#!/usr/bin/env bash
# The explorer's scheduler against small programs whose outcomes are known by hand
# (tests/explore/litmus.cpp): every schedule is run, and the set of outcomes must be exactly
# the one the memory model allows. Usage: outcomes_test.sh PROJECT_ROOT WORK_DIR
set -euo pipefail
root=$1
work=$2
cxx=${EXPLORE_CXX:-clang++}
mkdir -p "$work"
cd "$work"
harness="$root/harness"
# The runtime is never instrumented; the program under test always is.
"$cxx" -std=c++20 -O2 -g1 -c "$harness/explore/scheduler.cpp" -o scheduler.o
"$cxx" -std=c++20 -O2 -g1 -I"$harness/include" -c "$harness/explore/driver.cpp" -o driver.o
"$cxx" -std=c++20 -O2 -c "$harness/support/result_channel.cpp" -o result_channel.o
"$cxx" -std=c++20 -O0 -g1 -fno-omit-frame-pointer -fsanitize=thread -I"$harness/include" \
    -c "$root/tests/explore/litmus.cpp" -o litmus.o
"$cxx" litmus.o scheduler.o driver.o result_channel.o -o litmus -pthread -ldl -Wl,-z,now
# The same programs' litmus tests run for real (EXPLORE_LITMUS): no instrumentation, no explorer.
"$cxx" -std=c++20 -O2 -DEXPLORE_STRESS_BUILD -I"$harness/include" "$root/tests/explore/litmus.cpp" \
    "$harness/explore/stress_main.cpp" result_channel.o -o litmus_stress -pthread

failures=0
# expect SCENARIO "OUTCOME OUTCOME ..." [complete]: the outcomes, sorted, one word each.
expect() {
    local scenario=$1 want=$2 complete=${3:-complete}
    local out got
    # Exit 3: the budget ran out before every schedule ran ("budget" scenarios expect that).
    out=$(./litmus --outcomes --scenario "$scenario" --runs "${EXPECT_RUNS:-100000}" --seconds 120) || [[ $? == 3 && $complete != complete ]]
    got=$(printf '%s\n' "$out" | sed -n 's/^  \([^ ]*\) .*/\1/p' | sort -u | tr '\n' ' ' | sed 's/ $//')
    if [[ "$got" != "$want" ]]; then
        echo "FAIL $scenario: outcomes [$got], expected [$want]"
        printf '%s\n' "$out"
        failures=$((failures + 1))
    elif [[ $complete == complete && "$out" != *"(every schedule)"* ]]; then
        echo "FAIL $scenario: the search did not cover every schedule"
        printf '%s\n' "$out"
        failures=$((failures + 1))
    else
        echo "ok   $scenario: [$got] ($(printf '%s\n' "$out" | head -1 | sed 's/.* over //'))"
    fi
}
expect PlainIncrements "total=2 total=3 total=4"
expect StoreBuffering "r1=0 r1=1"  # the second word of each outcome is checked below
sb=$(./litmus --outcomes --scenario StoreBuffering | sed -n 's/^  \(r1=[01] r2=[01]\) .*/\1/p' | sort | tr '\n' ',')
if [[ "$sb" != "r1=0 r2=1,r1=1 r2=0,r1=1 r2=1," ]]; then
    echo "FAIL StoreBuffering: [$sb], expected the three outcomes but r1=0 r2=0"
    failures=$((failures + 1))
fi
expect LockOrderInversion "deadlock finished" budget
expect TimedWaitTimesOut "woken=0"
EXPECT_RUNS=3000 expect SemaphoreHandOver "got=42" budget

# State a program keeps from one run to the next does not leak into the outcomes or the verdict
# (the explorer reuses a process while runs pass, and falls back to one process per run).
expect StateKeptBetweenRuns "runs=1"
set +e
./litmus --scenario FailsOnlyWhenRunBefore --seconds 10 > stale.txt
rc=$?
set -e
if [[ $rc != 0 ]]; then
    echo "FAIL FailsOnlyWhenRunBefore: a failure that only a reused process shows was reported (exit $rc)"
    cat stale.txt
    failures=$((failures + 1))
else
    echo "ok   FailsOnlyWhenRunBefore: not reported ($(head -1 stale.txt | sed 's/.*(//'))"
fi

# Litmus tests: the explorer finds the interleaved outcomes and names the relaxed ones; the
# real runs never show what the memory model forbids (both 0 under seq_cst). That they do show
# the store buffer is relaxed_observed_test.sh's, run alone: it needs two free cores.
expect RelaxedStoreBuffering "r1=0 r1=1"
if ! ./litmus --outcomes --scenario RelaxedStoreBuffering --json relaxed.json > /dev/null ||
    ! grep -q '"relaxed_outcomes"' relaxed.json || ! grep -q '"r1=0 r2=0"' relaxed.json; then
    echo "FAIL RelaxedStoreBuffering: the relaxed outcome r1=0 r2=0 is not in the explorer's report"
    failures=$((failures + 1))
fi
./litmus_stress --litmus SeqCstStoreBuffering --runs 200000 > seqcst.txt
if grep -q "r1=0 r2=0" seqcst.txt; then
    echo "FAIL SeqCstStoreBuffering: a real run ended r1=0 r2=0, which seq_cst forbids"
    cat seqcst.txt
    failures=$((failures + 1))
else
    echo "ok   SeqCstStoreBuffering: never r1=0 r2=0 ($(sed -n 's/^SeqCstStoreBuffering: \([0-9]*\) runs.*/\1/p' seqcst.txt) real runs)"
fi

# A failing schedule is found, shrunk, and replays to the same failure.
set +e
./litmus --scenario LockOrderInversion --seconds 10 > failure.txt
rc=$?
set -e
token=$(sed -n 's/.*--replay \(s[0-9:,]*\)$/\1/p' failure.txt | head -1)
if [[ $rc != 1 || -z "$token" ]] || ! grep -q "deadlock" failure.txt; then
    echo "FAIL LockOrderInversion: no deadlock reported with a replay token (exit $rc)"
    cat failure.txt
    failures=$((failures + 1))
else
    set +e
    ./litmus --scenario LockOrderInversion --replay "$token" > replay.txt
    rc=$?
    set -e
    if [[ $rc != 1 ]] || ! grep -q "every thread is blocked" replay.txt; then
        echo "FAIL replay $token did not reproduce the deadlock (exit $rc)"
        cat replay.txt
        failures=$((failures + 1))
    else
        echo "ok   LockOrderInversion: deadlock found, replayed with $token"
    fi
fi
exit $((failures > 0))
