#!/bin/bash
# A --norm checkpoint loads strictly into the PyTorch module of
# tests/torch/norm_parity.py (the normalised cells written from the papers)
# and gives recur eval's loss, for every cell and both norms. Skips (exit
# 77) where /usr/bin/python3 has no torch.
set -euo pipefail
RECUR=$1
PY=/usr/bin/python3
$PY -c "import torch" 2>/dev/null || { echo "skip: no torch for $PY"; exit 77; }
DIR=$(mktemp -d)
trap 'rm -rf "$DIR"' EXIT
HERE=$(cd "$(dirname "$0")/.." && pwd)
head -c 20000 "$RECUR_DATA/tinyshakespeare.txt" > "$DIR/train.txt"
head -c 3000 "$RECUR_DATA/tinyshakespeare.txt" | tail -c 1500 > "$DIR/eval.txt"
fail=0
close() {  # close A B: relative difference <= 1e-4
    $PY -c "import sys; a, b = float(sys.argv[1]), float(sys.argv[2]); sys.exit(0 if abs(a - b) <= 1e-4 * max(abs(a), abs(b)) else 1)" "$1" "$2"
}
for norm in batch layer; do
    for cell in lstm gru rnn_tanh rnn_relu; do
        m="$DIR/$cell-$norm.safetensors"
        "$RECUR" train --data "$DIR/train.txt" --out "$m" --cell $cell --norm $norm --hidden 24 --embed 16 --layers 2 \
            --batch 4 --seq 20 --steps 30 --val-fraction 0 --quiet --seed 3 --threads 1
        # Windows of 25 steps: steps 20 to 24 of each read batch norm's last row.
        ours=$("$RECUR" eval --model "$m" --seq 25 --json "$DIR/eval.txt" | $PY -c "import json,sys; print(json.load(sys.stdin)['loss'])")
        theirs=$($PY "$HERE/torch/norm_parity.py" "$m" "$DIR/eval.txt" 25 | $PY -c "import json,sys; print(json.load(sys.stdin)['loss'])")
        if close "$ours" "$theirs"; then echo "ok   $cell --norm $norm: recur $ours torch $theirs"
        else echo "FAIL $cell --norm $norm: recur $ours torch $theirs"; fail=$((fail + 1)); fi
    done
done
[ $fail -eq 0 ]
