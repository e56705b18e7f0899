#!/bin/bash
# Runs the command line's end-to-end tests on small data under valgrind
# memcheck and fails on any memory error or leak.
#
#   scripts/valgrind-cli.sh [BUILD_DIR]        (default build-valgrind)
#
# The binary is built without -march=native (valgrind does not decode
# AVX-512) and the variables recur would otherwise set and re-execute itself for
# (OPENBLAS_CORETYPE, GOMP_SPINCOUNT; see cli/blas_env.c) are set here, so it does
# not re-execute itself under valgrind. Leaks counted: definitely and
# indirectly lost. tests/valgrind.supp holds suppressions for third-party
# libraries only (see its comments).
set -euo pipefail
cd "$(dirname "$0")/.."
root=$PWD
build=${1:-build-valgrind}
if [ ! -f "$build/CMakeCache.txt" ]; then
    cmake -S . -B "$build" -DCMAKE_BUILD_TYPE=RelWithDebInfo -DRECUR_NATIVE=OFF -DRECUR_BUILD_TESTS=OFF >/dev/null
fi
cmake --build "$build" -j2 --target recur >/dev/null
export OPENBLAS_CORETYPE=${OPENBLAS_CORETYPE:-Haswell} GOMP_SPINCOUNT=${GOMP_SPINCOUNT:-10000}
export RECUR_TEST_DATA=$root/tests/data RECUR_DATA=$root/data RECUR_SRC=$root

logs=$(mktemp -d)
trap '[ -n "${KEEP_LOGS:-}" ] || rm -rf "$logs"' EXIT
# The wrapper the test scripts run as "recur": one log per process.
cat > "$logs/recur" <<WRAP
#!/bin/bash
exec valgrind --tool=memcheck --leak-check=full --show-leak-kinds=definite,indirect \\
    --errors-for-leak-kinds=definite,indirect --error-exitcode=99 --track-fds=no \\
    --suppressions="$root/tests/valgrind.supp" --log-file="$logs/vg.%p.log" \\
    "$root/$build/recur" "\$@"
WRAP
chmod +x "$logs/recur"

tests=${VALGRIND_TESTS:-"bad_input full_disk concurrent_out small_session"}
failed=0
for t in $tests; do
    if bash "tests/cli/$t.sh" "$logs/recur" > "$logs/$t.out" 2>&1; then
        echo "ok   $t"
    else
        echo "FAIL $t"
        grep FAIL "$logs/$t.out" | head -5
        failed=$((failed + 1))
    fi
done
runs=$(ls "$logs"/vg.*.log | wc -l)
bad=$(grep -L "ERROR SUMMARY: 0 errors" "$logs"/vg.*.log || true)
leaks=$(grep -lE "(definitely|indirectly) lost: [1-9]" "$logs"/vg.*.log || true)
for f in $bad $leaks; do
    echo "== $f"
    sed -n '/Invalid\|uninitialised\|lost in loss record\|ERROR SUMMARY/,+12p' "$f" | head -40
done
nbad=$(echo "$bad" | grep -c . || true)
nleaks=$(echo "$leaks" | grep -c . || true)
echo "valgrind: $runs recur processes, $nbad with errors, $nleaks with leaks"
[ "$failed" -eq 0 ] && [ "$nbad" -eq 0 ] && [ "$nleaks" -eq 0 ]
