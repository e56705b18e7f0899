#!/bin/bash
# recur tag train / tag eval / tag end to end on two Brown files, and the
# errors for malformed word/TAG input (file and line named).
set -euo pipefail
RECUR=$1
DIR=$(mktemp -d)
trap 'rm -rf "$DIR"' EXIT
B=$RECUR_DATA/brown
fail() { echo "FAIL: $*"; exit 1; }
# Train on ca01..ca04 holding out every 2nd file (ca02, ca04).
"$RECUR" tag train --out "$DIR/t.safetensors" --bidirectional --hidden 16 --embed 16 --feature-embed 8 --epochs 6 --lr 0.01 \
    --holdout-every 2 --threads 1 --json "$B/ca01" "$B/ca02" "$B/ca03" "$B/ca04" > "$DIR/train.json" 2> "$DIR/train.err"
grep -q "training sentences" "$DIR/train.err" || fail "no data summary"
acc=$(python3 -c "import json; r = json.load(open('$DIR/train.json')); print(r['accuracy'])")
python3 -c "import sys; sys.exit(0 if float('$acc') > 0.6 else 1)" || fail "held-out accuracy $acc <= 0.6"
# tag eval on the held-out files gives the same figure.
"$RECUR" tag eval --model "$DIR/t.safetensors" --json "$B/ca02" "$B/ca04" > "$DIR/eval.json"
acc2=$(python3 -c "import json; print(json.load(open('$DIR/eval.json'))['accuracy'])")
[ "$acc" = "$acc2" ] || fail "tag eval $acc2 differs from the training report $acc"
# Tagging plain text: one word/TAG line per input line, tags from the universal set.
printf 'The jury said it would investigate .\nZyxquux blorfed happily\n' > "$DIR/plain.txt"
"$RECUR" tag --model "$DIR/t.safetensors" "$DIR/plain.txt" > "$DIR/tagged.txt"
[ "$(wc -l < "$DIR/tagged.txt")" -eq 2 ] || fail "expected 2 tagged lines"
head -1 "$DIR/tagged.txt" | grep -Eq '^The/DET jury/NOUN ' || fail "unexpected tags: $(head -1 "$DIR/tagged.txt")"
grep -Eq '^Zyxquux/[A-Z.]+ blorfed/[A-Z.]+ happily/[A-Z.]+$' "$DIR/tagged.txt" || fail "unknown words not tagged"
# --tagset full keeps Brown's tags.
"$RECUR" tag train --out "$DIR/f.safetensors" --tagset full --hidden 8 --embed 8 --epochs 1 --holdout-every 0 \
    --threads 1 "$B/ca01" 2> /dev/null
echo "The jury" | "$RECUR" tag --model "$DIR/f.safetensors" | grep -Eq '^The/[a-z]' || fail "full tagset"
# Malformed input: the error names the file and line.
printf 'The/at jury/nn\nsaid/vbd oops it/pps\n' > "$DIR/bad.txt"
if "$RECUR" tag train --out "$DIR/x.safetensors" --holdout-every 0 "$DIR/bad.txt" 2> "$DIR/err"; then fail "accepted a token without a tag"; fi
grep -q "bad.txt:2: token 'oops' is not word/TAG" "$DIR/err" || fail "message: $(cat "$DIR/err")"
printf 'a/at /nn\n' > "$DIR/bad2.txt"
if "$RECUR" tag eval --model "$DIR/t.safetensors" "$DIR/bad2.txt" 2> "$DIR/err"; then fail "accepted an empty word"; fi
grep -q "bad2.txt:1:" "$DIR/err" || fail "message: $(cat "$DIR/err")"
printf 'a/at b/\n' > "$DIR/bad3.txt"
if "$RECUR" tag eval --model "$DIR/t.safetensors" "$DIR/bad3.txt" 2> "$DIR/err"; then fail "accepted an empty tag"; fi
grep -q "bad3.txt:1: token 'b/'" "$DIR/err" || fail "message: $(cat "$DIR/err")"
# A tagger is not a language model.
if "$RECUR" eval --model "$DIR/t.safetensors" "$DIR/plain.txt" 2> "$DIR/err"; then fail "recur eval accepted a tagger"; fi
grep -q "not a language model" "$DIR/err" || fail "message: $(cat "$DIR/err")"
if "$RECUR" sample --model "$DIR/t.safetensors" --length 5 > /dev/null 2> "$DIR/err"; then fail "recur sample accepted a tagger"; fi
grep -q "not a language model" "$DIR/err" || fail "message: $(cat "$DIR/err")"
"$RECUR" info --model "$DIR/t.safetensors" | grep -q "bidirectional" || fail "recur info does not say bidirectional"
echo "ok: held-out accuracy $acc"
