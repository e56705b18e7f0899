#!/bin/bash
# Faults in a data-parallel run of `recur train`:
#  - one rank of two killed with SIGKILL: the job ends with the launcher's
#    message naming it, the last checkpoint loads, and --resume continues from
#    it on one rank and on two (with --allreduce layers), which then train the
#    same model (to float rounding);
#  - one rank that cannot read its data, or cannot allocate its model, stops
#    every rank with a message instead of leaving them waiting.
# Usage: kill_resume.sh RECUR MPIEXEC [launcher flags...]
set -uo pipefail
RECUR=$1
MPIEXEC=$2
shift 2
LAUNCH=("$MPIEXEC" "$@")
DIR=$(mktemp -d)
trap 'rm -rf "$DIR"' EXIT
fail=0
check() { if eval "$2"; then echo "ok   $1"; else echo "FAIL $1"; fail=$((fail + 1)); fi; }

state_step() {
    python3 - "$1" <<'PY'
import json, struct, sys
with open(sys.argv[1], "rb") as f:
    n = struct.unpack("<Q", f.read(8))[0]
    h = json.loads(f.read(n))
print(json.loads(h["__metadata__"]["recur.train_state"])["step"])
PY
}
# The train_loss of each logged step, "step loss" per line.
losses() { python3 -c 'import json,sys
for l in open(sys.argv[1]):
    r = json.loads(l)
    if "train_loss" in r: print(r["step"], r["train_loss"])' "$1"; }

awk 'BEGIN { srand(5); for (i = 0; i < 3000; i++) { w = ""; n = 2 + int(rand() * 6);
     for (k = 0; k < n; k++) w = w sprintf("%c", 97 + int(rand() * 10)); printf "%s%s", w, (i % 9 == 8) ? "\n" : " " } }' \
    > "$DIR/text.txt"
M="$DIR/m.safetensors"
common=(--hidden 32 --layers 2 --batch 5 --seq 16 --dropout 0.2 --threads 1 --quiet --log-every 1)

# 1. Two ranks, saving every 10 steps; one rank is killed once a checkpoint exists.
"${LAUNCH[@]}" -n 2 "$RECUR" train --data "$DIR/text.txt" --out "$M" "${common[@]}" --save-every 10 --eval-every 0 \
    --steps 100000000 --log "$DIR/first.jsonl" > "$DIR/launch.out" 2> "$DIR/launch.err" &
launcher=$!
for _ in $(seq 600); do
    [ -f "$M.state" ] && [ "$(state_step "$M.state" 2>/dev/null || echo 0)" -ge 30 ] && break
    sleep 0.1
done
# The ranks themselves: Open MPI's launcher starts them as its children,
# MPICH's through a proxy process, so they are found by their command line.
rank_pids() { pgrep -f "^$RECUR train --data $DIR/text.txt --out $M "; }
ranks=$(rank_pids | tr '\n' ' ')
victim=$(rank_pids | tail -1)
check "two ranks running (pids $ranks)" '[ "$(echo $ranks | wc -w)" -ge 2 ]'
kill -KILL "$victim" 2>/dev/null
timeout 60 tail --pid="$launcher" -f /dev/null
wait "$launcher"
status=$?
check "the job ends with an error status ($status) when a rank is killed" '[ "$status" -ne 0 ]'
# Open MPI names the signal. MPICH names the first rank it saw end: usually
# the killed one ("Killed (signal 9)"), but the survivor can abort inside its
# all-reduce first, and then only "BAD TERMINATION" is certain to be printed.
check "the launcher says a rank ended badly" \
    'grep -qiE "signal 9|killed|bad termination" "$DIR/launch.err" "$DIR/launch.out"'
saved=$(state_step "$M.state")
check "the last checkpoint loads (step $saved)" '[ "$saved" -ge 30 ] && "$RECUR" info --model "$M.state" > /dev/null'
find "$DIR" -name 'm.safetensors*.tmp.*' -delete

# 2. Resume from it on one rank and on two (the two summing the gradient
# layer by layer): both start at the next step and agree.
cp "$M" "$DIR/two.safetensors"; cp "$M.state" "$DIR/two.safetensors.state"
target=$((saved + 30))
"$RECUR" train --resume --out "$M" --steps "$target" --log "$DIR/one.jsonl" --quiet 2> "$DIR/one.err"
check "resumed alone" '[ $? -eq 0 ]'
"${LAUNCH[@]}" -n 2 "$RECUR" train --resume --out "$DIR/two.safetensors" --steps "$target" --log "$DIR/two.jsonl" \
    --allreduce layers --quiet 2> "$DIR/two.err"
check "resumed on two ranks" '[ $? -eq 0 ]'
first_one=$(losses "$DIR/one.jsonl" | sed -n 1p | cut -d' ' -f1)
first_two=$(losses "$DIR/two.jsonl" | sed -n 1p | cut -d' ' -f1)
check "both continue from step $saved ($first_one, $first_two)" \
    '[ "$first_one" = $((saved + 1)) ] && [ "$first_two" = $((saved + 1)) ]'
check "one rank and two ranks give the same losses after the resume" "python3 - '$DIR/one.jsonl' '$DIR/two.jsonl' <<'PY'
import json, sys
def load(p): return {r['step']: r['train_loss'] for r in map(json.loads, open(p)) if 'train_loss' in r}
a, b = load(sys.argv[1]), load(sys.argv[2])
assert a.keys() == b.keys() and len(a) == 30, (len(a), len(b))
worst = max(abs(a[k] - b[k]) / abs(a[k]) for k in a)
print('worst relative difference', worst)
sys.exit(0 if worst < 1e-5 else 1)
PY"
check "one writer: rank 0's log only" '[ "$(grep -c train_loss "$DIR/two.jsonl")" -eq 30 ]'

# 3. A rank that cannot read its data stops both, with a message on each.
cat > "$DIR/bad_rank.sh" <<SH
#!/bin/bash
rank=\${OMPI_COMM_WORLD_RANK:-\${PMI_RANK:-0}}
data="$DIR/text.txt"
[ "\$rank" = 1 ] && data="$DIR/missing.txt"
exec "$RECUR" train --data "\$data" --out "$DIR/bad.safetensors" ${common[*]} --steps 5
SH
chmod +x "$DIR/bad_rank.sh"
timeout 120 "${LAUNCH[@]}" -n 2 "$DIR/bad_rank.sh" > "$DIR/bad.out" 2> "$DIR/bad.err"
status=$?
check "an unreadable file on one rank ends the job ($status, not a hang)" '[ "$status" -ne 0 ] && [ "$status" -ne 124 ]'
check "the failing rank names the file" 'grep -q "missing.txt" "$DIR/bad.err"'
check "the other rank says why it stops" 'grep -q "stopping: rank 1" "$DIR/bad.err"'
check "no model written" '[ ! -e "$DIR/bad.safetensors" ]'

# 4. A rank that cannot allocate its model (a 300 MB address-space limit on
# rank 1; not under AddressSanitizer, whose shadow memory needs more).
if [ -n "${RECUR_SANITIZED:-}" ]; then
    echo "skip allocation failure (sanitizer build)"
    exit $((fail > 0))
fi
cat > "$DIR/small_rank.sh" <<SH
#!/bin/bash
rank=\${OMPI_COMM_WORLD_RANK:-\${PMI_RANK:-0}}
[ "\$rank" = 1 ] && ulimit -v 300000
exec "$RECUR" train --data "$DIR/text.txt" --out "$DIR/big.safetensors" --hidden 3000 --layers 2 --batch 2 --seq 4 \
    --threads 1 --quiet --steps 1
SH
chmod +x "$DIR/small_rank.sh"
timeout 120 "${LAUNCH[@]}" -n 2 "$DIR/small_rank.sh" > "$DIR/big.out" 2> "$DIR/big.err"
status=$?
check "an allocation failure on one rank ends the job ($status, not a hang)" '[ "$status" -ne 0 ] && [ "$status" -ne 124 ]'
check "the failing rank says what it could not allocate" 'grep -qi "memory" "$DIR/big.err"'
check "the other rank says why it stops" 'grep -q "stopping: rank 1" "$DIR/big.err"'
if [ "$fail" -ne 0 ]; then
    for f in "$DIR"/*.err "$DIR/launch.out"; do echo "== $f"; tail -20 "$f"; done
fi
exit $((fail > 0))
