#!/bin/bash
# Regularisers of a training run from the command line: data noising
# (--noise-unigram, --noise-blank) trains, is kept by --resume, and a blank
# without a blank token (a character vocabulary) is refused with the reason.
set -uo pipefail
RECUR=$(cd "$(dirname "$1")" && pwd)/$(basename "$1")
DIR=$(mktemp -d)
trap 'rm -rf "$DIR"' EXIT
cd "$DIR"
fail=0
check() { if eval "$2"; then echo "ok   $1"; else echo "FAIL $1"; fail=$((fail + 1)); fi; }

head -c 20000 "$RECUR_DATA/tinyshakespeare.txt" > text.txt
head -n 400 "$RECUR_DATA/ptb/ptb.train.txt" > words.txt
small=(--hidden 16 --layers 1 --batch 4 --seq 16 --threads 1 --eval-every 0 --save-every 0 --no-test --quiet)

"$RECUR" train --data text.txt --out u.safetensors "${small[@]}" --steps 20 --noise-unigram 0.2
check "--noise-unigram 0.2 trains a character model" "[ -s u.safetensors ]"
state_noise() {
    python3 - "$1" <<'PY'
import json, struct, sys
with open(sys.argv[1], "rb") as f:
    n = struct.unpack("<Q", f.read(8))[0]
    h = json.loads(f.read(n))
s = json.loads(h["__metadata__"]["recur.train_state"])
print(s["step"], round(s["train"]["noise_unigram"], 6))
PY
}
check "the state records the noising: $(state_noise u.safetensors.state)" "[ \"\$(state_noise u.safetensors.state)\" = '20 0.2' ]"
"$RECUR" train --resume --out u.safetensors --steps 25 --quiet
check "--resume keeps it: $(state_noise u.safetensors.state)" "[ \"\$(state_noise u.safetensors.state)\" = '25 0.2' ]"

"$RECUR" train --data text.txt --out b.safetensors "${small[@]}" --steps 5 --noise-blank 0.1 2> b.err
rc=$?
check "--noise-blank on characters is refused (exit $rc): $(head -1 b.err)" "[ $rc -ne 0 ] && grep -q 'no <unk>' b.err"

"$RECUR" train --data words.txt --level word --out w.safetensors "${small[@]}" --steps 10 --noise-blank 0.1 \
    --noise-unigram 0.1
check "--noise-blank and --noise-unigram train a word model" "[ -s w.safetensors ]"

"$RECUR" train --data text.txt --out x.safetensors "${small[@]}" --steps 5 --noise-unigram 0.7 --noise-blank 0.4 \
    2> x.err
check "probabilities summing past 1 are refused: $(head -1 x.err)" "grep -q 'sum <= 1' x.err"

[ $fail -eq 0 ] && echo "all passed" || { echo "$fail failed"; exit 1; }
