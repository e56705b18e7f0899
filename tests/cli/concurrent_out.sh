#!/bin/bash
# Two `recur train` runs writing the same --out at the same time, saving every
# step: each of MODEL and MODEL.state ends up byte for byte the file one of
# the runs wrote alone (the later rename wins), never a mix of both, and no
# temporary file is left. Training is deterministic, so each run's files are
# first made alone in a folder of their own, under the same relative names.
# Both pass --force: without it the later of two runs refuses to replace the
# other's files.
set -uo pipefail
. "$(dirname "$0")/../lib/checks.sh" "$1"

awk 'BEGIN { srand(7); for (i = 0; i < 6000; i++) printf "%c%s", 97 + int(rand() * 16), (i % 50 == 49) ? "\n" : "" }' \
    > "$DIR/text.txt"
run_a=(train --data ../text.txt --out out.safetensors --hidden 24 --layers 1 --batch 4 --seq 16 --steps 40
       --save-every 1 --eval-every 10 --seed 1 --quiet --threads 1 --force)
run_b=(train --data ../text.txt --out out.safetensors --hidden 32 --layers 1 --batch 4 --seq 16 --steps 40
       --save-every 1 --eval-every 10 --seed 2 --quiet --threads 1 --force)
mkdir "$DIR/a" "$DIR/b"
(cd "$DIR/a" && "$RECUR" "${run_a[@]}") || { echo "FAIL run a alone"; exit 1; }
(cd "$DIR/b" && "$RECUR" "${run_b[@]}") || { echo "FAIL run b alone"; exit 1; }
check "the two runs write different files" "! cmp -s \"$DIR/a/out.safetensors\" \"$DIR/b/out.safetensors\""

same_as_one() { cmp -s "$1" "$DIR/a/$2" || cmp -s "$1" "$DIR/b/$2"; }
for round in 1 2 3; do
    rm -rf "$DIR/s"
    mkdir "$DIR/s"
    (cd "$DIR/s" && "$RECUR" "${run_a[@]}") 2> "$DIR/err_a" &
    pa=$!
    (cd "$DIR/s" && "$RECUR" "${run_b[@]}") 2> "$DIR/err_b" &
    pb=$!
    wait $pa
    ra=$?
    wait $pb
    rb=$?
    check "round $round: both runs exit 0 ($ra, $rb)" "[ $ra -eq 0 ] && [ $rb -eq 0 ]"
    check "round $round: model is one run's file" "same_as_one \"$DIR/s/out.safetensors\" out.safetensors"
    check "round $round: state is one run's file" "same_as_one \"$DIR/s/out.safetensors.state\" out.safetensors.state"
    check "round $round: no temporary file left" "[ -z \"\$(ls \"$DIR/s\" | grep '\.tmp\.')\" ]"
done
[ $fail -eq 0 ]
