#!/bin/bash
# The regularisation table (docs/regularisation.md): one `recur train` per
# setting and seed on one of two tasks that overfit differently, then the
# ensemble of two seeds of the best single setting, then summarize.py.
#   bench/regularisation/run.sh RECUR OUT char|ptb [SETTING...]
# char: tiny Shakespeare, 90/5/5 split by characters, char LSTM 2 x HIDDEN
#       (512), batch 50, seq 50, Adam 2e-3, STEPS steps (2000: 5 epochs),
#       validated 20 times.
# ptb:  the Penn Treebank, ptb-small's 2 x 200 LSTM and SGD schedule, EPOCHS
#       epochs (6: ptb-small overfits from about the fifth).
# Environment: THREADS (2), SEEDS ("1 2": the headline rows run every seed,
# the others the first), HEADLINE (the settings run with every seed),
# STEPS, EPOCHS, HIDDEN (STEPS with ptb: stop there, to check the script). A run whose log holds its test result is not
# repeated: the script resumes where it stopped, and rows can be run a few
# at a time by naming them. The whole table is hours of training on two
# cores: run it with nothing else of yours running, and the load of other
# processes is sampled every minute into OUT/load.txt.
# Run from the repository root.
set -euo pipefail
RECUR=$1
OUT=$2
TASK=$3
shift 3
THREADS=${THREADS:-2}
SEEDS=(${SEEDS:-1 2})
DATA=${RECUR_DATA:-data}
export GOMP_SPINCOUNT=${GOMP_SPINCOUNT:-0} # idle OpenMP threads sleep on a shared machine
mkdir -p "$OUT"

# NAME|FLAGS: the settings of the table, strengths in the name. The course's
# five (penalties, dropout, augmentation, batch normalisation, ensembles),
# layer normalisation, AWD-LSTM's dropouts, and the learning rates with and
# without batch normalisation (its claim: it lets a higher rate train).
# The rows both tasks share; each adds its noising rates and learning rates.
SHARED=(
    "none|"
    "l2-1e-5|--l2 1e-5" "l2-1e-4|--l2 1e-4"
    "l1-1e-6|--l1 1e-6" "l1-1e-5|--l1 1e-5"
    "elastic|--l1 1e-6 --l2 1e-5"
    "dropout-0.25|--dropout 0.25" "dropout-0.5|--dropout 0.5"
    "batchnorm|--norm batch" "layernorm|--norm layer"
    "dropout-0.25+layernorm|--dropout 0.25 --norm layer"
    "dropout-0.25+locked|--dropout 0.25 --locked-dropout" "weight-drop-0.2|--weight-drop 0.2"
)
case $TASK in
char)
    STEPS=${STEPS:-2000}
    HIDDEN=${HIDDEN:-512}
    HEADLINE=${HEADLINE:-none dropout-0.25 layernorm noise-unigram-0.1}
    TEXT=$DATA/tinyshakespeare.txt
    if [ ! -s "$OUT/train.txt" ]; then
        python3 "$(dirname "$0")/../split_text.py" "$TEXT" "$OUT"
    fi
    BASE=(--data "$OUT/train.txt" --val "$OUT/val.txt" --test "$OUT/test.txt" --cell lstm --layers 2
          --hidden "$HIDDEN" --batch 50 --seq 50 --steps "$STEPS" --eval-every $((STEPS / 20 > 0 ? STEPS / 20 : 1)))
    SETTINGS=(
        "${SHARED[@]}"
        "noise-unigram-0.05|--noise-unigram 0.05" "noise-unigram-0.1|--noise-unigram 0.1"
        "noise-unigram-0.2|--noise-unigram 0.2"
        "lr-4e-3|--lr 4e-3" "lr-4e-3+batchnorm|--lr 4e-3 --norm batch"
        "lr-8e-3|--lr 8e-3" "lr-8e-3+batchnorm|--lr 8e-3 --norm batch"
    )
    ;;
ptb)
    EPOCHS=${EPOCHS:-6}
    HEADLINE=${HEADLINE:-none dropout-0.25 layernorm noise-blank-0.1}
    BASE=(--preset ptb-small --data "$DATA/ptb/ptb.train.txt" --val "$DATA/ptb/ptb.valid.txt"
          --test "$DATA/ptb/ptb.test.txt" --epochs "$EPOCHS" --decay-after $((EPOCHS > 4 ? 4 : EPOCHS)))
    [ -n "${STEPS:-}" ] && BASE+=(--steps "$STEPS") # a short check of the script
    SETTINGS=(
        "${SHARED[@]}"
        "noise-unigram-0.1|--noise-unigram 0.1" "noise-unigram-0.2|--noise-unigram 0.2"
        "noise-blank-0.1|--noise-blank 0.1" "noise-blank-0.2|--noise-blank 0.2"
        "lr-2|--lr 2" "lr-2+batchnorm|--lr 2 --norm batch"
        "lr-4|--lr 4" "lr-4+batchnorm|--lr 4 --norm batch"
    )
    ;;
*)
    echo "usage: $0 RECUR OUT char|ptb [SETTING...]" >&2
    exit 2
    ;;
esac

(while true; do
    echo "$(date -u +%FT%TZ) $(cut -d' ' -f1-3 /proc/loadavg)" >> "$OUT/load.txt"
    sleep 60
done) &
sampler=$!
trap 'kill $sampler 2>/dev/null' EXIT

# One run: NAME SEED FLAGS...
train_one() {
    local name=$1 seed=$2
    shift 2
    local run=$name-seed$seed
    if [ -f "$OUT/$run.jsonl" ] && grep -q '"test_ppl"' "$OUT/$run.jsonl"; then
        echo "$run: done already"
        return
    fi
    rm -f "$OUT/$run.jsonl" "$OUT/$run.safetensors" "$OUT/$run.safetensors.state"
    echo "$run: started $(date -u +%FT%TZ), load $(cut -d' ' -f1-3 /proc/loadavg)" | tee -a "$OUT/runs.txt"
    "$RECUR" train "${BASE[@]}" --save-every 0 --seed "$seed" --threads "$THREADS" "$@" \
        --out "$OUT/$run.safetensors" --log "$OUT/$run.jsonl" > "$OUT/$run.out" 2> "$OUT/$run.err"
    echo "$run: finished $(date -u +%FT%TZ), load $(cut -d' ' -f1-3 /proc/loadavg)" | tee -a "$OUT/runs.txt"
}

want=("$@")
for entry in "${SETTINGS[@]}"; do
    name=${entry%%|*}
    read -r -a flags <<< "${entry#*|}"
    if [ ${#want[@]} -gt 0 ] && [[ ! " ${want[*]} " == *" $name "* ]]; then continue; fi
    seeds=("${SEEDS[0]}")
    [[ " $HEADLINE " == *" $name "* ]] && seeds=("${SEEDS[@]}")
    for seed in "${seeds[@]}"; do
        train_one "$name" "$seed" "${flags[@]}"
    done
done

# The ensemble: the two seeds of the headline setting with the best mean
# validation loss, their mean probability over the test text at batch 1.
if [ ${#want[@]} -eq 0 ] && [ ${#SEEDS[@]} -ge 2 ]; then
    best=$(python3 "$(dirname "$0")/summarize.py" "$OUT" --best-headline "$HEADLINE" "${SEEDS[0]}" "${SEEDS[1]}")
    if [ -n "$best" ] && [ ! -s "$OUT/ensemble.json" ]; then
        echo "ensemble of $best: started $(date -u +%FT%TZ)" | tee -a "$OUT/runs.txt"
        test_file=$OUT/test.txt
        [ "$TASK" = ptb ] && test_file=$DATA/ptb/ptb.test.txt
        "$RECUR" eval --model "$OUT/$best-seed${SEEDS[0]}.safetensors" --model "$OUT/$best-seed${SEEDS[1]}.safetensors" \
            --json --threads "$THREADS" "$test_file" > "$OUT/ensemble.json.tmp"
        python3 - "$best" "$OUT/ensemble.json.tmp" "$OUT/ensemble.json" <<'PY'
import json, sys
result = json.load(open(sys.argv[2]))
json.dump({"setting": sys.argv[1], "eval": result}, open(sys.argv[3], "w"), indent=1)
PY
        rm -f "$OUT/ensemble.json.tmp"
    fi
fi
python3 "$(dirname "$0")/summarize.py" "$OUT"
