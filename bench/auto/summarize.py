#!/usr/bin/env python3
"""The --auto table from bench/auto/run.sh's logs.

  summarize.py OUTDIR   prints a Markdown table and writes OUTDIR/summary.json

Per text and run: what ran (the log's settings row), the steps done, the best
validation loss in nats and bits per character and its step, and the test
loss of the model kept (the best by validation), batch 1.
"""
import glob
import json
import math
import os
import sys


def input_note(settings):
    """' (input 0)' where the input's dropout differs from the model's."""
    p = settings.get("input_dropout")
    return "" if p is None or p == settings.get("dropout", 0) else " (input %g)" % p


def summarize(path):
    rows = [json.loads(line) for line in open(path, encoding="utf-8") if line.strip()]
    val = [r for r in rows if "val_loss" in r]
    test = [r for r in rows if "test_ppl" in r]
    settings = next((r["settings"] for r in rows if "settings" in r), {})
    if not val:
        return None
    best = min(val, key=lambda r: r["val_loss"])
    steps = max(r.get("step", 0) for r in rows)
    return {
        "run": os.path.basename(path)[:-len(".jsonl")],
        "model": "%s %dx%d dropout %g%s" % (settings.get("cell", "?"), settings.get("layers", 0),
                                           settings.get("hidden", 0), settings.get("dropout", 0),
                                           input_note(settings)),
        "lr": settings.get("learning_rate"), "schedule": settings.get("schedule"),
        "steps": steps, "best_val_nats": best["val_loss"], "best_val_bits": best["val_loss"] / math.log(2),
        "best_step": best["step"], "test_nats": math.log(test[0]["test_ppl"]) if test else None,
    }


def main():
    out = sys.argv[1]
    table = {}
    for text_dir in sorted(d for d in glob.glob(os.path.join(out, "*")) if os.path.isdir(d)):
        runs = [s for s in (summarize(p) for p in sorted(glob.glob(os.path.join(text_dir, "*.jsonl")))) if s]
        if runs:
            table[os.path.basename(text_dir)] = runs
    print("| text | run | model | steps | best val nats/char (bits) | at step | test nats/char |")
    print("|---|---|---|---|---|---|---|")
    for text, runs in table.items():
        for r in runs:
            test = "%.4f" % r["test_nats"] if r["test_nats"] is not None else "-"
            print("| %s | %s | %s | %d | %.4f (%.3f) | %d | %s |" % (text, r["run"], r["model"], r["steps"],
                  r["best_val_nats"], r["best_val_bits"], r["best_step"], test))
    with open(os.path.join(out, "summary.json"), "w", encoding="utf-8") as f:
        json.dump(table, f, indent=1)


if __name__ == "__main__":
    main()
