#!/bin/bash
# The ptb-2h run (docs/ptb.md): `recur train --preset ptb-2h`, one model kept
# per epoch, the machine's load sampled every minute beside it; then the test
# perplexity of every kept model (batched, 20 streams of 35 words, as the
# run validates) against the minutes trained when it was saved, into
# OUT/curve.json, and the final model's batch-1 test perplexity.
#   bench/ptb/run_2h.sh RECUR OUT [extra recur train flags...]
# Resumable: run it again after an interruption and the training continues
# from OUT/ptb2h.safetensors.state with the minutes already trained counted
# in the budget. Run from the repository root, with nothing else of yours
# running: the budget is wall time.
set -euo pipefail
RECUR=$1
OUT=$2
shift 2
mkdir -p "$OUT/epochs"
DATA=${RECUR_DATA:-data}/ptb
(while true; do
    echo "$(date -u +%FT%TZ) $(cut -d' ' -f1-3 /proc/loadavg)" >> "$OUT/load.txt"
    sleep 60
done) &
sampler=$!
trap 'kill $sampler 2>/dev/null' EXIT
if [ -f "$OUT/ptb2h.safetensors.state" ]; then
    again=(--resume)
else
    again=(--preset ptb-2h --data "$DATA/ptb.train.txt" --val "$DATA/ptb.valid.txt" --test "$DATA/ptb.test.txt")
fi
echo "ptb-2h: started $(date -u +%FT%TZ), load $(cut -d' ' -f1-3 /proc/loadavg)" | tee -a "$OUT/runs.txt"
GOMP_SPINCOUNT=0 "$RECUR" train "${again[@]}" --out "$OUT/ptb2h.safetensors" --log "$OUT/train.jsonl" \
    --checkpoint-dir "$OUT/epochs" "$@" 2> >(tee -a "$OUT/train.err" >&2)
echo "ptb-2h: finished $(date -u +%FT%TZ), load $(cut -d' ' -f1-3 /proc/loadavg)" | tee -a "$OUT/runs.txt"
kill $sampler 2>/dev/null || true
for model in "$OUT"/epochs/*.safetensors; do
    json=${model%.safetensors}.test.json
    [ -s "$json" ] || "$RECUR" eval --model "$model" --batch 20 --seq 35 --json "$DATA/ptb.test.txt" > "$json"
done
python3 - "$OUT" <<'PY'
import glob, json, os, re, sys
out = sys.argv[1]
val = {}
for line in open(os.path.join(out, "train.jsonl")):
    row = json.loads(line)
    if "val_loss" in row:
        val[row["step"]] = row
curve = []
for path in sorted(glob.glob(os.path.join(out, "epochs", "*.test.json"))):
    step = int(re.search(r"_step(\d+)_", path).group(1))
    test = json.load(open(path))
    row = val.get(step, {})
    curve.append({"step": step, "minutes": round(row.get("elapsed_s", float("nan")) / 60, 2),
                  "val_ppl": row.get("val_ppl"), "test_ppl_batched": test.get("perplexity")})
curve.sort(key=lambda r: r["step"])
json.dump({"curve": curve, "load": open(os.path.join(out, "load.txt")).read().split("\n")},
          open(os.path.join(out, "curve.json"), "w"), indent=1)
for r in curve:
    print("%6d steps  %7.2f min  test ppl %s" % (r["step"], r["minutes"], r["test_ppl_batched"]))
PY
