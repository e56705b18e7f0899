#!/usr/bin/env python3
"""Turns a `recur train --log` file of a PTB run into a results JSON for
bench/results/: commit, date, machine, settings, per-epoch figures, test
perplexities (batch 1 and batched) and wall time.

usage: make_results.py LOG OUT.json --commit SHA [--command "..."] [--env K=V ...]
                       [--load LOADLOG] [--note TEXT]
LOADLOG holds lines "ISO-TIME load1 load5 load15" sampled during the run
(the machine is shared; the mean 1-minute load says how busy it was)."""
import argparse
import datetime
import json
import math
import os
import platform


def cpu_model():
    try:
        with open("/proc/cpuinfo") as f:
            for line in f:
                if line.startswith("model name"):
                    return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or "unknown"


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("log")
    ap.add_argument("out")
    ap.add_argument("--commit", required=True)
    ap.add_argument("--command", default="")
    ap.add_argument("--env", action="append", default=[])
    ap.add_argument("--load")
    ap.add_argument("--note", default="")
    ap.add_argument("--window", type=int, default=0,
                    help="also report the train perplexity of every WINDOW steps (for short runs)")
    a = ap.parse_args()
    epochs, test, settings = [], None, None
    train_rows, validations = [], []
    with open(a.log) as f:
        for line in f:
            line = line.strip()
            if not line:
                continue
            o = json.loads(line.replace(":nan", ":null"))
            if "epoch_end" in o:
                epochs.append({
                    "epoch": o["epoch_end"], "lr": o["learning_rate"],
                    "train_ppl": round(o["train_ppl"], 3),
                    "valid_ppl": None if o["valid_ppl"] is None else round(o["valid_ppl"], 3),
                    "words_per_s": round(o["words_per_s"]), "train_s": round(o["train_s"], 1),
                    "elapsed_s": round(o["elapsed_s"], 1)})
            elif "test_ppl" in o:
                test = o
            elif "settings" in o:
                settings = o
            elif "train_loss" in o:
                train_rows.append(o)
            elif "val_loss" in o:
                validations.append({"step": o["step"], "valid_ppl": round(math.exp(o["val_loss"]), 3),
                                    "valid_tokens": o["val_tokens"], "elapsed_s": round(o["elapsed_s"], 1)})
    mtime = datetime.datetime.fromtimestamp(os.path.getmtime(a.log), datetime.timezone.utc)
    last_elapsed = max([r["elapsed_s"] for r in train_rows] + [v["elapsed_s"] for v in validations] +
                       [settings["wall_s"] if settings else 0.0])
    start = mtime - datetime.timedelta(seconds=last_elapsed)
    load = None
    if a.load and os.path.exists(a.load):
        vals = []
        for l in open(a.load):
            parts = l.split()
            if len(parts) < 2:
                continue
            t = datetime.datetime.strptime(parts[0], "%Y-%m-%dT%H:%M:%SZ").replace(tzinfo=datetime.timezone.utc)
            if start <= t <= mtime:
                vals.append(float(parts[1]))
        if vals:
            load = {"samples": len(vals), "mean_load1": round(sum(vals) / len(vals), 2),
                    "max_load1": max(vals), "min_load1": min(vals)}
    windows = []
    if a.window > 0:
        for end in range(a.window, len(train_rows) + 1, a.window):
            chunk = [r for r in train_rows if end - a.window < r["step"] <= end]
            if len(chunk) == a.window and all(r["train_loss"] is not None for r in chunk):
                windows.append({"steps": "%d-%d" % (end - a.window + 1, end),
                                "train_ppl": round(math.exp(sum(r["train_loss"] for r in chunk) / len(chunk)), 1),
                                "words_per_s": round(sum(r["tokens_per_s"] for r in chunk) / len(chunk)),
                                "elapsed_s": round(chunk[-1]["elapsed_s"], 1)})
    result = {
        "commit": a.commit,
        "date": mtime.strftime("%Y-%m-%dT%H:%M:%SZ"),
        "started": start.strftime("%Y-%m-%dT%H:%M:%SZ"),
        "machine": {"cpu": cpu_model(), "cores": os.cpu_count(), "os": platform.platform()},
        "command": a.command,
        "env": dict(kv.split("=", 1) for kv in a.env),
        "settings": settings["settings"] if settings else None,
        "steps_done": settings["steps_done"] if settings else (train_rows[-1]["step"] if train_rows else 0),
        "epochs_done": len(epochs),
        "epochs": epochs,
        "validations": validations,
        "train_windows": windows,
        "test_ppl_batch1": round(test["test_ppl"], 3) if test else None,
        "test_ppl_batched": round(test["test_ppl_batched"], 3) if test else None,
        "test_batch1_s": round(test["test_s"], 1) if test else None,
        "test_batched_s": round(test["test_batched_s"], 1) if test else None,
        "wall_s": round(settings["wall_s"], 1) if settings else None,
        "machine_load_during_run": load,
        "note": a.note,
    }
    with open(a.out, "w") as f:
        json.dump(result, f, indent=1)
        f.write("\n")


if __name__ == "__main__":
    main()
