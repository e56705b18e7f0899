#!/bin/bash
# Data-parallel figures on this machine: tokens/s of 1 rank x 1 thread,
# 1 rank x 2 threads and 2 ranks x 1 thread (shared memory and TCP; the
# gradient summed in one block, and layer by layer during backward) for
# LSTM 2x512 (characters) and PTB small; the per-step compute of PTB medium
# and large; all-reduce time against message size on loopback TCP and on
# shared memory. Writes bench/results/distributed-DATE.jsonl (one JSON object
# a line, the machine's load first), then the scaling model's table.
#   bench/distributed/run.sh BUILD_DIR     (a -DRECUR_USE_MPI=ON build)
#   REPS=3 sets the repeats of each training figure (medians are taken later).
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/../.." && pwd)
BUILD=${1:-$ROOT/build-mpi}
BENCH=$BUILD/bench/dist_bench
REPS=${REPS:-3}
OUT=$ROOT/bench/results/distributed-$(date -u +%Y%m%d-%H%M%S).jsonl
SHAKES=$ROOT/data/tinyshakespeare.txt
PTB=$ROOT/data/ptb/ptb.train.txt
[ -x "$BENCH" ] || { echo "no $BENCH: build with -DRECUR_USE_MPI=ON" >&2; exit 1; }
# As root (CI, containers) Open MPI needs both variables; more ranks than
# cores is allowed. Ranks are not bound: each rank's threads float.
export OMPI_ALLOW_RUN_AS_ROOT=1 OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=1 OMPI_MCA_rmaps_base_oversubscribe=1
MPI=(mpirun --bind-to none)
TCP=(--mca btl tcp,self --mca btl_tcp_if_include lo)

load() {
    python3 - "$1" <<'PY'
import json, os, subprocess, sys
ps = subprocess.run(["ps", "-eo", "pcpu,comm", "--sort=-pcpu"], capture_output=True, text=True).stdout.splitlines()[1:6]
print(json.dumps({"mode": "load", "when": sys.argv[1], "loadavg": os.getloadavg(), "cores": os.cpu_count(),
                  "top": [l.strip() for l in ps]}))
PY
}

{
    load start
    git -C "$ROOT" log -1 --format='{"mode":"commit","commit":"%h","date":"%cI"}'
    "${MPI[@]}" -n 2 "${TCP[@]}" "$BENCH" allreduce --max-mb 64 --reps 30 | sed 's/"mode":"allreduce"/"mode":"allreduce","transport":"tcp"/'
    "${MPI[@]}" -n 2 "$BENCH" allreduce --max-mb 64 --reps 30 | sed 's/"mode":"allreduce"/"mode":"allreduce","transport":"shm"/'
    lstm=(train --data "$SHAKES" --cell lstm --layers 2 --hidden 512 --batch 50 --seq 50 --steps 6 --warmup 1)
    small=(train --data "$PTB" --level word --optimizer sgd --cell lstm --layers 2 --hidden 200 --batch 20 --seq 20
           --steps 40 --warmup 3)
    for ((r = 0; r < REPS; r++)); do
        for w in lstm small; do
            eval "args=(\"\${$w[@]}\")"
            tag() { sed "s/\"mode\":\"train\"/\"mode\":\"train\",\"workload\":\"$w\",\"layout\":\"$1\"/"; }
            "${MPI[@]}" -n 1 "$BENCH" "${args[@]}" --threads 1 | tag 1x1
            "${MPI[@]}" -n 1 "$BENCH" "${args[@]}" --threads 2 | tag 1x2
            "${MPI[@]}" -n 2 "$BENCH" "${args[@]}" --threads 1 | tag 2x1-shm
            "${MPI[@]}" -n 2 "$BENCH" "${args[@]}" --threads 1 --allreduce layers | tag 2x1-shm-layers
            "${MPI[@]}" -n 2 "${TCP[@]}" "$BENCH" "${args[@]}" --threads 1 | tag 2x1-tcp
            "${MPI[@]}" -n 2 "${TCP[@]}" "$BENCH" "${args[@]}" --threads 1 --allreduce layers | tag 2x1-tcp-layers
        done
    done
    # A node's compute per step for the larger PTB models (one rank, both cores).
    "${MPI[@]}" -n 1 "$BENCH" train --data "$PTB" --level word --optimizer sgd --cell lstm --layers 2 --hidden 650 \
        --batch 20 --seq 35 --dropout 0.5 --steps 3 --warmup 1 --threads 2 |
        sed 's/"mode":"train"/"mode":"train","workload":"medium","layout":"1x2"/'
    "${MPI[@]}" -n 1 "$BENCH" train --data "$PTB" --level word --optimizer sgd --cell lstm --layers 2 --hidden 1500 \
        --batch 20 --seq 35 --dropout 0.65 --steps 2 --warmup 1 --threads 2 |
        sed 's/"mode":"train"/"mode":"train","workload":"large","layout":"1x2"/'
    load end
} | tee "$OUT"
echo "wrote $OUT" >&2
python3 "$ROOT/bench/distributed/scaling_model.py" "$OUT"
