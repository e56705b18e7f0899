#!/usr/bin/env python3
"""Pools several bench/run.sh result files into one table: per workload,
the median of every run of every file on each side, their ratio, and the
range of the per-file ratios. On a machine whose speed drifts between runs
(a shared virtual machine), the pooled median says more than any one file.

Usage: bench/pool.py bench/results/bench-A.json bench/results/bench-B.json ...
Pool only files whose code did not change in between for the workloads you read."""
import json
import statistics
import sys

files = [json.load(open(path)) for path in sys.argv[1:]]
if not files:
    sys.exit(__doc__)
names = []
for f in files:
    names += [n for n in f["summary"] if n not in names]
print(f"pooled over {len(files)} files: " + ", ".join(f["date"] for f in files))
print("| workload | recur | PyTorch | pooled ratio | per-file ratios | runs per side |")
print("|---|---:|---:|---:|---|---:|")
for n in names:
    entries = [f["summary"][n] for f in files if n in f["summary"]]
    recur = [x for e in entries if "recur" in e for x in e["recur"]["runs"]]
    torch = [x for e in entries if "torch" in e for x in e["torch"]["runs"]]
    if not recur or not torch:
        continue
    ratios = ", ".join(f"{e['ratio']:.2f}x" for e in entries if "ratio" in e)
    r, t = statistics.median(recur), statistics.median(torch)
    print(f"| {n} | {r:,.0f} | {t:,.0f} | {r / t:.2f}x | {ratios} | {len(recur)} |")
