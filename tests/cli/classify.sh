#!/bin/bash
# recur classify train / classify: which of two corpora a line comes from,
# held-out accuracy, labelling lines; malformed TSV rows are errors naming
# the file and line.
set -euo pipefail
RECUR=$1
DIR=$(mktemp -d)
trap 'rm -rf "$DIR"' EXIT
fail() { echo "FAIL: $*"; exit 1; }
{ head -600 "$RECUR_DATA/tinyshakespeare.txt" | grep . | sed 's/^/shakespeare\t/'
  head -900 "$RECUR_DATA/linux.txt" | grep '[a-z]' | sed 's/^/linux\t/'; } > "$DIR/all.tsv"
"$RECUR" classify train --data "$DIR/all.tsv" --out "$DIR/c.safetensors" --bidirectional --hidden 16 --embed 8 \
    --epochs 3 --lr 0.01 --threads 1 --json > "$DIR/res.json" 2> "$DIR/err"
acc=$(python3 -c "import json; print(json.load(open('$DIR/res.json'))['accuracy'])")
python3 -c "import sys; sys.exit(0 if float('$acc') > 0.85 else 1)" || fail "held-out accuracy $acc <= 0.85"
printf 'static int foo(struct device *dev)\nWhat say you, my lord? I pray thee speak.\n' > "$DIR/lines.txt"
"$RECUR" classify --model "$DIR/c.safetensors" "$DIR/lines.txt" > "$DIR/out.txt"
[ "$(cut -f1 "$DIR/out.txt" | tr '\n' ' ')" = "linux shakespeare " ] || fail "labels: $(cat "$DIR/out.txt")"
# Malformed rows.
bad() {  # bad CONTENT EXPECTED-MESSAGE
    printf "$1" > "$DIR/bad.tsv"
    if "$RECUR" classify train --data "$DIR/bad.tsv" --out "$DIR/x.safetensors" 2> "$DIR/err"; then fail "accepted: $1"; fi
    grep -qF "$2" "$DIR/err" || fail "message for '$1': $(cat "$DIR/err")"
}
bad 'a\tfine\nno tab here\n' "bad.tsv:2: no TAB between label and text"
bad 'a\tfine\n\nb\tok\n\tempty label\n' "bad.tsv:4: empty label"
bad 'a\tfine\nb\t\n' "bad.tsv:2: empty text"
bad 'two words\ttext\n' "bad.tsv:1: label 'two words' contains white space"
bad 'a\tok\nb\tbad \xff byte\n' "bad.tsv:2:"
# A language model is not a classifier.
if "$RECUR" classify --model "$DIR/c.safetensors" /dev/null; then :; else fail "empty input"; fi
echo "ok: held-out accuracy $acc"
