#!/usr/bin/env python3
"""Markdown tables for docs/ptb.md from the logs bench/ptb/run_suite.sh
leaves in OUTDIR: each run's per-epoch figures and test perplexities, and
the ensemble's gain.

usage: summarize.py OUTDIR"""
import json
import os
import sys


def read_log(path):
    epochs, test, settings = [], None, None
    for line in open(path):
        line = line.strip()
        if not line:
            continue
        o = json.loads(line.replace(":nan", ":null"))
        if "epoch_end" in o:
            epochs.append(o)
        elif "test_ppl" in o:
            test = o
        elif "settings" in o:
            settings = o
    return epochs, test, settings


def fmt_s(s):
    return "%d:%02d:%02d" % (s // 3600, s % 3600 // 60, s % 60)


def main():
    out = sys.argv[1]
    runs = [("small-s1", "ptb-small, seed 1"), ("small-s2", "ptb-small, seed 2"),
            ("small-tied-s1", "ptb-small-tied, seed 1")]
    print("| run | epochs | valid ppl | test ppl (batch 1) | test ppl (batched) | words/s (median epoch) | wall |")
    print("|---|---|---|---|---|---|---|")
    for name, label in runs:
        path = os.path.join(out, name + ".jsonl")
        if not os.path.exists(path):
            continue
        epochs, test, settings = read_log(path)
        if not epochs:
            continue
        wps = sorted(e["words_per_s"] for e in epochs)[len(epochs) // 2]
        print("| %s | %d | %.2f | %s | %s | %.0f | %s |" % (
            label, len(epochs), epochs[-1]["valid_ppl"],
            "%.2f" % test["test_ppl"] if test else "-",
            "%.2f" % test["test_ppl_batched"] if test else "-", wps,
            fmt_s(settings["wall_s"]) if settings else "(running)"))
    for name, label in runs:
        path = os.path.join(out, name + ".jsonl")
        if not os.path.exists(path):
            continue
        epochs, test, settings = read_log(path)
        print("\n%s:\n" % label)
        print("| epoch | lr | train ppl | valid ppl | train s | words/s |")
        print("|---|---|---|---|---|---|")
        for e in epochs:
            print("| %d | %.4g | %.2f | %.2f | %.0f | %.0f |" % (
                e["epoch_end"], e["learning_rate"], e["train_ppl"], e["valid_ppl"], e["train_s"],
                e["words_per_s"]))
    ens = os.path.join(out, "ensemble.json")
    if os.path.exists(ens) and os.path.getsize(ens) > 0:
        o = json.load(open(ens))
        members = [m["result"]["perplexity"] for m in o["models"]]
        e = o["ensemble"]["perplexity"]
        print("\nensemble of %d: members %s, ensemble %.2f: %.2f below the best member (%.1f%%)" % (
            len(members), ", ".join("%.2f" % p for p in members), e, min(members) - e,
            100 * (min(members) - e) / min(members)))


if __name__ == "__main__":
    main()
