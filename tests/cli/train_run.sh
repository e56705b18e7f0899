#!/bin/bash
# The training run's habits: Ctrl-C on a wide model saves and exits at once
# and the run resumes; a second signal ends it at once; progress lines at a
# steady interval when stderr is not a terminal; validation batched by
# default and its kind printed; --resume at the target says so; --out of
# another run refused without --force; --data-dir; the plateau schedule;
# --checkpoint-dir with --keep; --help lists --task with placeholders;
# recur info shows the run a model records.
set -uo pipefail
. "$(dirname "$0")/../lib/checks.sh" "$1"
cd "$DIR"
state_step() {
    python3 - "$1" <<'PY'
import json, struct, sys
with open(sys.argv[1], "rb") as f:
    n = struct.unpack("<Q", f.read(8))[0]
    h = json.loads(f.read(n))
print(json.loads(h["__metadata__"]["recur.train_state"])["step"])
PY
}
now() { date +%s.%N; }
elapsed_below() { python3 -c "import sys; sys.exit(0 if $2 - $1 < $3 else 1)"; }
# The slowest step a log records (seconds between consecutive lines at
# --log-every 1): on a loaded machine the time limits below grow to it, so
# that they still tell "within a step" from "after several".
slowest_step() {
    python3 - "$1" <<'PY'
import json, sys
t = [json.loads(l)["elapsed_s"] for l in open(sys.argv[1]) if '"train_loss"' in l]
print(round(max([b - a for a, b in zip(t, t[1:])] or [0]), 2))
PY
}
limit() { python3 -c "print(round(max(3.0, $1), 2))"; }

head -c 40000 "$RECUR_DATA/tinyshakespeare.txt" > text.txt
small=(--hidden 16 --layers 1 --batch 4 --seq 16 --threads 1)

# 1. SIGINT during a training of a 2 x 1024 LSTM (a step takes a third of a
#    second here, its files 270 MB):
#    the files are written and the process is gone within a few seconds; the
#    state resumes.
"$RECUR" train --data text.txt --out wide.safetensors --hidden 1024 --batch 8 --seq 32 --save-every 0 --eval-every 0 \
    --steps 100000 --threads 1 --log wide.jsonl --log-every 1 2> wide.err &
pid=$!
for _ in $(seq 900); do [ "$(wc -l 2>/dev/null < wide.jsonl)" -ge 2 ] 2>/dev/null && break; sleep 0.1; done
t0=$(now)
kill -INT $pid
wait $pid
rc=$?
t1=$(now)
check "SIGINT on --hidden 1024: exit 0 ($rc)" "[ $rc -eq 0 ]"
check "SIGINT: model and state written" "[ -s wide.safetensors ] && [ -s wide.safetensors.state ]"
check "SIGINT: no validation pass before saving" "! grep -q 'val loss' wide.err"
saved=$(state_step wide.safetensors.state)
r0=$(now)
"$RECUR" train --resume --out wide.safetensors --steps $((saved + 1)) --quiet
r1=$(now)
check "SIGINT: the state resumes (step $saved, then $((saved + 1)))" "[ \"\$(state_step wide.safetensors.state)\" = $((saved + 1)) ]"
# Saving the 270 MB of model and state is most of the time after the signal
# (about 1.6 s on a quiet disk, more while other tests write): the limit is a
# step plus what the one-step resume above took to load, step and save.
lim=$(limit "$(slowest_step wide.jsonl) + $r1 - $r0")
check "SIGINT on --hidden 1024: gone within $lim s ($(python3 -c "print(round($t1 - $t0, 2))") s)" "elapsed_below $t0 $t1 $lim"

# recur eval of a long text at batch 1 through the wide model reports its
# progress on stderr after a few seconds (stopped here once it has, or
# after 60 on a very busy machine).
cp wide.safetensors w1.safetensors
"$RECUR" eval --model w1.safetensors --threads 1 text.txt > /dev/null 2> eval.err &
pid=$!
for _ in $(seq 600); do grep -q '^evaluating' eval.err && break; sleep 0.1; done
kill $pid 2>/dev/null
wait $pid 2>/dev/null
check "recur eval shows its progress on stderr: $(head -1 eval.err)" "grep -q '^evaluating: [0-9]*% of 39999 predictions, ETA' eval.err"

# 2. A second signal ends the run at once (exit 130), even mid-step.
rm -f wide.safetensors*
"$RECUR" train --data text.txt --out wide.safetensors --hidden 1024 --batch 8 --seq 32 --save-every 0 --eval-every 0 \
    --steps 100000 --threads 1 --log wide2.jsonl --log-every 1 2> wide2.err &
pid=$!
for _ in $(seq 900); do [ "$(wc -l 2>/dev/null < wide2.jsonl)" -ge 2 ] 2>/dev/null && break; sleep 0.1; done
kill -INT $pid
sleep 0.3
kill -INT $pid
t0=$(now)
wait $pid
rc=$?
t1=$(now)
lim=$(limit "$(slowest_step wide2.jsonl)")
check "second SIGINT: exit 130 or 0 after a write finished ($rc)" "[ $rc -eq 130 ] || [ $rc -eq 0 ]"
check "second SIGINT: gone within $lim s ($(python3 -c "print(round($t1 - $t0, 2))") s)" "elapsed_below $t0 $t1 $lim"
check "second SIGINT: no temporary file left" "[ -z \"\$(ls | grep '\\.tmp\\.')\" ]"

# 3. Not a terminal: a progress line every --progress-every seconds.
"$RECUR" train --data text.txt --out p.safetensors "${small[@]}" --minutes 0.07 --progress-every 1 --eval-every 0 \
    --val-fraction 0 2> p.err
lines=$(grep -c "tok/s" p.err)
check "non-terminal progress: $lines lines in about 4 s at 1 s intervals" "[ $lines -ge 3 ]"

# 4. Validation is batched by default and says so; --eval-batch 1 says batch 1.
"$RECUR" train --data text.txt --out v.safetensors "${small[@]}" --steps 20 --eval-every 10 2> v.err
check "default validation is batched: $(grep -m1 'val loss' v.err)" "grep -q 'val loss .*batched, 4 streams x 16 steps' v.err"
"$RECUR" train --data text.txt --out v1.safetensors "${small[@]}" --steps 10 --eval-every 10 --eval-batch 1 2> v1.err
check "--eval-batch 1 says batch 1" "grep -q 'val loss .*batch 1' v1.err"

# 5. --resume at the target: says so, exits 0, writes nothing.
before=$(stat -c %Y v.safetensors.state)
"$RECUR" train --resume --out v.safetensors 2> done.err
rc=$?
check "resume at the target exits 0 ($rc) and says so" "[ $rc -eq 0 ] && grep -q 'nothing to do: v.safetensors is at step 20' done.err"
check "resume at the target writes nothing" "[ \"\$(stat -c %Y v.safetensors.state)\" = $before ]"

# 6. --out of another run: refused, --force replaces.
"$RECUR" train --data text.txt --out v.safetensors "${small[@]}" --steps 2 2> refuse.err
rc=$?
check "another run's --out refused ($rc)" "[ $rc -eq 1 ] && grep -q -- '--resume, or replace it with --force' refuse.err"
check "refused: the files are untouched" "[ \"\$(state_step v.safetensors.state)\" = 20 ]"
"$RECUR" train --data text.txt --out v.safetensors "${small[@]}" --steps 2 --force --quiet
check "--force replaces them" "[ \"\$(state_step v.safetensors.state)\" = 2 ]"

# 7. --data-dir: train.txt, valid.txt, test.txt.
mkdir corpus
head -c 30000 text.txt > corpus/train.txt
tail -c 5000 text.txt > corpus/valid.txt
tail -c 3000 text.txt > corpus/test.txt
"$RECUR" train --data-dir corpus --out d.safetensors "${small[@]}" --steps 10 --log d.jsonl 2> d.err > d.out
check "--data-dir validates on valid.txt" "grep -q '30000 training tokens, 5000 validation' d.err"
check "--data-dir tests on test.txt" "grep -q '^Test Perplexity: ' d.out"

# 8. --lr-schedule plateau: a validation no better than the best divides
#    the rate (by 4 by default): a rate too high to improve at every check.
"$RECUR" train --data text.txt --out pl.safetensors "${small[@]}" --steps 60 --eval-every 5 --lr 30 --clip 1 \
    --optimizer sgd --lr-schedule plateau --log pl.jsonl 2> pl.err
decays=$(grep -c "learning rate now" pl.err)
check "plateau: the rate was lowered $decays times" "[ $decays -ge 1 ]"
python3 - pl.jsonl <<'PY'
import json, sys
rows = [json.loads(l) for l in open(sys.argv[1]) if '"lr"' in l]
lrs = sorted({r["lr"] for r in rows}, reverse=True)
assert len(lrs) > 1 and lrs[0] == 30 and all(abs(b / a - 0.25) < 1e-6 for a, b in zip(lrs, lrs[1:])), lrs
PY
check "plateau: each lowering divides by 4 (the log's rates)" "[ $? -eq 0 ]"
"$RECUR" train --resume --out pl.safetensors --steps 61 --log pl2.jsonl --log-every 1 --quiet
last_lr=$(grep '"lr"' pl.jsonl | tail -1 | python3 -c 'import json,sys; print(json.load(sys.stdin)["lr"])')
resumed_lr=$(head -1 pl2.jsonl | python3 -c 'import json,sys; print(json.load(sys.stdin)["lr"])')
check "plateau: the lowered rate survives a resume ($last_lr, then $resumed_lr)" "[ \"$last_lr\" = \"$resumed_lr\" ]"

# 8b. --lr-schedule cosine with --warmup-steps: up linearly over the first
#     steps, then down to 0 by the last of --steps, and on from a resume.
"$RECUR" train --data text.txt --out cos.safetensors "${small[@]}" --steps 40 --eval-every 0 --lr 0.01 \
    --lr-schedule cosine --warmup-steps 4 --log cos.jsonl --log-every 1 --save-every 20 --quiet
python3 - cos.jsonl <<'PY'
import json, math, sys
lr = {r["step"]: r["lr"] for r in map(json.loads, open(sys.argv[1])) if "train_loss" in r}
assert sorted(lr) == list(range(1, 41)), sorted(lr)
# step s (1-based) runs after s - 1 steps: progress (s - 1) / 40.
want = lambda s: 0.01 * 0.5 * (1 + math.cos(math.pi * (s - 1) / 40)) * min(1.0, s / 4)
bad = [(s, lr[s], want(s)) for s in lr if abs(lr[s] - want(s)) > 1e-6]
assert not bad, bad
assert lr[4] > lr[3] > lr[2] > lr[1] and all(lr[s + 1] < lr[s] for s in range(4, 40)) and lr[40] < 1e-4
PY
check "cosine with warm-up: each step's rate as the formula says" "[ $? -eq 0 ]"
"$RECUR" train --data text.txt --out cos2.safetensors "${small[@]}" --steps 20 --eval-every 0 --lr 0.01 \
    --lr-schedule cosine --warmup-steps 4 --quiet
"$RECUR" train --resume --out cos2.safetensors --steps 40 --log cos2.jsonl --log-every 1 --quiet
python3 - cos.jsonl cos2.jsonl <<'PY'
import json, sys
a, b = ({r["step"]: r["lr"] for r in map(json.loads, open(p)) if "train_loss" in r} for p in sys.argv[1:])
assert sorted(b) == list(range(21, 41)) and all(abs(a[s] - b[s]) < 1e-9 for s in b), (a, b)
PY
check "cosine: a run resumed with a later --steps follows the curve to the new end" "[ $? -eq 0 ]"

# 9. --checkpoint-dir keeps a model per validation, named with step and loss;
#    --keep 2 the latest two.
"$RECUR" train --data text.txt --out lm.safetensors "${small[@]}" --steps 40 --eval-every 10 --checkpoint-dir ck \
    --keep 2 --quiet
files=$(ls ck | tr '\n' ' ')
check "checkpoint names: $files" "ls ck | grep -qE '^lm_step40_val[0-9]+\\.[0-9]{4}\\.safetensors$'"
check "--keep 2 keeps the latest two" "[ \$(ls ck | wc -l) -eq 2 ] && ls ck | grep -q lm_step30_ && ! ls ck | grep -q lm_step20_"
check "a checkpoint loads" "\"$RECUR\" info --model ck/\$(ls ck | head -1) > /dev/null"

# 10. --help lists every option, --task included, with placeholders.
"$RECUR" train --help > help.txt
check "--help lists --task NAME" "grep -q -- '--task NAME' help.txt"
check "--help: FILE, N and X placeholders, no VALUE" "grep -q -- '--data FILE' help.txt && grep -q -- '--hidden N' help.txt && grep -q -- '--lr X' help.txt && ! grep -q VALUE help.txt"
missing=""
for f in $(python3 - "$RECUR_SRC/src/train/run_options.c" <<'PY'
import re, sys
print(" ".join(re.findall(r'X\((?:STR|NUM|FLAG|CHOICE), "([a-z0-9-]+)"', open(sys.argv[1]).read())))
PY
); do grep -q -- "--$f" help.txt || missing="$missing $f"; done
check "--help lists every option of the table (missing:$missing)" "[ -z \"$missing\" ]"
"$RECUR" train --task 2> task.err
check "--task without a value says so" "grep -q -- '--task needs a value' task.err"

# 11. recur info shows the training run the model records.
"$RECUR" info --model d.safetensors > info.txt
check "info: steps, data name and date" "grep -qE '^trained +10 steps .* on train.txt \\(30000 tokens, hash [0-9a-f]{16}\\), [0-9]{4}-[0-9]{2}-[0-9]{2}$' info.txt"
check "info: the best validation loss" "grep -qE '^best val +[0-9.]+ nats/token' info.txt"
check "info: the command" "grep -q -- '^command    recur train .*--data-dir corpus' info.txt"
"$RECUR" info --model d.safetensors --json | python3 -c "import json,sys; r=json.load(sys.stdin)['run']; assert r['steps']==10 and r['data']=='train.txt'"
check "info --json has the run" "[ $? -eq 0 ]"
[ $fail -eq 0 ]
