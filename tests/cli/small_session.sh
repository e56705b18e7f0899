#!/bin/bash
# A whole small session through every command that reads or writes files:
# train (validation, log, periodic saves), resume, sample, eval, info, and
# word2vec train / similar / analogy / similarity in both vector formats. Small
# enough to run under valgrind (scripts/valgrind-cli.sh); here it checks that
# every step succeeds and writes what it should.
set -uo pipefail
. "$(dirname "$0")/../lib/checks.sh" "$1"

awk 'BEGIN { srand(11); split("the cat dog sat on mat log saw a big red small", w, " ");
     for (i = 0; i < 400; i++) printf "%s%s", w[1 + int(rand() * 12)], (i % 8 == 7) ? "\n" : " " }' > "$DIR/text.txt"
M="$DIR/m.safetensors"
"$RECUR" train --data "$DIR/text.txt" --out "$M" --hidden 8 --layers 2 --cell gru --batch 2 --seq 8 --steps 6 \
    --save-every 3 --eval-every 3 --log "$DIR/log.jsonl" --threads 1 2> "$DIR/train.err"
check "train exits 0" "[ $? -eq 0 ]"
check "train wrote the model, the state and the log" "[ -s \"$M\" ] && [ -s \"$M.state\" ] && [ -s \"$DIR/log.jsonl\" ]"
"$RECUR" train --resume --out "$M" --steps 9 --quiet
check "resume exits 0" "[ $? -eq 0 ]"
out=$("$RECUR" sample --model "$M" --length 40 --seed 3 --prime "the ")
check "sample prints the prime and more" "[ \${#out} -gt 4 ] && [ \"\${out:0:4}\" = 'the ' ]"
"$RECUR" eval --model "$M" --json "$DIR/text.txt" > "$DIR/eval.json"
check "eval prints a loss" "grep -q '\"loss\"' \"$DIR/eval.json\""
"$RECUR" info --model "$M.state" --json > "$DIR/info.json"
check "info reads the state as a model" "grep -q '\"cell\":\"gru\"' \"$DIR/info.json\""
"$RECUR" train --data "$DIR/text.txt" --out "$DIR/w.safetensors" --level word --hidden 4 --layers 1 --batch 2 \
    --seq 4 --steps 2 --val-fraction 0.1 --quiet --threads 1
check "word-level train exits 0" "[ $? -eq 0 ]"

for bin in 0 1; do
    V="$DIR/v$bin.vec"
    "$RECUR" w2v train --train "$DIR/text.txt" --output "$V" --size 8 --min-count 1 --iter 1 --window 2 \
        --negative 2 --threads 1 --binary $bin > /dev/null 2>&1
    check "w2v train (binary $bin) exits 0" "[ $? -eq 0 ] && [ -s \"$V\" ]"
    "$RECUR" w2v similar --vectors "$V" cat > "$DIR/sim.txt"
    check "w2v similar (binary $bin) lists neighbours" "[ -s \"$DIR/sim.txt\" ]"
done
printf ': test\ncat dog mat log\nthe a big small\n' > "$DIR/q.txt"
"$RECUR" w2v analogy --vectors "$DIR/v0.vec" --questions "$DIR/q.txt" > /dev/null
check "w2v analogy exits 0" "[ $? -eq 0 ]"
printf 'cat\tdog\t8\nmat\tlog\t3\nbig\tsmall\t2\n' > "$DIR/s.tsv"
"$RECUR" w2v similarity --vectors "$DIR/v1.vec" --wordsim "$DIR/s.tsv" --simlex "$DIR/s.tsv" > /dev/null
check "w2v similarity exits 0" "[ $? -eq 0 ]"
[ $fail -eq 0 ]
