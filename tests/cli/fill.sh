#!/bin/bash
# recur train --task cloze and recur fill on Korean text: the filled text
# keeps everything around the blank, candidates come with probabilities in
# decreasing order; a text without a blank is refused with a message.
set -euo pipefail
RECUR=$1
DIR=$(mktemp -d)
trap 'rm -rf "$DIR"' EXIT
fail() { echo "FAIL: $*"; exit 1; }
head -c 120000 "$RECUR_DATA/korean.txt" > "$DIR/ko.txt"
"$RECUR" train --task cloze --data "$DIR/ko.txt" --out "$DIR/ko.safetensors" --bidirectional --hidden 32 --embed 16 \
    --epochs 2 --lr 0.005 --threads 1 --json > "$DIR/res.json" 2> "$DIR/err"
python3 - "$DIR/res.json" <<'PY' || fail "held-out result: $(cat "$DIR/res.json")"
import json, sys
r = json.load(open(sys.argv[1]))
# Uniform guessing over ~1000 characters would be ~10 bits.
sys.exit(0 if r["masked"] > 100 and r["bits_per_char"] < 8.0 and r["accuracy"] > 0.05 else 1)
PY
"$RECUR" fill --model "$DIR/ko.safetensors" --top 3 "푸른 하늘에 __이 떠있다" > "$DIR/out.txt"
head -1 "$DIR/out.txt" | grep -q '^푸른 하늘에 ..이 떠있다$' || fail "filled text: $(head -1 "$DIR/out.txt")"
python3 - "$DIR/out.txt" <<'PY' || fail "candidates: $(sed -n 2p "$DIR/out.txt")"
import sys
lines = open(sys.argv[1], encoding="utf-8").read().splitlines()
assert lines[1] == "blank 1 (byte 17, 2 characters):", lines[1]
probs = [float(l.split()[0]) for l in lines[2:5]]
fills = [l.split(None, 1)[1] for l in lines[2:5]]
assert all(len(f) == 4 and f[0] == f[-1] == '"' for f in fills), fills
assert len(lines) == 5 and all(0 < p <= 1 for p in probs) and probs == sorted(probs, reverse=True), probs
PY
# Two blanks, one character each.
"$RECUR" fill --model "$DIR/ko.safetensors" --top 2 "그_ 사람은 _다" | sed -n 5p | grep -q '^blank 2 (byte 15, 1 character):$' || fail "second blank"
# No blank: refused with a message; an LM-only flag combination is refused too.
if "$RECUR" fill --model "$DIR/ko.safetensors" "푸른 하늘" 2> "$DIR/err"; then fail "accepted a text without blanks"; fi
grep -q "no blank to fill" "$DIR/err" || fail "message: $(cat "$DIR/err")"
if "$RECUR" train --task tag --data "$DIR/ko.txt" --out "$DIR/x" 2> "$DIR/err"; then fail "accepted --task tag"; fi
grep -q "use recur tag train" "$DIR/err" || fail "message: $(cat "$DIR/err")"
echo "ok: $(cat "$DIR/res.json")"
