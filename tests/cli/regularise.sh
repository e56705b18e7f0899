#!/bin/bash
# Regularisers of a training run from the command line: data noising
# (--noise-unigram, --noise-blank) trains, is kept by --resume, and a blank
# without a blank token (a character vocabulary) is refused with the reason;
# --norm batch|layer trains, resumes, evaluates at batch 1 and batched,
# shows in recur info, measures in gradflow and trains a bidirectional
# tagger; recur sample generates from a --norm model in every weight format
# and mode, --count's samples equal single runs (streams stepped together
# against batch 1, past batch norm's 16 trained steps), reproducibly.
set -uo pipefail
. "$(dirname "$0")/../lib/checks.sh" "$1"
cd "$DIR"

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

for norm in batch layer; do
    "$RECUR" train --data text.txt --out n-$norm.safetensors "${small[@]}" --steps 20 --norm $norm
    "$RECUR" train --resume --out n-$norm.safetensors --steps 25 --quiet
    check "--norm $norm trains and resumes: $(state_noise n-$norm.safetensors.state)" \
        "[ \"\$(state_noise n-$norm.safetensors.state)\" = '25 0' ]"
    one=$("$RECUR" eval --model n-$norm.safetensors --json text.txt | python3 -c "import json,sys; print(json.load(sys.stdin)['loss'])")
    many=$("$RECUR" eval --model n-$norm.safetensors --batch 8 --json text.txt | python3 -c "import json,sys; print(json.load(sys.stdin)['loss'])")
    check "--norm $norm evaluates at batch 1 ($one) and batched ($many) alike" \
        "python3 -c 'import sys; sys.exit(0 if abs($one - $many) < 0.01 else 1)'"
    check "recur info shows --norm $norm" "\"$RECUR\" info --model n-$norm.safetensors | grep -q '^norm *$norm'"
    "$RECUR" sample --model n-$norm.safetensors --length 60 --seed 4 --count 2 --prime "The " > many.txt
    for k in 0 1; do
        "$RECUR" sample --model n-$norm.safetensors --length 60 --seed $((4 + k)) --prime "The " > one$k.txt
    done
    python3 - many.txt <<'PY' > split.txt
import re, sys
parts = re.split(r"(?:^|\n)--- sample (\d) of 2 \(seed (\d+)\) ---\n", open(sys.argv[1], encoding="utf-8").read())
for k in range(2):
    open("part%d.txt" % k, "w", encoding="utf-8").write(parts[3 + 3 * k])
print(len(parts))
PY
    check "--norm $norm: recur sample --count 2 gives the single runs with seeds 4 and 5" \
        "cmp -s part0.txt one0.txt && cmp -s part1.txt one1.txt && ! cmp -s one0.txt one1.txt"
    # the prime, then the sample, then the line's end
    chars() { python3 -c 'import sys; print(len(open(sys.argv[1], encoding="utf-8").read()) - 1)' "$1"; }
    check "--norm $norm: the prime and 60 characters sampled ($(chars one0.txt))" "[ \$(chars one0.txt) -eq 64 ]"
    for w in f16 i8; do
        "$RECUR" sample --model n-$norm.safetensors --length 60 --seed 4 --weights $w > w1.txt 2> s.err
        "$RECUR" sample --model n-$norm.safetensors --length 60 --seed 4 --weights $w > w2.txt
        check "--norm $norm --weights $w samples 60 characters, the same twice" "[ \$(chars w1.txt) -eq 60 ] && cmp -s w1.txt w2.txt"
    done
    "$RECUR" sample --model n-$norm.safetensors --length 30 --mode beam --beam 3 > b1.txt 2> s.err
    "$RECUR" sample --model n-$norm.safetensors --length 30 --mode beam --beam 3 > b2.txt
    check "--norm $norm --mode beam gives one text, the same twice" "[ -s b1.txt ] && cmp -s b1.txt b2.txt"
    "$RECUR" gradflow --data text.txt --model n-$norm.safetensors --lag 8 --positions 4 --csv g.csv > /dev/null 2>&1
    check "gradflow measures a --norm $norm model" "grep -q '^n-$norm.safetensors,lstm,checkpoint,1,8,' g.csv"
done
"$RECUR" train --data text.txt --out bad.safetensors "${small[@]}" --steps 5 --norm layer --peephole 2> p.err
check "--norm with --peephole is refused: $(head -1 p.err)" "grep -q 'peephole' p.err"
B=$RECUR_DATA/brown
"$RECUR" tag train --out tag.safetensors --bidirectional --norm layer --hidden 8 --embed 8 --epochs 1 --threads 1 \
    --holdout-every 2 --json "$B/ca01" "$B/ca02" > tag.json 2> tag.err
check "a bidirectional tagger trains with --norm layer" "grep -q accuracy tag.json && \"$RECUR\" info --model tag.safetensors | grep -q '^norm *layer'"

[ $fail -eq 0 ] && echo "all passed" || { echo "$fail failed"; exit 1; }
