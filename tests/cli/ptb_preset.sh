#!/bin/bash
# PTB presets and ensembles through the command line, on a few hundred lines
# of the shipped Penn Treebank: a preset's settings reach the model and the
# log, flags given explicitly win whatever their position, the per-epoch and
# test lines come out as ptb_word_lm.py prints them, the test perplexities
# equal `recur eval`'s, and `recur eval` with two models reports each model
# and their ensemble.
set -euo pipefail
. "$(dirname "$0")/../lib/checks.sh" "$1"
PTB=${RECUR_DATA:-}/ptb
[ -f "$PTB/ptb.train.txt" ] || { echo "skip: no $PTB/ptb.train.txt"; exit 77; }
head -400 "$PTB/ptb.train.txt" > "$DIR/train.txt"
head -60 "$PTB/ptb.valid.txt" > "$DIR/valid.txt"
head -60 "$PTB/ptb.test.txt" > "$DIR/test.txt"
key() { python3 -c "import json,sys
for line in sys.stdin:
    o = json.loads(line)
    if '$1' in o: v = o['$1']
print(v)"; }
setting() { grep '"settings"' "$1" | python3 -c "import json,sys; print(json.loads(sys.stdin.read())['settings']['$2'])"; }

data=(--data "$DIR/train.txt" --val "$DIR/valid.txt" --test "$DIR/test.txt" --threads 1)

# 1. ptb-small's settings, with --hidden and --epochs overridden (one flag
#    before --preset, one after), --batch 4 so that the tiny text fills an epoch.
"$RECUR" train --hidden 24 "${data[@]}" --preset ptb-small --epochs 2 --batch 4 --seed 3 \
    --out "$DIR/a.safetensors" --log "$DIR/a.jsonl" 2> "$DIR/a.err" > "$DIR/a.out"
check "hidden given before --preset wins" '[ "$(setting "$DIR/a.jsonl" hidden)" = 24 ]'
check "batch given after --preset wins" '[ "$(setting "$DIR/a.jsonl" batch)" = 4 ]'
check "preset: 2 layers" '[ "$(setting "$DIR/a.jsonl" layers)" = 2 ]'
check "preset: num_steps 20" '[ "$(setting "$DIR/a.jsonl" seq)" = 20 ]'
check "preset: init_scale 0.1" '[ "$(setting "$DIR/a.jsonl" init_scale)" = 0.1 ]'
check "preset: forget bias 0" '[ "$(setting "$DIR/a.jsonl" forget_bias)" = 0 ]'
check "preset: SGD, lr 1, clip 5" '[ "$(setting "$DIR/a.jsonl" optimizer)/$(setting "$DIR/a.jsonl" learning_rate)/$(setting "$DIR/a.jsonl" max_grad_norm)" = sgd/1/5 ]'
check "preset: loss summed over steps" '[ "$(setting "$DIR/a.jsonl" loss_scale)" = sum ]'
check "preset: decay 0.5 after 4 epochs" '[ "$(setting "$DIR/a.jsonl" lr_decay)/$(setting "$DIR/a.jsonl" decay_after)" = 0.5/4 ]'
check "preset: no dropout" '[ "$(setting "$DIR/a.jsonl" dropout)" = 0 ]'
check "epochs overridden to 2" '[ "$(grep -c "Train Perplexity" "$DIR/a.err")" = 2 ]'
check "TF epoch lines" 'grep -q "^Epoch: 1 Learning rate: 1.000$" "$DIR/a.err" && grep -q "^Epoch: 2 Valid Perplexity: " "$DIR/a.err" && grep -Eq "^Epoch: 1 Train Perplexity: [0-9.]+ \(speed: [0-9]+ wps\)$" "$DIR/a.err"'
check "test perplexity printed both ways" 'grep -q "^Test Perplexity: " "$DIR/a.out" && grep -q "^Test Perplexity (batched): " "$DIR/a.out"'

# 2. The test figures are recur eval's: batch 1 (TensorFlow's batch-1,
#    one-step evaluation predicts the same tokens with the same state), and
#    batched as validation (4 streams x 20 steps).
tf=$(key test_ppl < "$DIR/a.jsonl")
batched=$(key test_ppl_batched < "$DIR/a.jsonl")
ev1=$("$RECUR" eval --model "$DIR/a.safetensors" --batch 1 --seq 1 --json --threads 1 "$DIR/test.txt" | key perplexity)
evb=$("$RECUR" eval --model "$DIR/a.safetensors" --batch 4 --seq 20 --json --threads 1 "$DIR/test.txt" | key perplexity)
check "batch-1 test ppl $tf == eval $ev1" "python3 -c 'import sys; sys.exit(0 if abs($tf - $ev1) < 1e-3 * $ev1 else 1)'"
check "batched test ppl $batched == eval $evb" "python3 -c 'import sys; sys.exit(0 if abs($batched - $evb) < 1e-3 * $evb else 1)'"
vppl=$(grep '"epoch_end":2' "$DIR/a.jsonl" | key valid_ppl)
check "epoch 2 valid ppl $vppl below the uniform 10000-word guess" "python3 -c 'import sys; sys.exit(0 if $vppl < 2000 else 1)'"

# 3. ptb-small-tied: the decoder is the embedding, dropout 0.25, full rate for 6 epochs.
"$RECUR" train "${data[@]}" --preset ptb-small-tied --hidden 24 --steps 5 --batch 4 --no-test --quiet \
    --out "$DIR/t.safetensors" --log "$DIR/t.jsonl"
check "tied preset: tied, dropout 0.25, decay after 6" '[ "$(setting "$DIR/t.jsonl" tied)/$(setting "$DIR/t.jsonl" dropout)/$(setting "$DIR/t.jsonl" decay_after)" = 1/0.25/6 ]'
V=$(setting "$DIR/a.jsonl" parameters)
T=$(setting "$DIR/t.jsonl" parameters)
check "tied preset: the decoder matrix is shared ($V - $T = 24 x vocabulary)" '[ $(( (V - T) % 24 )) = 0 ] && [ $(( (V - T) / 24 )) -gt 1000 ]'

# 4. ptb-medium and ptb-large carry ptb_word_lm.py's MediumConfig and LargeConfig
#    (one step of a narrow model: only the settings matter here).
for p in medium large; do
    "$RECUR" train "${data[@]}" --preset ptb-$p --hidden 8 --steps 1 --batch 4 --no-test --quiet \
        --out "$DIR/$p.safetensors" --log "$DIR/$p.jsonl"
done
got() { for k in init_scale learning_rate max_grad_norm layers seq dropout lr_decay decay_after epochs; do
    printf '%s ' "$(setting "$1" $k)"; done; }
check "ptb-medium settings" '[ "$(got "$DIR/medium.jsonl")" = "0.05 1 5 2 35 0.5 0.8 6 39 " ]'
check "ptb-large settings" '[ "$(got "$DIR/large.jsonl")" = "0.04 1 10 2 35 0.65 0.869565 14 55 " ]'

# 5. Unknown preset: a usage error naming the known ones.
set +e
"$RECUR" train --preset ptb-huge --out "$DIR/x.safetensors" 2> "$DIR/bad.err"
rc=$?
set -e
check "unknown preset exits 2 ($rc)" '[ $rc = 2 ] && grep -q "ptb-small" "$DIR/bad.err"'

# 6. Ensemble: a second seed, then each model's and the ensemble's figures.
"$RECUR" train "${data[@]}" --preset ptb-small --hidden 24 --epochs 2 --batch 4 --seed 4 --no-test --quiet \
    --out "$DIR/b.safetensors"
"$RECUR" eval --model "$DIR/a.safetensors" --model "$DIR/b.safetensors" --json --threads 1 "$DIR/test.txt" > "$DIR/ens.json"
pa=$("$RECUR" eval --model "$DIR/a.safetensors" --json --threads 1 "$DIR/test.txt" | key loss)
pb=$("$RECUR" eval --model "$DIR/b.safetensors" --json --threads 1 "$DIR/test.txt" | key loss)
read -r ma mb ens <<< "$(python3 -c "import json; o = json.load(open('$DIR/ens.json')); print(o['models'][0]['result']['loss'], o['models'][1]['result']['loss'], o['ensemble']['loss'])")"
check "member losses equal single evals ($ma $pa, $mb $pb)" "python3 -c 'import sys; sys.exit(0 if abs($ma - $pa) < 1e-5 and abs($mb - $pb) < 1e-5 else 1)'"
check "ensemble loss $ens <= mean of members" "python3 -c 'import sys; sys.exit(0 if $ens <= ($ma + $mb) / 2 + 1e-9 else 1)'"
"$RECUR" eval --model "$DIR/a.safetensors" --model "$DIR/b.safetensors" --threads 1 "$DIR/test.txt" > "$DIR/ens.txt"
check "text output names the ensemble" 'grep -q "^ensemble of 2: " "$DIR/ens.txt"'

[ $fail -eq 0 ]
