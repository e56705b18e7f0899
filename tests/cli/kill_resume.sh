#!/bin/bash
# Crash safety: `recur train` killed with SIGKILL at random moments (many of
# them inside a checkpoint write, since a tiny model saves every step) always
# leaves a model and a training state that load, whose step never goes back,
# and from which --resume continues. SIGINT and SIGTERM save and exit with
# status 0, the state holding the last step done.
#   KILL_TRIALS=N changes the number of kills (default 30).
set -uo pipefail
. "$(dirname "$0")/../lib/checks.sh" "$1"
trials=${KILL_TRIALS:-30}

# The training step a state file holds (its header is JSON).
state_step() {
    python3 - "$1" <<'PY'
import json, struct, sys
with open(sys.argv[1], "rb") as f:
    n = struct.unpack("<Q", f.read(8))[0]
    h = json.loads(f.read(n))
print(json.loads(h["__metadata__"]["recur.train_state"])["step"])
PY
}

# A small generated text: no data files needed.
awk 'BEGIN { srand(3); for (i = 0; i < 800; i++) { w = ""; n = 2 + int(rand() * 6);
     for (k = 0; k < n; k++) w = w sprintf("%c", 97 + int(rand() * 8)); printf "%s%s", w, (i % 9 == 8) ? "\n" : " " } }' \
    > "$DIR/text.txt"
M="$DIR/m.safetensors"
train_fresh=(train --data "$DIR/text.txt" --out "$M" --hidden 16 --layers 1 --batch 4 --seq 16 --save-every 1
             --eval-every 7 --steps 100000000 --quiet --threads 1)
start_training() {
    if [ -f "$M.state" ]; then "$RECUR" train --resume --out "$M" --quiet 2>> "$DIR/err.log" &
    else "$RECUR" "${train_fresh[@]}" 2>> "$DIR/err.log" & fi
    pid=$!
}

survived=0
before_first=0
mid_write=0
last_step=0
for ((trial = 1; trial <= trials; trial++)); do
    start_training
    # 50 to 450 ms: from before the first save to many saves in.
    sleep "0.$((RANDOM % 40 + 5))"
    kill -KILL "$pid" 2>/dev/null
    wait "$pid" 2>/dev/null
    # Temporary files left by the kill show it came during a write.
    tmp=$(find "$DIR" -name 'm.safetensors*.tmp.*' | wc -l)
    if [ "$tmp" -gt 0 ]; then
        mid_write=$((mid_write + 1))
        find "$DIR" -name 'm.safetensors*.tmp.*' -delete
    fi
    if [ ! -f "$M.state" ]; then
        before_first=$((before_first + 1))
        continue
    fi
    ok=1
    "$RECUR" info --model "$M" > /dev/null 2>> "$DIR/err.log" || ok=0
    "$RECUR" info --model "$M.state" > /dev/null 2>> "$DIR/err.log" || ok=0
    step=$(state_step "$M.state") || { ok=0; step=-1; }
    [ "$step" -ge "$last_step" ] || ok=0
    if [ $ok -eq 1 ]; then survived=$((survived + 1)); else echo "trial $trial: broken (step $step after $last_step)"; fi
    last_step=$step
done
echo "kill trials: $survived of $trials left files that load, $before_first came before the first save;" \
     "$mid_write kills inside a write; step reached $last_step"
check "every kill after the first save left loadable files" "[ $((survived + before_first)) -eq $trials ]"
check "most kills came after the first save" "[ $survived -ge $((trials / 2)) ]"
check "training advanced across the kills" "[ $last_step -gt 0 ]"

# --resume continues from the last state and finishes cleanly.
target=$((last_step + 5))
"$RECUR" train --resume --out "$M" --steps "$target" --quiet 2>> "$DIR/err.log"
rc=$?
check "resume after the kills exits 0" "[ $rc -eq 0 ]"
check "resumed run reached step $target" "[ \"\$(state_step \"$M.state\")\" = $target ]"
check "no error messages from the runs" "! grep -v '^$' \"$DIR/err.log\" | grep -q ."

# SIGINT and SIGTERM: save and exit 0 with the state at the last step done.
for sig in INT TERM; do
    rm -f "$DIR"/s.safetensors* "$DIR/s.jsonl"
    "$RECUR" train --data "$DIR/text.txt" --out "$DIR/s.safetensors" --hidden 16 --layers 1 --batch 4 --seq 16 \
        --save-every 0 --eval-every 0 --steps 100000000 --threads 1 --log "$DIR/s.jsonl" --log-every 1 \
        2> "$DIR/s.err" &
    pid=$!
    # Wait for a few steps, then signal.
    for _ in $(seq 100); do [ -s "$DIR/s.jsonl" ] && [ "$(wc -l < "$DIR/s.jsonl")" -ge 3 ] && break; sleep 0.05; done
    kill -"$sig" "$pid"
    wait "$pid"
    rc=$?
    logged=$(grep -c '"train_loss"' "$DIR/s.jsonl")
    saved=$(state_step "$DIR/s.safetensors.state" 2>/dev/null || echo none)
    check "SIG$sig: exit status $rc is 0" "[ $rc -eq 0 ]"
    check "SIG$sig: says it is saving" "grep -q 'interrupted: saving' \"$DIR/s.err\""
    check "SIG$sig: state holds step $saved = last logged step $logged" "[ \"$saved\" = \"$logged\" ]"
    check "SIG$sig: model loads" "\"$RECUR\" info --model \"$DIR/s.safetensors\" > /dev/null"
done
[ $fail -eq 0 ]
