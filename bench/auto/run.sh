#!/bin/bash
# `recur train --minutes M --auto` against the default configuration with the
# same budget (docs/training-run.md; issue figures in the README): for each
# text, the 90/5/5 split by characters that the PyTorch char-LM reference
# uses, one run of each per seed, the best validation loss in nats and bits
# per character, and the test loss of the model kept. The machine's load is
# sampled every minute into OUT/load.txt, and each run's start and end load
# go into OUT/runs.txt.
#   bench/auto/run.sh RECUR OUT [MINUTES] [SEEDS] [TEXT...]
# TEXT: tinyshakespeare, linux, korean, sotu (the State of the Union
# addresses are not shipped: read from ../shared/data/sotu when present).
# Defaults: 10 minutes, seeds "1 2", the four texts; KINDS="default auto"
# (either alone with KINDS=...). A run whose log holds its test result is
# not repeated, so the script resumes where it stopped. recur runs with its
# own thread settings (before 2026-12-02 this script set GOMP_SPINCOUNT=0,
# about 5% slower for recur).
# Characters of the validation or test text that the training text lacks
# (the Korean novels have a few) are left out and counted (--unknown skip).
# Run from the repository root with nothing else of yours running: the
# budgets are wall time.
set -euo pipefail
RECUR=$1
OUT=$2
MINUTES=${3:-10}
SEEDS=${4:-1 2}
shift $(($# < 4 ? $# : 4))
TEXTS=("$@")
[ ${#TEXTS[@]} -gt 0 ] || TEXTS=(tinyshakespeare linux korean sotu)
DATA=${RECUR_DATA:-data}
KINDS=${KINDS:-default auto}
mkdir -p "$OUT"
(while true; do
    echo "$(date -u +%FT%TZ) $(cut -d' ' -f1-3 /proc/loadavg)" >> "$OUT/load.txt"
    sleep 60
done) &
sampler=$!
trap 'kill $sampler 2>/dev/null' EXIT

source_of() {
    case $1 in
    tinyshakespeare) echo "$DATA/tinyshakespeare.txt" ;;
    linux) echo "$DATA/linux.txt" ;;
    korean) echo "$DATA/korean.txt" ;;
    sotu) echo "${SOTU:-../shared/data/sotu/sotu.txt}" ;;
    *) echo "unknown text $1" >&2; return 1 ;;
    esac
}

for text in "${TEXTS[@]}"; do
    src=$(source_of "$text")
    if [ ! -s "$src" ]; then
        echo "$text: $src not found, skipped"
        continue
    fi
    dir="$OUT/$text"
    mkdir -p "$dir"
    if [ ! -s "$dir/train.txt" ]; then
        python3 "$(dirname "$0")/../split_text.py" "$src" "$dir"
    fi
    for seed in $SEEDS; do
        for kind in $KINDS; do
            name="$kind-seed$seed"
            if [ -f "$dir/$name.jsonl" ] && grep -q '"test_ppl"' "$dir/$name.jsonl"; then
                echo "$text $name: done already"
                continue
            fi
            rm -f "$dir/$name.jsonl" "$dir/$name.safetensors" "$dir/$name.safetensors.state"
            flags=(--eval-every 250)
            [ $kind = auto ] && flags=(--auto)
            echo "$text $name: started $(date -u +%FT%TZ), load $(cut -d' ' -f1-3 /proc/loadavg)" | tee -a "$OUT/runs.txt"
            "$RECUR" train --data "$dir/train.txt" --val "$dir/val.txt" --test "$dir/test.txt" --minutes "$MINUTES" \
                --seed "$seed" --save-every 0 --unknown skip "${flags[@]}" --out "$dir/$name.safetensors" --log "$dir/$name.jsonl" \
                > "$dir/$name.out" 2> "$dir/$name.err"
            echo "$text $name: finished $(date -u +%FT%TZ), load $(cut -d' ' -f1-3 /proc/loadavg)" | tee -a "$OUT/runs.txt"
        done
    done
done
kill $sampler 2>/dev/null || true
python3 "$(dirname "$0")/summarize.py" "$OUT"
