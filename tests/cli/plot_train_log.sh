#!/bin/bash
# The metrics log that `recur train --log` writes is what `recur plot` reads:
# two short trainings (LSTM and GRU) on a slice of tiny Shakespeare, plotted
# on one chart, checked as XML. Skips (exit 77) without python3 or the corpus.
set -euo pipefail
RECUR=$1
command -v python3 >/dev/null || { echo "skip: no python3 to check the XML"; exit 77; }
CORPUS=${RECUR_DATA:-}/tinyshakespeare.txt
[ -f "$CORPUS" ] || { echo "skip: no $CORPUS"; exit 77; }
DIR=$(mktemp -d)
trap 'rm -rf "$DIR"' EXIT
head -c 30000 "$CORPUS" > "$DIR/train.txt"
for cell in lstm gru; do
    "$RECUR" train --data "$DIR/train.txt" --out "$DIR/$cell.safetensors" --cell $cell --layers 1 \
        --hidden 32 --batch 8 --seq 20 --steps 60 --eval-every 20 --log "$DIR/$cell.jsonl" \
        --log-every 5 --quiet --seed 2
done
"$RECUR" plot "$DIR/lstm.jsonl" "$DIR/gru.jsonl" -o "$DIR/curves.svg" --y bpc --title "LSTM vs GRU"
python3 - "$DIR/curves.svg" "$DIR/lstm.jsonl" <<'PY'
import json, sys, xml.etree.ElementTree as ET
svg, log = sys.argv[1], sys.argv[2]
ns = "{http://www.w3.org/2000/svg}"
root = ET.parse(svg).getroot()
texts = [t.text for t in root.iter(ns + "text")]
for want in ["LSTM vs GRU", "lstm", "gru", "train", "validation", "bits per token", "learning rate", "gradient norm"]:
    assert want in texts, "missing %r in %r" % (want, texts)
rows = [json.loads(l) for l in open(log) if l.strip()]
assert any("train_loss" in r for r in rows) and any("val_loss" in r for r in rows), "log lacks train or val lines"
# loss panel: per run one training line and one validation line (gaps would add more)
lines = list(root.iter(ns + "polyline"))
assert len(lines) >= 2 * 2 + 2 * 2, "only %d lines drawn" % len(lines)
print("ok: %d log lines, %d polylines" % (len(rows), len(lines)))
PY
