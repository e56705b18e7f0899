#!/bin/bash
# recur train --minutes M --auto: the choice is printed, recorded in the
# model, bounded by the text's size, repeatable by hand from the printed
# line, never overrides an option given, survives --resume, and is refused
# with the reason where it cannot apply.
set -uo pipefail
. "$(dirname "$0")/../lib/checks.sh" "$1"
cd "$DIR"
# One field of `recur info --json`.
info() { "$RECUR" info --model "$1" --json | python3 -c "import json, sys; print(json.load(sys.stdin)$2)"; }

head -c 20000 "$RECUR_DATA/tinyshakespeare.txt" > text.txt
common=(--data text.txt --threads 1 --save-every 0)

"$RECUR" train "${common[@]}" --out a.safetensors --auto 2> nominutes.err
rc=$?
check "--auto without --minutes is refused (exit $rc): $(head -1 nominutes.err)" \
    "[ $rc -eq 2 ] && grep -q -- '--minutes' nominutes.err"
"$RECUR" train --preset ptb-small --out a.safetensors --minutes 1 --auto 2> preset.err
rc=$?
check "--auto with --preset is refused (exit $rc): $(head -1 preset.err)" "[ $rc -eq 2 ] && grep -q -- '--preset' preset.err"

"$RECUR" train "${common[@]}" --out a.safetensors --minutes 0.05 --auto --log a.jsonl > a.out 2> a.err
rc=$?
check "--auto --minutes 0.05 trains (exit $rc)" "[ $rc -eq 0 ] && [ -s a.safetensors ]"
check "it prints three lines of what it chose and why" "[ \$(grep -c -- '--auto: ' a.err) -eq 3 ]"
hand=$(sed -n 's/.*in place of --auto: //p' a.err)
echo "     by hand: $hand"
hidden=$(info a.safetensors "['hidden']")
dropout=$(info a.safetensors "['dropout']")
check "the model has the printed width ($hidden)" "[[ \" $hand \" == *\" --hidden $hidden \"* ]]"
check "and the printed dropout ($dropout)" \
    "python3 -c 'import sys; a = sys.argv[1].split(); print(a); sys.exit(abs(float(a[a.index(\"--dropout\") + 1]) - $dropout) > 1e-6)' \"$hand\" >/dev/null"
# 20,000 characters hold at most 5 recurrent weights each: 2 x 64 (66,560) fits, 2 x 96 (148,992) does not.
check "the width fits the text's size (2 x $hidden for 20k characters)" "[ $hidden -le 64 ]"
command=$(info a.safetensors "['run']['command']")
check "the model's record has the choice: $command" \
    "[[ \"$command\" == *'--auto'* && \"$command\" == *'--lr-schedule cosine'* && \"$command\" == *\"--hidden $hidden\"* ]]"
check "the learning rate falls to near 0 by the end of the budget" \
    "python3 -c 'import json, sys; r = [json.loads(l) for l in open(\"a.jsonl\") if \"\\\"lr\\\"\" in l and \"train_loss\" in l]; sys.exit(not (r and r[-1][\"lr\"] < 0.2 * max(x[\"lr\"] for x in r)))'"

# shellcheck disable=SC2086
"$RECUR" train "${common[@]}" --out h.safetensors $hand --steps 3 --quiet
check "the printed line, given by hand, builds the same model" \
    "[ \"\$(info h.safetensors \"['hidden']\") \$(info h.safetensors \"['dropout']\")\" = \"$hidden $dropout\" ]"

"$RECUR" train "${common[@]}" --out g.safetensors --minutes 0.03 --auto --hidden 40 --dropout 0.3 2> g.err
check "options given win: width 40 and dropout 0.3" \
    "[ \"\$(info g.safetensors \"['hidden']\") \$(info g.safetensors \"['dropout']\")\" = '40 0.3' ]"
check "and are not in the by-hand line" "! grep -q -- 'in place of --auto:.*--hidden' g.err"

# The budget spans resumptions: the state keeps the minutes trained.
seconds() { python3 - "$1" <<'PY'
import json, struct, sys
with open(sys.argv[1], "rb") as f:
    n = struct.unpack("<Q", f.read(8))[0]
    print(json.loads(json.loads(f.read(n))["__metadata__"]["recur.train_state"])["seconds"])
PY
}
before=$(seconds a.safetensors.state)
# (The upper bounds leave room for a last step that overruns the budget on
# a busy machine.)
check "the state keeps the time trained ($before s of a 3 s budget)" "python3 -c 'import sys; sys.exit(not 2.5 <= $before <= 15)'"
"$RECUR" train --resume --out a.safetensors --minutes 0.04 2> done.err
rc=$?
check "a resumed run whose budget is spent has nothing to do (exit $rc): $(grep -o 'nothing to do.*' done.err)" \
    "[ $rc -eq 0 ] && grep -q 'trained for its --minutes' done.err"
"$RECUR" train --resume --out a.safetensors --minutes 0.08 --log a.jsonl 2> r.err
rc=$?
after=$(seconds a.safetensors.state)
check "--resume --minutes 0.08 trains the rest ($before -> $after s) without choosing again (exit $rc)" \
    "[ $rc -eq 0 ] && ! grep -q -- '--auto: ' r.err && python3 -c 'import sys; sys.exit(not $before + 1 <= $after <= max(7, $before + 10))'"
check "with the same model" "[ \"\$(info a.safetensors \"['hidden']\")\" = $hidden ]"

[ $fail -eq 0 ] && echo "all auto checks passed"
exit $fail
