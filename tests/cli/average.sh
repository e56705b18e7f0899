#!/bin/bash
# recur average: every tensor of the averaged model is the mean of the
# members' (read back from the files with numpy), a model averaged with
# itself evaluates exactly as it does, a tied word model averages too, and
# models of another architecture or vocabulary are refused with the reason.
set -uo pipefail
. "$(dirname "$0")/../lib/checks.sh" "$1"
cd "$DIR"

head -c 20000 "$RECUR_DATA/tinyshakespeare.txt" > text.txt
small=(--hidden 24 --layers 2 --batch 4 --seq 16 --threads 1 --steps 15 --eval-every 0 --save-every 0 --no-test --quiet)
"$RECUR" train --data text.txt --out a.safetensors "${small[@]}" --seed 1
"$RECUR" train --data text.txt --out b.safetensors "${small[@]}" --seed 2
"$RECUR" train --data text.txt --out c.safetensors "${small[@]}" --seed 3

# The largest difference between each tensor of the first file and the mean
# of the same tensor in the others.
mean_error() {
    python3 - "$@" <<'PY'
import json, struct, sys
from array import array
def tensors(path):
    with open(path, "rb") as f:
        n = struct.unpack("<Q", f.read(8))[0]
        head = json.loads(f.read(n))
        body = f.read()
    head.pop("__metadata__", None)
    assert all(v["dtype"] == "F32" for v in head.values())
    return {k: array("f", body[v["data_offsets"][0]:v["data_offsets"][1]]) for k, v in head.items()}
avg = tensors(sys.argv[1])
members = [tensors(p) for p in sys.argv[2:]]
assert all(set(m) == set(avg) for m in members), "tensor names differ"
print("%.3g" % max(abs(x - sum(m[k][i] for m in members) / len(members))
                   for k in avg for i, x in enumerate(avg[k])))
PY
}

out=$("$RECUR" average --out abc.safetensors a.safetensors b.safetensors c.safetensors)
rc=$?
check "three models average (exit $rc): $out" "[ $rc -eq 0 ] && [ -s abc.safetensors ]"
err=$(mean_error abc.safetensors a.safetensors b.safetensors c.safetensors)
check "every tensor is the members' mean (largest difference $err)" \
    "python3 -c 'import sys; sys.exit(not float(\"$err\") < 1e-6)'"
far=$(mean_error abc.safetensors a.safetensors)
check "the averaged model is not a member (largest difference from one $far)" \
    "python3 -c 'import sys; sys.exit(not float(\"$far\") > 1e-3)'"
eval_loss() { "$RECUR" eval --model "$1" --threads 1 --json text.txt | python3 -c 'import json, sys; print(json.load(sys.stdin)["loss"])'; }
loss=$(eval_loss abc.safetensors)
check "the average evaluates to a finite loss ($loss)" "python3 -c 'import math; assert math.isfinite($loss)'"

# A --checkpoint-dir directory stands for its models in step order (step 100
# sorts after step 20, unlike the names); --last keeps the latest N.
"$RECUR" train --data text.txt --out ck.safetensors --hidden 24 --layers 2 --batch 4 --seq 16 --threads 1 --steps 100 \
    --eval-every 20 --save-every 0 --no-test --quiet --checkpoint-dir ck
out=$("$RECUR" average --out last2.safetensors --last 2 ck)
rc=$?
check "--last 2 DIR averages the two latest checkpoints (exit $rc): $(echo $out | tr '\n' ' ')" \
    "[ $rc -eq 0 ] && echo \"\$out\" | grep -q 'mean of 2 models' && echo \"\$out\" | grep -q ck_step80_ && echo \"\$out\" | grep -q ck_step100_"
err=$(mean_error last2.safetensors ck/ck_step80_*.safetensors ck/ck_step100_*.safetensors)
check "and is their mean (largest difference $err)" "python3 -c 'import sys; sys.exit(not float(\"$err\") < 1e-6)'"
mkdir empty
"$RECUR" average --out bad.safetensors empty 2> empty.err
rc=$?
check "a directory without checkpoints is refused (exit $rc): $(head -1 empty.err)" "[ $rc -eq 1 ] && grep -q 'no checkpoints' empty.err"

"$RECUR" average --out aa.safetensors a.safetensors a.safetensors >/dev/null
check "a model averaged with itself evaluates as itself ($(eval_loss aa.safetensors) vs $(eval_loss a.safetensors))" \
    "[ \"\$(eval_loss aa.safetensors)\" = \"\$(eval_loss a.safetensors)\" ]"

head -n 300 "$RECUR_DATA/ptb/ptb.train.txt" > words.txt
word=(--level word --hidden 16 --tied --layers 1 --batch 4 --seq 10 --threads 1 --steps 10 --eval-every 0 --save-every 0 --no-test --quiet)
"$RECUR" train --data words.txt --out w1.safetensors "${word[@]}" --seed 1
"$RECUR" train --data words.txt --out w2.safetensors "${word[@]}" --seed 2
"$RECUR" average --out w.safetensors w1.safetensors w2.safetensors >/dev/null
err=$(mean_error w.safetensors w1.safetensors w2.safetensors)
check "a tied word model averages (largest difference $err)" \
    "python3 -c 'import sys; sys.exit(not float(\"$err\") < 1e-6)'"

"$RECUR" train --data text.txt --out wide.safetensors "${small[@]/24/32}" --seed 1
"$RECUR" average --out bad.safetensors a.safetensors wide.safetensors 2> wide.err
rc=$?
check "another architecture is refused (exit $rc): $(head -1 wide.err)" \
    "[ $rc -eq 1 ] && grep -q 'architecture' wide.err && [ ! -e bad.safetensors ]"
# Two texts with as many distinct characters, not the same ones: the
# tensors match, the vocabularies do not.
for i in $(seq 200); do echo "the cat sat on a mat"; done > cat.txt
sed 's/c/d/g' cat.txt > dat.txt
"$RECUR" train --data cat.txt --out cat.safetensors "${small[@]}" --seed 1
"$RECUR" train --data dat.txt --out dat.safetensors "${small[@]}" --seed 1
"$RECUR" average --out bad.safetensors cat.safetensors dat.safetensors 2> vocab.err
rc=$?
check "another vocabulary is refused (exit $rc): $(head -1 vocab.err)" \
    "[ $rc -eq 1 ] && grep -q 'vocabulary' vocab.err && [ ! -e bad.safetensors ]"
"$RECUR" average --out bad.safetensors a.safetensors missing.safetensors 2> missing.err
rc=$?
check "a missing file is named (exit $rc): $(head -1 missing.err)" \
    "[ $rc -eq 1 ] && grep -q 'missing.safetensors' missing.err"
"$RECUR" average a.safetensors b.safetensors 2> noout.err
rc=$?
check "--out is required (exit $rc)" "[ $rc -eq 2 ] && grep -q -- '--out' noout.err"
"$RECUR" average --help | grep -q 'mean'
check "--help explains it" "[ ${PIPESTATUS[0]} -eq 0 ]"
exit $fail
