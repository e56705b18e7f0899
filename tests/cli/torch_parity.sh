#!/bin/bash
# A recur checkpoint loads into PyTorch with strict=True and gives the same
# loss; a PyTorch-written file loads into recur and gives the same loss.
# Skips (exit 77) where /usr/bin/python3 has no torch.
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
for cell in lstm gru rnn_tanh rnn_relu; do
    extra=""
    [ "$cell" = gru ] && extra="--tied --embed 24"
    "$RECUR" train --data "$DIR/train.txt" --out "$DIR/$cell.safetensors" --cell $cell --hidden 24 --embed 16 \
        $extra --batch 4 --seq 20 --steps 30 --val-fraction 0 --quiet --seed 3
    ours=$("$RECUR" eval --model "$DIR/$cell.safetensors" --seq 25 --json "$DIR/eval.txt" | $PY -c "import json,sys; print(json.load(sys.stdin)['loss'])")
    theirs=$($PY "$HERE/torch/parity.py" check "$DIR/$cell.safetensors" "$DIR/eval.txt" 25 | $PY -c "import json,sys; print(json.load(sys.stdin)['loss'])")
    if close "$ours" "$theirs"; then echo "ok   recur->torch $cell: recur $ours torch $theirs"
    else echo "FAIL recur->torch $cell: recur $ours torch $theirs"; fail=$((fail + 1)); fi
    theirs=$($PY "$HERE/torch/parity.py" write "$DIR/pt_$cell.safetensors" "$DIR/eval.txt" $cell | $PY -c "import json,sys; print(json.load(sys.stdin)['loss'])")
    ours=$("$RECUR" eval --model "$DIR/pt_$cell.safetensors" --seq 50 --json "$DIR/eval.txt" | $PY -c "import json,sys; print(json.load(sys.stdin)['loss'])")
    if close "$ours" "$theirs"; then echo "ok   torch->recur $cell: recur $ours torch $theirs"
    else echo "FAIL torch->recur $cell: recur $ours torch $theirs"; fail=$((fail + 1)); fi
done
[ $fail -eq 0 ]
