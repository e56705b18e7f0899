#!/bin/bash
# Korean end to end: train on a slice of the Korean novels, then sample. The
# sample must be valid UTF-8 made of the text's own characters (mostly
# Hangul), and a prime with a character the model never saw is refused.
set -euo pipefail
RECUR=$1
DIR=$(mktemp -d)
trap 'rm -rf "$DIR"' EXIT
# The first 40,000 code points (python slices by character, never inside one).
python3 -c "import sys; t = open(sys.argv[1], encoding='utf-8').read(); open(sys.argv[2], 'w', encoding='utf-8').write(t[:40000])" \
    "$RECUR_DATA/korean.txt" "$DIR/ko.txt"
"$RECUR" train --data "$DIR/ko.txt" --out "$DIR/ko.safetensors" --hidden 96 --batch 16 --seq 32 --steps 120 \
    --lr 0.005 --eval-every 0 --quiet
"$RECUR" sample --model "$DIR/ko.safetensors" --prime "그는" --length 300 --seed 4 > "$DIR/sample.txt"
python3 - "$DIR/sample.txt" "$DIR/ko.txt" <<'PY'
import sys
raw = open(sys.argv[1], "rb").read()
text = raw.decode("utf-8")              # raises on invalid UTF-8
seen = set(open(sys.argv[2], encoding="utf-8").read())
assert text.startswith("그는"), text[:20]
assert set(text) - {"\n"} <= seen, set(text) - seen
hangul = sum(1 for c in text if "\uac00" <= c <= "\ud7a3")
assert hangul >= 100, (hangul, text[:100])
print("ok   %d characters, %d Hangul syllables, valid UTF-8: %s" % (len(text), hangul, text[:40].replace("\n", " ")))
PY
if "$RECUR" sample --model "$DIR/ko.safetensors" --prime "ÆØ" --length 5 2> "$DIR/err.txt"; then
    echo "FAIL a prime outside the vocabulary was accepted"; exit 1
fi
grep -q "not in the vocabulary" "$DIR/err.txt" || { echo "FAIL unclear error: $(cat "$DIR/err.txt")"; exit 1; }
echo "ok   prime outside the vocabulary refused: $(cat "$DIR/err.txt")"
