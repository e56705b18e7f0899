#!/usr/bin/env python3
"""The regularisation table from bench/regularisation/run.sh's logs.

  summarize.py OUTDIR   prints a Markdown table and writes OUTDIR/summary.json

For each run: the best validation loss (nats/char) and its step, the training
loss at that step (mean of the logged steps since the previous validation), the
gap between them, the test loss (nats/char, from the log's test row), and the
wall time per training step.
"""
import glob
import json
import math
import os
import sys


def summarize(path):
    rows = [json.loads(line) for line in open(path, encoding="utf-8") if line.strip()]
    train = [r for r in rows if "train_loss" in r]
    val = [r for r in rows if "val_loss" in r]
    test = [r for r in rows if "test_ppl" in r]
    if not val:
        return None
    best = min(val, key=lambda r: r["val_loss"])
    prev = max([r["step"] for r in val if r["step"] < best["step"]], default=0)
    near = [r["train_loss"] for r in train if prev < r["step"] <= best["step"]] or [train[-1]["train_loss"]]
    train_loss = sum(near) / len(near)
    steps = train[-1]["step"] if train else 0
    # Time per step from the training rows alone (validation passes excluded).
    spans = [(b["elapsed_s"] - a["elapsed_s"]) / (b["step"] - a["step"]) for a, b in zip(train, train[1:])
             if b["step"] > a["step"] and not any(a["step"] < v["step"] <= b["step"] for v in val)]
    spans.sort()
    per_step = spans[len(spans) // 2] if spans else float("nan")
    return {
        "name": os.path.basename(path)[:-len(".jsonl")],
        "best_val": best["val_loss"], "best_step": best["step"], "train_at_best": train_loss,
        "gap": best["val_loss"] - train_loss,
        "test": math.log(test[0]["test_ppl"]) if test else None,
        "steps": steps, "s_per_step": per_step,
    }


def main():
    out = sys.argv[1]
    runs = [s for s in (summarize(p) for p in sorted(glob.glob(os.path.join(out, "*.jsonl")))) if s]
    print("| setting | best val (nats/char) | at step | train there | gap | test (nats/char) | s/step |")
    print("|---|---|---|---|---|---|---|")
    for r in runs:
        test = "%.4f" % r["test"] if r["test"] is not None else "-"
        print("| %s | %.4f | %d | %.4f | %.4f | %s | %.3f |" % (r["name"], r["best_val"], r["best_step"],
                                                                 r["train_at_best"], r["gap"], test, r["s_per_step"]))
    with open(os.path.join(out, "summary.json"), "w", encoding="utf-8") as f:
        json.dump(runs, f, indent=1)


if __name__ == "__main__":
    main()
