#!/bin/bash
# Runs every throughput workload for recur and, when /usr/bin/python3 has
# torch and the PyTorch reference scripts are found, for PyTorch, alternating
# runs (recur, PyTorch, recur, ...), REPS of each; then prints a table of
# medians and ratios and writes bench/results/bench-DATE.json.
#
# Usage: bench/run.sh path/to/recur_bench        (cmake --build build --target bench)
# Environment: REPS (default 5), TORCH_BENCH (folder of the reference scripts;
# default ../shared/bench), WORKLOADS (space-separated subset of the names below).
set -euo pipefail
BENCH=${1:?usage: run.sh path/to/recur_bench}
ROOT=$(cd "$(dirname "$0")/.." && pwd)
REPS=${REPS:-5}
TORCH_BENCH=${TORCH_BENCH:-$ROOT/../shared/bench}
PY=/usr/bin/python3
SHAKES=$ROOT/data/tinyshakespeare.txt
PTB=$ROOT/data/ptb/ptb.train.txt
OUT=$ROOT/bench/results
mkdir -p "$OUT"
RAW=$(mktemp)
trap 'rm -f "$RAW"' EXIT

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
  "sample-lstm2x512|sample --data $SHAKES --cell lstm --layers 2 --hidden 512 --length 2000|torch_charlm.py --data $SHAKES --cell lstm --layers 2 --hidden 512 --sample-bench --sample-len 2000"
  "sample-lstm2x512-f16|sample --data $SHAKES --cell lstm --layers 2 --hidden 512 --length 2000 --weights f16|torch_charlm.py --data $SHAKES --cell lstm --layers 2 --hidden 512 --sample-bench --sample-len 2000"
  "sample-lstm2x512-i8|sample --data $SHAKES --cell lstm --layers 2 --hidden 512 --length 2000 --weights i8|torch_charlm.py --data $SHAKES --cell lstm --layers 2 --hidden 512 --sample-bench --sample-len 2000"
  "streams-lstm2x512-s1|streams --data $SHAKES --cell lstm --layers 2 --hidden 512 --length 1000 --streams 1|"
  "streams-lstm2x512-s4|streams --data $SHAKES --cell lstm --layers 2 --hidden 512 --length 500 --streams 4|"
  "streams-lstm2x512-s16|streams --data $SHAKES --cell lstm --layers 2 --hidden 512 --length 250 --streams 16|"
  "streams-lstm2x512-s64|streams --data $SHAKES --cell lstm --layers 2 --hidden 512 --length 100 --streams 64|"
  "read-sampler-weights|read --reps 15|"
  "sgemm2048|sgemm --n 2048 --reps 10|matmul_peak.py --lib torch --n 2048 --reps 10"
)
selected=${WORKLOADS:-lstm2x128 lstm2x512 gru2x512 rnn2x512 ptb-small sample-lstm2x512 sample-lstm2x512-f16 sample-lstm2x512-i8 streams-lstm2x512-s1 streams-lstm2x512-s4 streams-lstm2x512-s16 streams-lstm2x512-s64 read-sampler-weights sgemm2048}

run_json() {  # run_json SIDE NAME CMD... : appends {"side","name",...result}
    local side=$1 name=$2; shift 2
    local t0 out
    out=$( { /usr/bin/time -f '%M' "$@" 2> >(tail -n 1 > "$RAW.rss") | tail -n 1; } ) || { echo "  failed: $*" >&2; return 0; }
    sleep 0.2
    $PY - "$side" "$name" "$out" "$(cat "$RAW.rss" 2>/dev/null || echo 0)" >> "$RAW" <<'PY'
import json, sys
side, name, out, rss = sys.argv[1:5]
d = json.loads(out)
d.update({"side": side, "name": name, "max_rss_kb": int(rss) if rss.strip().isdigit() else 0})
print(json.dumps(d))
PY
}

for w in "${WORKLOADS_ALL[@]}"; do
    IFS='|' read -r name rargs targs <<< "$w"
    [[ " $selected " == *" $name "* ]] || continue
    for r in $(seq "$REPS"); do
        echo "[$(date -u +%H:%M:%S)] $name: run $r of $REPS" >&2
        # The same libgomp setting the recur command chooses (cli/blas_env.c).
        # shellcheck disable=SC2086
        run_json recur "$name" env GOMP_SPINCOUNT="${GOMP_SPINCOUNT:-10000}" "$BENCH" $rargs --threads 2
        if [ $have_torch = 1 ] && [ -n "$targs" ]; then
            # PyTorch at its best setting here: 2 threads with GOMP_SPINCOUNT=0
            # (its default 2-thread spinning is 2-4x slower).
            # shellcheck disable=SC2086
            (cd "$TORCH_BENCH" && run_json torch "$name" env GOMP_SPINCOUNT=0 $PY $targs --threads 2)
        fi
    done
done
$PY "$ROOT/bench/summarize.py" "$RAW" "$OUT"
