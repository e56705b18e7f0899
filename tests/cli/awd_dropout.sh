#!/bin/bash
# AWD-LSTM's dropouts from the command line: --locked-dropout,
# --embed-dropout and --weight-drop train a word model, the state keeps
# them and --resume continues with them, out-of-range values are refused
# with the flag's name, and a run without them is unchanged by their
# existence (the same losses with the flags at 0). --input-dropout (the
# input's own rate) likewise, on a char model.
set -uo pipefail
. "$(dirname "$0")/../lib/checks.sh" "$1"
cd "$DIR"

head -n 400 "$RECUR_DATA/ptb/ptb.train.txt" > words.txt
small=(--level word --hidden 16 --layers 2 --batch 4 --seq 12 --threads 1 --eval-every 0 --save-every 0 --no-test --quiet)
# The step and the named training settings of a state file, rounded.
state_train() {
    python3 - "$@" <<'PY'
import json, struct, sys
with open(sys.argv[1], "rb") as f:
    n = struct.unpack("<Q", f.read(8))[0]
    h = json.loads(f.read(n))
s = json.loads(h["__metadata__"]["recur.train_state"])
print(s["step"], *(round(s["train"][k], 6) for k in sys.argv[2:]))
PY
}
state_settings() { state_train "$1" locked_dropout embed_dropout weight_drop; }
"$RECUR" train --data words.txt --out a.safetensors "${small[@]}" --steps 20 --dropout 0.3 --locked-dropout \
    --embed-dropout 0.1 --weight-drop 0.4 --log a.jsonl
check "the three dropouts train a word model" "[ -s a.safetensors ]"
check "the state records them: $(state_settings a.safetensors.state)" \
    "[ \"\$(state_settings a.safetensors.state)\" = '20 1 0.1 0.4' ]"
"$RECUR" train --resume --out a.safetensors --steps 30 --quiet
check "--resume keeps them: $(state_settings a.safetensors.state)" \
    "[ \"\$(state_settings a.safetensors.state)\" = '30 1 0.1 0.4' ]"
check "the losses are finite" "python3 -c 'import json, math, sys; r = [json.loads(l) for l in open(\"a.jsonl\") if \"train_loss\" in l]; sys.exit(not r or not all(math.isfinite(x[\"train_loss\"]) for x in r))'"

"$RECUR" train --data words.txt --out b.safetensors "${small[@]}" --steps 5 --weight-drop 1 2> b.err
rc=$?
check "--weight-drop 1 is refused (exit $rc): $(head -1 b.err)" "[ $rc -eq 2 ] && grep -q -- '--weight-drop' b.err"

"$RECUR" train --data words.txt --out c.safetensors "${small[@]}" --steps 10 --dropout 0.2 --log c.jsonl
"$RECUR" train --data words.txt --out d.safetensors "${small[@]}" --steps 10 --dropout 0.2 --embed-dropout 0 \
    --weight-drop 0 --log d.jsonl
check "the flags at 0 change nothing: the same losses" \
    "diff <(grep -o '\"train_loss\":[0-9.]*' c.jsonl) <(grep -o '\"train_loss\":[0-9.]*' d.jsonl) >/dev/null"
"$RECUR" train --data words.txt --out e.safetensors "${small[@]}" --steps 10 --dropout 0.2 --locked-dropout --log e.jsonl
check "--locked-dropout changes the masks: other losses" \
    "! diff <(grep -o '\"train_loss\":[0-9.]*' c.jsonl) <(grep -o '\"train_loss\":[0-9.]*' e.jsonl) >/dev/null"

# --input-dropout: the first layer's input apart from --dropout
head -c 20000 "$RECUR_DATA/tinyshakespeare.txt" > chars.txt
tiny=(--hidden 16 --layers 2 --batch 4 --seq 12 --threads 1 --eval-every 0 --save-every 0 --no-test --quiet)
input_setting() { state_train "$1" input_dropout | cut -d" " -f2; }
"$RECUR" train --data chars.txt --out f.safetensors "${tiny[@]}" --steps 10 --dropout 0.3 --log f.jsonl
"$RECUR" train --data chars.txt --out g.safetensors "${tiny[@]}" --steps 10 --dropout 0.3 --input-dropout 0.3 --log g.jsonl
"$RECUR" train --data chars.txt --out h.safetensors "${tiny[@]}" --steps 10 --dropout 0.3 --input-dropout 0 --log h.jsonl
check "--input-dropout at --dropout's rate changes nothing: the same losses" \
    "diff <(grep -o '\"train_loss\":[0-9.]*' f.jsonl) <(grep -o '\"train_loss\":[0-9.]*' g.jsonl) >/dev/null"
check "--input-dropout 0 trains another network: other losses" \
    "! diff <(grep -o '\"train_loss\":[0-9.]*' f.jsonl) <(grep -o '\"train_loss\":[0-9.]*' h.jsonl) >/dev/null"
check "the state records it ($(input_setting h.safetensors.state)), and -1 (the model's) by default ($(input_setting f.safetensors.state))" \
    "[ \"\$(input_setting h.safetensors.state)\" = 0 ] && [ \"\$(input_setting f.safetensors.state)\" = -1 ]"
check "the log's settings row says 0" "grep -q '\"input_dropout\":0,' h.jsonl"
"$RECUR" train --resume --out h.safetensors --steps 15 --quiet
check "--resume keeps it: $(input_setting h.safetensors.state)" "[ \"\$(input_setting h.safetensors.state)\" = 0 ]"
"$RECUR" train --data chars.txt --out i.safetensors "${tiny[@]}" --steps 5 --input-dropout 1 2> i.err
rc=$?
check "--input-dropout 1 is refused (exit $rc): $(head -1 i.err)" "[ $rc -eq 2 ] && grep -q -- '--input-dropout' i.err"

[ $fail -eq 0 ] && echo "all AWD dropout checks passed"
exit $fail
