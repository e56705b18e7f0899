#!/bin/bash
# After bench/ptb/run_2h.sh: the mean of the weights of the last K epoch
# models (recur average), for K = 1 (the last model alone) to MAX_K. K is
# chosen on the validation text alone; the test perplexity is reported for
# every K but read only for the chosen one. The models and their figures
# go to OUT/average/, the table to OUT/average.json.
#   bench/ptb/average_tail.sh RECUR OUT [MAX_K]
# Run from the repository root, after the training has finished.
set -euo pipefail
RECUR=$1
OUT=$2
MAX_K=${3:-5}
DATA=${RECUR_DATA:-data}/ptb
mkdir -p "$OUT/average"
n=$(ls "$OUT"/epochs/*_step*.safetensors 2>/dev/null | wc -l)
[ "$n" -gt 0 ] || { echo "no epoch models in $OUT/epochs" >&2; exit 1; }
rows=()
for ((k = 1; k <= MAX_K && k <= n; k++)); do
    avg=$OUT/average/last$k.safetensors
    # recur average reads the directory's checkpoints in step order.
    [ -s "$avg" ] || "$RECUR" average --out "$avg" --last "$k" "$OUT/epochs" >/dev/null
    for split in valid test; do
        json=${avg%.safetensors}.$split.json
        [ -s "$json" ] || "$RECUR" eval --model "$avg" --batch 20 --seq 35 --json "$DATA/ptb.$split.txt" > "$json"
    done
    rows+=("$k")
done
python3 - "$OUT" "${rows[@]}" <<'PY'
import json, os, sys
out, ks = sys.argv[1], [int(k) for k in sys.argv[2:]]
rows = []
for k in ks:
    base = os.path.join(out, "average", "last%d" % k)
    rows.append({"k": k, "valid_ppl": json.load(open(base + ".valid.json"))["perplexity"],
                 "test_ppl": json.load(open(base + ".test.json"))["perplexity"]})
for r in rows:
    print("last %d epochs: valid %.2f, test %.2f" % (r["k"], r["valid_ppl"], r["test_ppl"]))
best = min(rows, key=lambda r: r["valid_ppl"])
json.dump({"rows": rows, "chosen_by_valid": best}, open(os.path.join(out, "average.json"), "w"), indent=1)
print("chosen on validation: the last %d epochs, valid %.2f, test %.2f" % (best["k"], best["valid_ppl"], best["test_ppl"]))
PY
