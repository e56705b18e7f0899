#!/bin/bash
# recur train --init-from MODEL: the first validation figure of a fine-tuning
# run is MODEL's own loss on the new validation text (exactly, when the text
# brings no new characters; at word level, with unseen words as <unk> on
# both sides), new characters get rows that barely move the old tokens'
# loss, the run starts at step 0 with a fresh optimizer and resumes like any
# other, and flags that would change the model are refused.
set -euo pipefail
RECUR=$1
DIR=$(mktemp -d)
trap 'rm -rf "$DIR"' EXIT
cd "$DIR"
fail() { echo "FAIL: $*"; exit 1; }
run=(--batch 8 --seq 16 --threads 1 --eval-batch 1)  # validation at batch 1, as recur eval
first_val() { python3 -c "import json, sys; print('%.6f' % next(json.loads(l)['val_loss'] for l in open(sys.argv[1]) if 'val_loss' in l))" "$1"; }
eval_loss() { "$RECUR" eval --model "$1" --seq 16 --threads 1 --json "$2" 2>/dev/null | python3 -c "import json, sys; print('%.6f' % json.load(sys.stdin)['loss'])"; }

head -c 60000 "$RECUR_DATA/tinyshakespeare.txt" > a.txt  # holds every character of b.txt
"$RECUR" train --data a.txt --out base.safetensors --hidden 32 "${run[@]}" --steps 30 --quiet
V0=$("$RECUR" info --model base.safetensors --json | python3 -c "import json, sys; print(json.load(sys.stdin)['vocab_size'])")

# ---- no new characters: exactly the model's loss -------------------------------
head -c 60000 "$RECUR_DATA/tinyshakespeare.txt" | tail -c 20000 > b.txt
tail -c 2000 b.txt > b_val.txt
"$RECUR" train --init-from base.safetensors --data b.txt --val b_val.txt --out ft.safetensors "${run[@]}" --steps 20 \
    --log ft.jsonl 2> ft.err
got=$(first_val ft.jsonl)
want=$(eval_loss base.safetensors b_val.txt)
[ "$got" = "$want" ] || fail "first validation loss $got, the model's own loss on the text is $want"
grep -q "^step 0  epoch 0  val loss" ft.err || fail "no step-0 validation line: $(cat ft.err)"
grep -q "(fine-tuning the --init-from model)" ft.err || fail "the run does not say it fine-tunes"
# A fresh optimizer and schedule: the run counts its own steps from 0, and learns.
python3 - <<'PY' || fail "fine-tuning steps: $(tail -3 ft.jsonl)"
import json
lines = [json.loads(l) for l in open("ft.jsonl")]
steps = [l["step"] for l in lines if "train_loss" in l]
vals = [l["val_loss"] for l in lines if "val_loss" in l]
assert steps[0] == 10 and steps[-1] == 20, steps
assert vals[-1] < vals[0], vals
PY
# Resumes as any run does.
"$RECUR" train --resume --out ft.safetensors --steps 25 --quiet || fail "resume of a fine-tuning run"
"$RECUR" info --model ft.safetensors > /dev/null

# ---- new characters: appended rows ---------------------------------------------
head -c 8000 "$RECUR_DATA/linux.txt" > code.txt
cat code.txt b.txt > mix.txt
"$RECUR" train --init-from base.safetensors --data mix.txt --val b_val.txt --out mix.safetensors "${run[@]}" \
    --steps 1 --log mix.jsonl 2> mix.err
new=$(python3 -c "import sys; a = set(open('a.txt').read()); print(len(set(open('mix.txt').read()) - a))")
grep -q -- "--init-from base.safetensors: $new characters of the new text are new to the model (ids $V0 to $((V0 + new - 1))" mix.err ||
    fail "no note of the $new new characters: $(cat mix.err)"
V1=$("$RECUR" info --model mix.safetensors --json | python3 -c "import json, sys; print(json.load(sys.stdin)['vocab_size'])")
[ "$V1" -eq $((V0 + new)) ] || fail "vocabulary $V1, want $V0 + $new"
# On text of old characters the first loss is the model's plus the little the new rows take.
python3 - "$(first_val mix.jsonl)" "$want" <<'PY' || fail "first loss with new rows: $(first_val mix.jsonl) vs $want"
import sys
got, base = float(sys.argv[1]), float(sys.argv[2])
assert base < got < base + 0.05, (got, base)
PY
# The grown model reads the new characters.
"$RECUR" eval --model mix.safetensors code.txt > /dev/null || fail "the grown model cannot read the new text"

# ---- word level: unseen words are <unk> on both sides ------------------------------
head -c 40000 "$RECUR_DATA/ptb/ptb.train.txt" > w.txt
"$RECUR" train --data w.txt --level word --min-count 2 --out wbase.safetensors --hidden 16 "${run[@]}" --steps 10 --quiet
head -c 20000 "$RECUR_DATA/ptb/ptb.valid.txt" > w2.txt
tail -n 30 w2.txt > w2_val.txt
"$RECUR" train --init-from wbase.safetensors --data w2.txt --val w2_val.txt --out wft.safetensors "${run[@]}" --steps 2 \
    --log wft.jsonl 2> wft.err
grep -q "w2.txt: [0-9]* of [0-9]* words (.*%) are not in the model's vocabulary and became <unk>" wft.err ||
    fail "no <unk> count for the new text: $(cat wft.err)"
[ "$(first_val wft.jsonl)" = "$(eval_loss wbase.safetensors w2_val.txt)" ] ||
    fail "word level: first loss $(first_val wft.jsonl), the model's $(eval_loss wbase.safetensors w2_val.txt)"

# ---- refused ------------------------------------------------------------------------
expect() {
    local want_rc=$1 msg=$2
    shift 2
    set +e
    "$RECUR" train "$@" > /dev/null 2> err.txt
    local rc=$?
    set -e
    [ $rc -eq "$want_rc" ] && grep -qF -- "$msg" err.txt || fail "recur train $*: exit $rc, $(cat err.txt) (want $want_rc, '$msg')"
}
expect 2 "--hidden cannot be combined with --init-from base.safetensors: fine-tuning keeps the model's architecture" \
    --init-from base.safetensors --data b.txt --out x.safetensors --hidden 64
expect 2 "--cell cannot be combined with --init-from" --init-from base.safetensors --data b.txt --out x.safetensors --cell=gru
expect 2 "--min-count cannot be combined with --init-from wbase.safetensors: fine-tuning keeps the model's vocabulary" \
    --init-from wbase.safetensors --data w2.txt --out x.safetensors --min-count 3
expect 2 "--init-from starts a new run from a model and --resume continues a saved one" \
    --init-from base.safetensors --resume --out ft.safetensors
expect 1 "--init-from: missing.safetensors" --init-from missing.safetensors --data b.txt --out x.safetensors
[ ! -e x.safetensors ] || fail "a refused run wrote its output"
echo "ok   fine-tuning: first validation = the model's loss, new characters appended, unseen words <unk>, refusals"
