#!/bin/bash
# The regularisation table (docs/regularisation.md): one recur train per
# setting on tiny Shakespeare, 90/5/5 split by characters, every run from
# the same seed, shape and schedule; then summarize.py makes the table.
#   bench/regularisation/run.sh RECUR OUTDIR [STEPS] [HIDDEN] [THREADS] [SETTING...]
# The course's table is STEPS of several epochs at HIDDEN 512 (hours on this
# machine); a short run (e.g. 300 steps of 2x128) checks the script and
# gives the cost per step, not the regularisers' effect. A run whose log
# already holds its test result is not repeated. Run from the repository root.
set -euo pipefail
RECUR=$1
OUT=$2
STEPS=${3:-20000}
HIDDEN=${4:-512}
THREADS=${5:-2}
shift $(($# < 5 ? $# : 5))
export GOMP_SPINCOUNT=${GOMP_SPINCOUNT:-0} # idle OpenMP threads sleep on a shared machine
mkdir -p "$OUT"
TEXT=${RECUR_DATA:-data}/tinyshakespeare.txt
if [ ! -s "$OUT/train.txt" ]; then
    python3 - "$TEXT" "$OUT" <<'PY'
import sys
text = open(sys.argv[1], encoding="utf-8").read()
a, b = int(len(text) * 0.9), int(len(text) * 0.95)
for name, part in (("train", text[:a]), ("val", text[a:b]), ("test", text[b:])):
    open("%s/%s.txt" % (sys.argv[2], name), "w", encoding="utf-8").write(part)
PY
fi
# NAME|FLAGS: the settings of the table, strengths in the name.
SETTINGS=(
    "none|"
    "l2-1e-5|--l2 1e-5"
    "l1-1e-6|--l1 1e-6"
    "elastic|--l1 1e-6 --l2 1e-5"
    "dropout-0.25|--dropout 0.25"
    "dropout-0.5|--dropout 0.5"
    "batchnorm|--norm batch"
    "layernorm|--norm layer"
    "noise-unigram-0.1|--noise-unigram 0.1"
    "noise-unigram-0.2|--noise-unigram 0.2"
    "dropout-0.25+layernorm|--dropout 0.25 --norm layer"
    "lr-4e-3|--lr 4e-3"
    "lr-4e-3+batchnorm|--lr 4e-3 --norm batch"
    "lr-8e-3|--lr 8e-3"
    "lr-8e-3+batchnorm|--lr 8e-3 --norm batch"
)
want=("$@")
for entry in "${SETTINGS[@]}"; do
    name=${entry%%|*}
    flags=${entry#*|}
    if [ ${#want[@]} -gt 0 ] && [[ ! " ${want[*]} " == *" $name "* ]]; then continue; fi
    if [ -f "$OUT/$name.jsonl" ] && grep -q '"test_ppl"' "$OUT/$name.jsonl"; then
        echo "$name: done already"
        continue
    fi
    rm -f "$OUT/$name.jsonl" "$OUT/$name.safetensors" "$OUT/$name.safetensors.state"
    echo "$name: started $(date -u +%FT%TZ), load $(cut -d' ' -f1-3 /proc/loadavg)"
    # shellcheck disable=SC2086
    "$RECUR" train --data "$OUT/train.txt" --val "$OUT/val.txt" --test "$OUT/test.txt" --cell lstm --layers 2 \
        --hidden "$HIDDEN" --batch 50 --seq 50 --steps "$STEPS" --eval-every $((STEPS / 10 > 0 ? STEPS / 10 : 1)) \
        --save-every 0 --seed 1 --threads "$THREADS" $flags --out "$OUT/$name.safetensors" --log "$OUT/$name.jsonl" \
        > "$OUT/$name.out" 2> "$OUT/$name.err"
    echo "$name: finished $(date -u +%FT%TZ), load $(cut -d' ' -f1-3 /proc/loadavg)"
done
python3 "$(dirname "$0")/summarize.py" "$OUT"
