#!/bin/bash
# recur gradflow end to end on a generated text: curves for three cells at
# init and after a few training steps (CSV rows, decay ordering, SVG that
# parses as XML with its title, axis labels and legend), a two-layer model,
# a checkpoint, bad flags, and --explode (the unclipped run's NaN/inf steps
# are counted and reported, the clipped run's loss stays finite). Skips
# (exit 77) without python3, which checks the XML and the CSV.
set -euo pipefail
RECUR=$1
command -v python3 >/dev/null || { echo "skip: no python3 to check the XML"; exit 77; }
DIR=$(mktemp -d)
trap 'rm -rf "$DIR"' EXIT
python3 - "$DIR/text.txt" <<'PY'
import random, sys
random.seed(3)
words = "the king shall not speak of love and death to my lord what is thy name good night sweet prince".split()
out = []
while sum(len(w) + 1 for w in out) < 20000:
    out.append(random.choice(words))
with open(sys.argv[1], "w") as f:
    f.write(" ".join(out) + "\n")
PY

"$RECUR" gradflow --data "$DIR/text.txt" --cell rnn_tanh,lstm,gru --hidden 32 --lag 40 --positions 16 \
    --warmup 10 --train-steps 20 --batch 8 --seq 20 --svg "$DIR/flow.svg" --csv "$DIR/flow.csv" \
    > "$DIR/flow.txt" 2> "$DIR/flow.err"
grep -q "sigma_Whh" "$DIR/flow.txt"
python3 - "$DIR/flow.svg" "$DIR/flow.csv" <<'PY'
import csv, sys, xml.etree.ElementTree as ET
svg, table = sys.argv[1], sys.argv[2]
ns = "{http://www.w3.org/2000/svg}"
root = ET.parse(svg).getroot()
assert root.tag == ns + "svg", root.tag
texts = " | ".join(t.text or "" for t in root.iter(ns + "text"))
for want in ["Gradient flow through time", "steps back k", "|dL/dh(t-k)| / |dL/dh(t)|", "rnn_tanh, init", "lstm, 20 steps", "gru, init", "σ: largest singular value"]:
    assert want in texts, "missing %r in %r" % (want, texts)
assert len(list(root.iter(ns + "polyline"))) >= 6, "fewer than 6 curves"
rows = list(csv.DictReader(open(table)))
assert set(rows[0]) == {"model", "cell", "stage", "layer", "lag", "grad_norm", "relative", "sigma_max_whh"}, rows[0]
assert len(rows) == 6 * 41, len(rows)
curves = {}
for r in rows:
    curves.setdefault((r["cell"], r["stage"]), []).append(float(r["relative"]))
assert set(s for _, s in curves) == {"init", "trained 20 steps"}
for key, c in curves.items():
    assert c[0] == 1.0, (key, c[0])
    assert all(v >= 0 for v in c), key
# At init (PyTorch's init, forget bias 1) the tanh RNN forgets fastest.
assert curves[("rnn_tanh", "init")][30] < curves[("lstm", "init")][30], "rnn_tanh does not decay faster than lstm"
print("ok: curves", sorted(curves))
PY

# Two layers: a panel per layer.
"$RECUR" gradflow --data "$DIR/text.txt" --cell gru --layers 2 --hidden 16 --lag 10 --positions 4 \
    --svg "$DIR/deep.svg" --csv "$DIR/deep.csv" > /dev/null 2>&1
python3 - "$DIR/deep.svg" "$DIR/deep.csv" <<'PY'
import csv, sys, xml.etree.ElementTree as ET
root = ET.parse(sys.argv[1]).getroot()
texts = " | ".join(t.text or "" for t in root.iter("{http://www.w3.org/2000/svg}text"))
assert "layer 1:" in texts and "layer 2:" in texts, texts
assert sorted(set(r["layer"] for r in csv.DictReader(open(sys.argv[2])))) == ["1", "2"]
PY

# A checkpoint measures with its own vocabulary and cell.
if "$RECUR" train --data "$DIR/text.txt" --out "$DIR/m.safetensors" --cell lstm --layers 1 --hidden 16 \
    --batch 4 --seq 10 --steps 5 --quiet > /dev/null 2>&1; then
    "$RECUR" gradflow --data "$DIR/text.txt" --model "$DIR/m.safetensors" --lag 10 --positions 4 \
        --csv "$DIR/ckpt.csv" > /dev/null 2>&1
    grep -q "^m.safetensors,lstm,checkpoint,1,10," "$DIR/ckpt.csv"
fi

# Bad usage is exit 2 with a message, never a crash.
set +e
"$RECUR" gradflow --cell lstm > /dev/null 2> "$DIR/err1"; rc1=$?
"$RECUR" gradflow --data "$DIR/text.txt" --cell nosuchcell > /dev/null 2> "$DIR/err2"; rc2=$?
"$RECUR" gradflow --data "$DIR/text.txt" --cell lstm --lag 4096 --warmup 1000000 > /dev/null 2> "$DIR/err3"; rc3=$?
"$RECUR" gradflow --data "$DIR/missing.txt" > /dev/null 2> "$DIR/err4"; rc4=$?
set -e
[ $rc1 -eq 2 ] && grep -q -- "--data" "$DIR/err1"
[ $rc2 -eq 2 ] && grep -q "nosuchcell" "$DIR/err2"
[ $rc3 -eq 1 ] && grep -q "tokens" "$DIR/err3"
[ $rc4 -eq 1 ] && grep -q "missing.txt" "$DIR/err4"

# --explode: W_hh drawn large enough (sigma_max ~ 3.7) that plain SGD blows up.
"$RECUR" gradflow --explode --data "$DIR/text.txt" --hidden 64 --batch 8 --seq 50 --train-steps 60 \
    --init-scale 0.4 --svg "$DIR/explode.svg" --csv "$DIR/explode.csv" > "$DIR/explode.txt" 2>&1
cat "$DIR/explode.txt"
grep -Eq "^no clipping +[0-9]+ steps, +[1-9][0-9]* non-finite" "$DIR/explode.txt"
grep -Eq "^clip 1 +60 steps, +0 non-finite" "$DIR/explode.txt"
python3 - "$DIR/explode.svg" "$DIR/explode.csv" <<'PY'
import csv, math, sys, xml.etree.ElementTree as ET
root = ET.parse(sys.argv[1]).getroot()
texts = " | ".join(t.text or "" for t in root.iter("{http://www.w3.org/2000/svg}text"))
for want in ["Exploding gradients", "no clipping", "clip 1", "clipping threshold 1", "NaN/inf steps"]:
    assert want in texts, "missing %r" % want
rows = list(csv.DictReader(open(sys.argv[2])))
free = [r for r in rows if r["run"] == "no clipping"]
clipped = [r for r in rows if r["run"] == "clip 1"]
bad = [r for r in free if r["skipped"] == "1"]
assert bad, "the unclipped run never went non-finite"
assert all(not math.isfinite(float(r["loss"])) or not math.isfinite(float(r["grad_norm"])) for r in bad)
assert len(clipped) == 60 and all(r["skipped"] == "0" for r in clipped)
assert all(math.isfinite(float(r["loss"])) for r in clipped)
assert any(r["clipped"] == "1" for r in clipped), "the clipped run never clipped"
print("ok: %d non-finite steps without clipping, none with" % len(bad))
PY
echo "gradflow: ok"
