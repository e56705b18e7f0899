#!/bin/bash
# Runs every throughput workload for recur and, when /usr/bin/python3 has
# torch and the PyTorch reference scripts are found, for PyTorch, alternating
# runs (recur, PyTorch, recur, ...), REPS of each; then prints a table of
# medians and ratios and writes bench/results/bench-DATE.json.
#
# Usage: bench/run.sh path/to/recur_bench        (cmake --build build --target bench)
# Environment: REPS (default 5), TORCH_BENCH (folder of the reference scripts;
# default ../shared/bench), WORKLOADS (space-separated subset of the names below),
# ONEDNN_BENCH (oneDNN's rnn_bench.cpp; default ../shared/bench/onednn; built
# here when g++ and libdnnl are installed: its RNN primitives run beside
# recur at 2 threads, or at their default in contention mode).
#
# Contention mode, CONTEND=N (1 or more): N competing busy processes
# (`stress-ng --cpu N`, or N shell busy loops without it) run from the first
# workload to the last, and each workload runs recur at its default thread
# count and at --threads 1, PyTorch and oneDNN at their defaults (PyTorch with
# GOMP_SPINCOUNT=0), alternating. Keep it short (REPS=3, a few WORKLOADS):
# it takes a core from everyone else on the machine.
#
# Every run records the load of other processes: CPU time of the whole machine
# over the run, less the run's own (from /proc/stat and the run's user + system
# time), in cores; nice'd work apart (others_nice_cores), and in contention
# mode the competing processes are part of others_cores.
set -euo pipefail
BENCH=${1:?usage: run.sh path/to/recur_bench}
ROOT=$(cd "$(dirname "$0")/.." && pwd)
REPS=${REPS:-5}
CONTEND=${CONTEND:-0}
ONEDNN_BENCH=${ONEDNN_BENCH:-$ROOT/../shared/bench/onednn}
TORCH_BENCH=${TORCH_BENCH:-$ROOT/../shared/bench}
PY=/usr/bin/python3
SHAKES=$ROOT/data/tinyshakespeare.txt
PTB=$ROOT/data/ptb/ptb.train.txt
OUT=$ROOT/bench/results
mkdir -p "$OUT"
RAW=$(mktemp)

# Both sides use the same OpenBLAS kernels: Debian's OpenBLAS 0.3.21 falls
# back to SSE3 kernels on CPUs newer than it unless told (recur's command does
# this itself; here it is set for both).
if [ -z "${OPENBLAS_CORETYPE:-}" ]; then
    if grep -qw avx512bw /proc/cpuinfo && grep -qw avx512vl /proc/cpuinfo; then export OPENBLAS_CORETYPE=SkylakeX
    elif grep -qw avx2 /proc/cpuinfo; then export OPENBLAS_CORETYPE=Haswell; fi
fi
have_torch=0
if [ -f "$TORCH_BENCH/torch_charlm.py" ] && $PY -c "import torch" 2>/dev/null; then have_torch=1; fi
[ $have_torch = 1 ] || echo "PyTorch or its reference scripts not found: recur only" >&2

# name | recur_bench arguments | reference script and arguments (none: recur only)
WORKLOADS_ALL=(
  "lstm2x128|train --data $SHAKES --cell lstm --layers 2 --hidden 128 --batch 50 --seq 50 --steps 50|torch_charlm.py --data $SHAKES --cell lstm --layers 2 --hidden 128 --batch 50 --seq 50 --bench-steps 50"
  "lstm2x512|train --data $SHAKES --cell lstm --layers 2 --hidden 512 --batch 50 --seq 50 --steps 10|torch_charlm.py --data $SHAKES --cell lstm --layers 2 --hidden 512 --batch 50 --seq 50 --bench-steps 10"
  "gru2x512|train --data $SHAKES --cell gru --layers 2 --hidden 512 --batch 50 --seq 50 --steps 10|torch_charlm.py --data $SHAKES --cell gru --layers 2 --hidden 512 --batch 50 --seq 50 --bench-steps 10"
  "rnn2x512|train --data $SHAKES --cell rnn_tanh --layers 2 --hidden 512 --batch 50 --seq 50 --steps 20|torch_charlm.py --data $SHAKES --cell rnn --layers 2 --hidden 512 --batch 50 --seq 50 --bench-steps 20"
  "ptb-small|train --data $PTB --level word --optimizer sgd --cell lstm --layers 2 --hidden 200 --batch 20 --seq 20 --steps 100|torch_ptb.py --config small --bench-steps 100"
  "sample-lstm2x512|sample --data $SHAKES --cell lstm --layers 2 --hidden 512 --length 6000|torch_charlm.py --data $SHAKES --cell lstm --layers 2 --hidden 512 --sample-bench --sample-len 2000"
  "sample-lstm2x512-f16|sample --data $SHAKES --cell lstm --layers 2 --hidden 512 --length 6000 --weights f16|torch_charlm.py --data $SHAKES --cell lstm --layers 2 --hidden 512 --sample-bench --sample-len 2000"
  "sample-lstm2x512-i8|sample --data $SHAKES --cell lstm --layers 2 --hidden 512 --length 6000 --weights i8|torch_charlm.py --data $SHAKES --cell lstm --layers 2 --hidden 512 --sample-bench --sample-len 2000"
  "streams-lstm2x512-s1|streams --data $SHAKES --cell lstm --layers 2 --hidden 512 --length 3000 --streams 1|"
  "streams-lstm2x512-s4|streams --data $SHAKES --cell lstm --layers 2 --hidden 512 --length 1500 --streams 4|"
  "streams-lstm2x512-s16|streams --data $SHAKES --cell lstm --layers 2 --hidden 512 --length 600 --streams 16|"
  "streams-lstm2x512-s64|streams --data $SHAKES --cell lstm --layers 2 --hidden 512 --length 200 --streams 64|"
  "read-sampler-weights|read --reps 15|"
  "fma-peak|fma|"
  "sgemm2048|sgemm --n 2048 --reps 10|matmul_peak.py --lib torch --n 2048 --reps 10"
)
selected=${WORKLOADS:-lstm2x128 lstm2x512 gru2x512 rnn2x512 ptb-small sample-lstm2x512 sample-lstm2x512-f16 sample-lstm2x512-i8 streams-lstm2x512-s1 streams-lstm2x512-s4 streams-lstm2x512-s16 streams-lstm2x512-s64 read-sampler-weights fma-peak sgemm2048}

# Busy and nice'd jiffies of the whole machine (/proc/stat: user + system +
# irq + softirq + steal, and nice), and the clock.
machine_cpu() { awk '/^cpu /{printf "%d %d ", $2 + $4 + $7 + $8 + $9, $3}' /proc/stat; date +%s.%N; }

run_json() {  # run_json SIDE NAME CMD... : appends {"side","name",...result}
    local side=$1 name=$2; shift 2
    local out before after
    before=$(machine_cpu)
    out=$( { /usr/bin/time -f '%M %U %S' "$@" 2> >(tail -n 1 > "$RAW.rss") | tail -n 1; } ) || { echo "  failed: $*" >&2; return 0; }
    after=$(machine_cpu)
    sleep 0.2
    $PY - "$side" "$name" "$out" "$(cat "$RAW.rss" 2>/dev/null || echo 0)" "$before" "$after" "$CONTEND" \
        "$(getconf CLK_TCK)" >> "$RAW" <<'PY'
import json, sys
side, name, out, usage, before, after, contend, tck = sys.argv[1:9]
d = json.loads(out)
f = usage.split()
rss, own = (int(f[0]), float(f[1]) + float(f[2])) if len(f) == 3 else (0, 0.0)
b, a = [float(x) for x in before.split()], [float(x) for x in after.split()]
wall, hz = a[2] - b[2], float(tck)
d.update({"side": side, "name": name, "max_rss_kb": rss, "contenders": int(contend), "wall_s": round(wall, 3),
          "own_cpu_s": round(own, 3),
          # Time not this run's: other engineers' work, the system, and the competing processes.
          "others_cores": round(((a[0] - b[0]) / hz - own) / wall, 2) if wall > 0 else None,
          "others_nice_cores": round((a[1] - b[1]) / hz / wall, 2) if wall > 0 else None})
print(json.dumps(d))
PY
}

# The competing processes of contention mode, stopped on exit.
contenders=()
stop_contenders() {
    local p
    for p in "${contenders[@]}"; do kill "$p" 2>/dev/null || true; done
    for p in "${contenders[@]}"; do wait "$p" 2>/dev/null || true; done
    contenders=()
}
trap 'stop_contenders; rm -f "$RAW" "$RAW.rss"; [ -n "${ONEDNN_DIR:-}" ] && rm -rf "$ONEDNN_DIR"' EXIT
start_contenders() {
    local i
    if command -v stress-ng >/dev/null; then
        stress-ng --cpu "$CONTEND" --quiet >/dev/null 2>&1 &
        contenders+=($!)
    else
        for i in $(seq "$CONTEND"); do
            bash -c 'while :; do :; done' &
            contenders+=($!)
        done
    fi
    sleep 1 # let them start before the first run
}

# oneDNN's RNN primitives: built from the reference source.
onednn=""
if [ -f "$ONEDNN_BENCH/rnn_bench.cpp" ] && command -v g++ >/dev/null &&
    { [ -e /usr/include/oneapi/dnnl/dnnl.hpp ] || [ -e /usr/include/dnnl.hpp ]; }; then
    ONEDNN_DIR=$(mktemp -d)
    if g++ -O2 -std=c++17 -fopenmp "$ONEDNN_BENCH/rnn_bench.cpp" -ldnnl -o "$ONEDNN_DIR/rnn_bench" 2>/dev/null; then
        onednn=$ONEDNN_DIR/rnn_bench
    fi
fi
[ -n "$onednn" ] || echo "oneDNN (libdnnl-dev) or its reference program not found: no oneDNN column" >&2

# oneDNN's name for a workload (its sampling row is the batch-1 LSTM step).
onednn_name() {
    case $1 in
    lstm2x128 | lstm2x512 | gru2x512 | rnn2x512 | ptb-small) echo "$1" ;;
    sample-lstm2x512) echo infer-lstm2x512 ;;
    *) echo "" ;;
    esac
}

[ "$CONTEND" -eq 0 ] || start_contenders
for w in "${WORKLOADS_ALL[@]}"; do
    IFS='|' read -r name rargs targs <<< "$w"
    [[ " $selected " == *" $name "* ]] || continue
    for r in $(seq "$REPS"); do
        echo "[$(date -u +%H:%M:%S)] $name: run $r of $REPS" >&2
        if [ "$CONTEND" -gt 0 ]; then
            # recur as a user meets it: its default threads and the libgomp
            # setting its command chooses (cli/blas_env.c); then one thread.
            # shellcheck disable=SC2086
            run_json recur "$name" env GOMP_SPINCOUNT="${GOMP_SPINCOUNT:-10000}" "$BENCH" $rargs
            # shellcheck disable=SC2086
            run_json recur-1 "$name" env GOMP_SPINCOUNT="${GOMP_SPINCOUNT:-10000}" "$BENCH" $rargs --threads 1
            if [ $have_torch = 1 ] && [ -n "$targs" ]; then
                # shellcheck disable=SC2086
                (cd "$TORCH_BENCH" && run_json torch "$name" env GOMP_SPINCOUNT=0 $PY $targs)
            fi
            on=$(onednn_name "$name")
            if [ -n "$onednn" ] && [ -n "$on" ]; then
                run_json onednn "$name" "$onednn" --only "$on" --iters 5 --warmup 2
            fi
            continue
        fi
        # The same libgomp setting the recur command chooses (cli/blas_env.c).
        # shellcheck disable=SC2086
        run_json recur "$name" env GOMP_SPINCOUNT="${GOMP_SPINCOUNT:-10000}" "$BENCH" $rargs --threads 2
        if [ $have_torch = 1 ] && [ -n "$targs" ]; then
            # PyTorch at its best setting here: 2 threads with GOMP_SPINCOUNT=0
            # (its default 2-thread spinning is 2-4x slower).
            # shellcheck disable=SC2086
            (cd "$TORCH_BENCH" && run_json torch "$name" env GOMP_SPINCOUNT=0 $PY $targs --threads 2)
        fi
        on=$(onednn_name "$name")
        if [ -n "$onednn" ] && [ -n "$on" ]; then
            run_json onednn "$name" env OMP_NUM_THREADS=2 "$onednn" --only "$on" --iters 5 --warmup 2
        fi
    done
done
stop_contenders
CONTEND=$CONTEND $PY "$ROOT/bench/summarize.py" "$RAW" "$OUT"
