#!/bin/bash
# Runs every libFuzzer target for a given time and prints
# "target  executions  crashes" plus the totals.
#
#   scripts/fuzz.sh [SECONDS] [BUILD_DIR]      (defaults: 60, build-fuzz)
#
# Builds the targets with clang first (-DRECUR_FUZZ=ON). Each target starts
# from its committed seeds (tests/fuzz/seeds/<target>) plus what earlier runs
# in the same build folder found (BUILD_DIR/fuzz-corpus/<target>); a crashing
# input is saved under BUILD_DIR/fuzz-artifacts/<target>/. Exits 1 if any
# target crashed. FUZZ_TARGETS="fuzz_vocab fuzz_cli_args" limits the run.
set -euo pipefail
cd "$(dirname "$0")/.."
seconds=${1:-60}
build=${2:-build-fuzz}

if [ ! -f "$build/CMakeCache.txt" ]; then
    CC=${CC:-clang} cmake -S . -B "$build" -DCMAKE_BUILD_TYPE=Debug -DRECUR_FUZZ=ON -DRECUR_BUILD_TESTS=OFF \
        -DRECUR_NATIVE=OFF -DRECUR_USE_BLAS=OFF >/dev/null
fi
cmake --build "$build" -j2 --target fuzz >/dev/null

targets=${FUZZ_TARGETS:-$(cd tests/fuzz && ls fuzz_*.c | sed 's/\.c$//')}
total_runs=0
total_crashes=0
n=0
summary=""
for t in $targets; do
    corpus="$build/fuzz-corpus/$t"
    artifacts="$build/fuzz-artifacts/$t"
    rm -rf "$artifacts" # crashes of an earlier run are not counted again
    mkdir -p "$corpus" "$artifacts"
    log="$build/fuzz-$t.log"
    # Exit status 0: no crash; anything else is counted from the artifacts.
    set +e
    "$build/tests/fuzz/$t" "$corpus" "tests/fuzz/seeds/$t" -max_total_time="$seconds" -timeout=10 \
        -rss_limit_mb=2048 -malloc_limit_mb=1024 -print_final_stats=1 -close_fd_mask=3 -artifact_prefix="$artifacts/" \
        >"$log" 2>&1
    set -e
    runs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log" | tail -1)
    runs=${runs:-0}
    crashes=$(find "$artifacts" -type f | wc -l)
    if [ "$crashes" -gt 0 ]; then
        echo "== $t: crashing inputs in $artifacts (log $log):" >&2
        grep -m3 -E "ERROR|SUMMARY|runtime error" "$log" >&2 || true
    fi
    summary+=$(printf '%-20s %12s %8s' "$t" "$runs" "$crashes")$'\n'
    total_runs=$((total_runs + runs))
    total_crashes=$((total_crashes + crashes))
    n=$((n + 1))
done
printf '%-20s %12s %8s\n' target executions crashes
printf '%s' "$summary"
printf '%d targets x %d s: %d executions, %d crashes\n' "$n" "$seconds" "$total_runs" "$total_crashes"
[ "$total_crashes" -eq 0 ]
