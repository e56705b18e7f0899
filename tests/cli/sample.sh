#!/bin/bash
# recur sample's controls end to end: --count's samples equal single runs
# with seed + i, --stop ends a sample before the stop (which is not
# printed), --length is a maximum, beam search is reproducible, the chain's
# flags change the text and stay seeded, word models print words joined by
# single spaces after the prime, and --help documents every flag.
set -euo pipefail
. "$(dirname "$0")/../lib/checks.sh" "$1"
head -c 30000 "$RECUR_DATA/tinyshakespeare.txt" > "$DIR/text.txt"

"$RECUR" train --data "$DIR/text.txt" --out "$DIR/c.safetensors" --hidden 32 --batch 8 --seq 32 --steps 30 \
    --eval-every 0 --quiet --threads 1
M="$DIR/c.safetensors"

# 1. --count N: sample i is the single run with seed + i.
"$RECUR" sample --model "$M" --count 3 --seed 7 --length 80 --prime "The " > "$DIR/many.txt"
python3 - "$DIR/many.txt" "$DIR" <<'PY'
import re, sys
text = open(sys.argv[1], encoding="utf-8").read()
parts = re.split(r"(?:^|\n)--- sample (\d) of 3 \(seed (\d+)\) ---\n", text)
assert parts[0] == "", parts[0]
for k in range(3):
    idx, seed, body = parts[1 + 3 * k: 4 + 3 * k]
    assert int(idx) == k + 1 and int(seed) == 7 + k, (idx, seed)
    open(f"{sys.argv[2]}/part{k}.txt", "w", encoding="utf-8").write(body)
PY
for k in 0 1 2; do
    "$RECUR" sample --model "$M" --seed $((7 + k)) --length 80 --prime "The " > "$DIR/one$k.txt"
    check "--count 3: sample $((k + 1)) equals the single run with seed $((7 + k))" "cmp -s '$DIR/part$k.txt' '$DIR/one$k.txt'"
done
check "--count 3: the samples differ" "! cmp -s '$DIR/part0.txt' '$DIR/part1.txt'"

# 2. --length is a maximum; --stop cuts before the stop.
full=$("$RECUR" sample --model "$M" --seed 3 --length 400)
check "--length 400 gives 400 characters" "[ \$(printf '%s' \"\$full\" | python3 -c 'import sys; print(len(sys.stdin.read()))') -eq 400 ]"
stop=$(python3 -c "import sys; t=sys.argv[1]; i=t.find('e ', 10); print(t[i:i+2] if i>0 else 'e ')" "$full")
cut=$("$RECUR" sample --model "$M" --seed 3 --length 400 --stop "$stop" --stop "zzzq")
want=$(python3 -c "import sys; t=sys.argv[1]; print(t[:t.find(sys.argv[2])])" "$full" "$stop")
check "--stop '$stop' prints the text before it" '[ "$cut" = "$want" ]'
check "--stop: the stop is not printed" '[[ "$cut" != *"$stop"* ]]'
nl=$("$RECUR" sample --model "$M" --seed 3 --length 400 --stop '\n')
want_nl=$(python3 -c "import sys; t=sys.argv[1]; print(t[:t.find(chr(10))])" "$full")
check "--stop '\\n' ends at the first new line" '[ "$nl" = "$want_nl" ]'

# 3. Beam search: reproducible, --beam alone means beam, the same length.
b1=$("$RECUR" sample --model "$M" --mode beam --beam 3 --length 60 --prime "The ")
b2=$("$RECUR" sample --model "$M" --beam 3 --length 60 --prime "The ")
check "beam search is reproducible, and --beam alone means --mode beam" '[ "$b1" = "$b2" ]'
check "beam search gives the prime and 60 characters" '[ ${#b1} -eq 64 ] && [ "${b1:0:4}" = "The " ]'

# 4. The chain: each control changes the text, and is seeded.
base=$("$RECUR" sample --model "$M" --seed 5 --length 200)
for flags in "--top-p 0.5" "--min-p 0.2" "--repeat-penalty 1.5" "--presence-penalty 1" "--frequency-penalty 0.5 --repeat-last-n 8" "--top-k 3 --top-p 0.9 --temperature 0.7"; do
    a=$("$RECUR" sample --model "$M" --seed 5 --length 200 $flags)
    b=$("$RECUR" sample --model "$M" --seed 5 --length 200 $flags)
    check "$flags: seeded, and not the default text" '[ "$a" = "$b" ] && [ "$a" != "$base" ]'
done
arg=$("$RECUR" sample --model "$M" --mode argmax --length 100)
arg2=$("$RECUR" sample --model "$M" --mode 0 --length 100 --seed 99)
check "argmax ignores the seed" '[ "$arg" = "$arg2" ]'

# 5. Words: joined by single spaces after the prime, <eos> as new lines.
python3 - "$DIR/text.txt" "$DIR/words.txt" <<'PY'
import sys
t = open(sys.argv[1], encoding="utf-8").read().lower()
open(sys.argv[2], "w", encoding="utf-8").write(t.replace(",", " ").replace(".", " ").replace(":", " "))
PY
"$RECUR" train --data "$DIR/words.txt" --level word --out "$DIR/w.safetensors" --hidden 16 --batch 4 --seq 16 \
    --steps 10 --eval-every 0 --quiet --threads 1
w=$("$RECUR" sample --model "$DIR/w.safetensors" --prime "you are all" --length 30 --seed 2)
check "word sample starts with the prime and a separator: '${w:0:30}'" '[[ "$w" == "you are all "* ]] || [[ "$w" == "you are all"$'"'"'\n'"'"'* ]]'
check "word sample: no double spaces, no <eos>" '[[ "$w" != *"  "* ]] && [[ "$w" != *"<eos>"* ]]'

# 6. --help names every control, in the chain's order.
help=$("$RECUR" sample --help)
for f in --top-p --min-p --repeat-penalty --repeat-last-n --presence-penalty --frequency-penalty --stop --length --mode --beam --count; do
    check "--help documents $f" '[[ "$help" == *"$f"* ]]'
done
check "--help gives the chain's order" '[[ "$help" == *"1. --repeat-penalty"*"3. --top-k, 4. --top-p, 5. --min-p"*"6. --temperature"* ]]'

[ $fail -eq 0 ] || { echo "$fail failed"; exit 1; }
echo "all passed"
