#!/bin/bash
# The PTB runs behind docs/ptb.md, one at a time: ptb-small seed 1,
# ptb-small-tied, ptb-small seed 2, then the two ptb-small models' ensemble on the test set.
# A run whose log already holds its test perplexity is not repeated, so the
# script can be restarted. Run from the repository root:
#   bench/ptb/run_suite.sh build/recur OUTDIR [THREADS]
# Leaves OUTDIR/NAME.{safetensors,jsonl,out,err} and OUTDIR/ensemble.json.
set -euo pipefail
RECUR=$1
OUT=$2
THREADS=${3:-2}
# libgomp's idle threads spin by default; on a shared 2-core machine that
# triples the time of a 2-thread run (measured side by side: ~700 vs ~2,100
# words/s), so they sleep instead.
export GOMP_SPINCOUNT=${GOMP_SPINCOUNT:-0}
mkdir -p "$OUT"

run() { # NAME ARGS...
    local name=$1
    shift
    if [ -f "$OUT/$name.jsonl" ] && grep -q '"test_ppl"' "$OUT/$name.jsonl"; then
        echo "$name: done already"
        return
    fi
    rm -f "$OUT/$name.jsonl"
    echo "$name: started $(date -u +%FT%TZ)"
    "$RECUR" train "$@" --threads "$THREADS" --out "$OUT/$name.safetensors" --log "$OUT/$name.jsonl" \
        > "$OUT/$name.out" 2> "$OUT/$name.err"
    echo "$name: finished $(date -u +%FT%TZ): $(grep '^Test Perplexity' "$OUT/$name.out" | tr '\n' ' ')"
}

run small-s1 --preset ptb-small --seed 1
run small-tied-s1 --preset ptb-small-tied --seed 1
run small-s2 --preset ptb-small --seed 2
"$RECUR" eval --threads "$THREADS" --model "$OUT/small-s1.safetensors" --model "$OUT/small-s2.safetensors" \
    --json data/ptb/ptb.test.txt > "$OUT/ensemble.json"
"$RECUR" eval --threads "$THREADS" --model "$OUT/small-s1.safetensors" --model "$OUT/small-s2.safetensors" \
    data/ptb/ptb.test.txt
