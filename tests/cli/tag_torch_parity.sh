#!/bin/bash
# Bidirectional checkpoints load into PyTorch (nn.LSTM/GRU/RNN with
# bidirectional=True, load_state_dict strict=True) and give the same
# probabilities: taggers of every cell with two bidirectional layers, and
# classifiers with mean and last pooling. Skips (exit 77) without torch.
set -euo pipefail
RECUR=$1
PY=/usr/bin/python3
$PY -c "import torch" 2>/dev/null || { echo "skip: no torch for $PY"; exit 77; }
DIR=$(mktemp -d)
trap 'rm -rf "$DIR"' EXIT
HERE=$(cd "$(dirname "$0")/.." && pwd)
BROWN=$RECUR_DATA/brown
# Plain sentences (tags removed) of a file the models never saw; some words are unknown.
head -40 "$BROWN/cb01" | sed -E 's#([^ \t]+)/[^ \t]+#\1#g' | grep -v '^[[:space:]]*$' > "$DIR/plain.txt"
fail=0
check() {  # check NAME JSON: the largest probability difference must be below 1e-5
    if $PY -c "import json,sys; r = json.loads(sys.argv[1]); sys.exit(0 if r['max_abs_diff'] < 1e-5 else 1)" "$2"; then
        echo "ok   $1: $2"
    else
        echo "FAIL $1: $2"; fail=$((fail + 1))
    fi
}
for cell in lstm gru rnn_tanh rnn_relu; do
    "$RECUR" tag train --out "$DIR/$cell.safetensors" --bidirectional --layers 2 --cell $cell --hidden 8 --embed 6 \
        --no-features --epochs 1 --holdout-every 0 --threads 1 "$BROWN/ca01" "$BROWN/ca02" 2>/dev/null
    "$RECUR" tag --model "$DIR/$cell.safetensors" --scores "$DIR/plain.txt" > "$DIR/$cell.scores"
    check "tag bi-$cell" "$($PY "$HERE/torch/bidir_parity.py" tag "$DIR/$cell.safetensors" "$DIR/$cell.scores")"
done
# Classifier: which of two texts a line comes from.
{ head -300 "$RECUR_DATA/tinyshakespeare.txt" | grep . | sed 's/^/shakespeare\t/'
  head -400 "$RECUR_DATA/linux.txt" | grep '[a-z]' | sed 's/^/linux\t/'; } > "$DIR/lines.tsv"
for pool in mean last; do
    "$RECUR" classify train --data "$DIR/lines.tsv" --out "$DIR/c_$pool.safetensors" --bidirectional --layers 2 \
        --pool $pool --hidden 8 --embed 6 --epochs 1 --threads 1 2>/dev/null > /dev/null
    head -60 "$DIR/lines.tsv" | cut -f2- > "$DIR/texts.txt"
    "$RECUR" classify --model "$DIR/c_$pool.safetensors" --all "$DIR/texts.txt" > "$DIR/c_$pool.out"
    check "classify bi-lstm pool $pool" "$($PY "$HERE/torch/bidir_parity.py" classify "$DIR/c_$pool.safetensors" "$DIR/c_$pool.out")"
done
[ $fail -eq 0 ]
