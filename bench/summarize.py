#!/usr/bin/env python3
"""Summarises bench/run.sh's raw JSON lines: medians per workload and side,
ratios recur/PyTorch, % of the sgemm peak measured in the same run, peak RSS;
prints a markdown table and writes bench/results/bench-DATE.json."""
import json
import os
import platform
import statistics
import subprocess
import sys
import time

raw, outdir = sys.argv[1], sys.argv[2]
rows = [json.loads(line) for line in open(raw) if line.strip()]


def figure(d):
    """(value, unit) of one result: throughput, higher is better."""
    if d["name"] == "sgemm2048":
        if "gflops" in d:
            return d["gflops"], "GFLOP/s"
        return d.get("gflops_best", d.get("gflops_median", 0)), "GFLOP/s"
    if d.get("mode") == "read":
        return d["gb_per_s"], "GB/s"
    if d.get("mode") == "fma":
        return d["gfma_per_s"], "GFMA/s"
    if d["name"].startswith("sample") or d.get("mode") == "streams":
        # oneDNN's batch-1 LSTM reports steps/s: a step is a character.
        v = d.get("chars_per_s") or d.get("sample", {}).get("chars_per_s") or d.get("steps_per_s")
        return v, "chars/s"
    v = d.get("tokens_per_s") or d.get("bench", {}).get("tokens_per_s") or d.get("bench", {}).get("words_per_s")
    return v, "tokens/s"


def cpu_model():
    try:
        for line in open("/proc/cpuinfo"):
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor()


names = []
for d in rows:
    if d["name"] not in names:
        names.append(d["name"])
summary = {}
for n in names:
    entry = {}
    for side in ("recur", "recur-1", "torch", "onednn"):
        vals = [figure(d)[0] for d in rows if d["name"] == n and d["side"] == side and figure(d)[0]]
        rss = [d.get("max_rss_kb", 0) / 1024 for d in rows if d["name"] == n and d["side"] == side]
        load = [d["others_cores"] for d in rows if d["name"] == n and d["side"] == side
                and d.get("others_cores") is not None]
        nice = [d["others_nice_cores"] for d in rows if d["name"] == n and d["side"] == side
                and d.get("others_nice_cores") is not None]
        if vals:
            entry[side] = {"median": statistics.median(vals), "runs": vals, "unit": figure(
                next(d for d in rows if d["name"] == n))[1], "peak_rss_mb": max(rss) if rss else None,
                "others_cores": load, "others_nice_cores": nice}
    if "recur" in entry and "torch" in entry:
        entry["ratio"] = entry["recur"]["median"] / entry["torch"]["median"]
    for side, key in (("recur-1", "ratio_to_one_thread"), ("onednn", "ratio_to_onednn")):
        if "recur" in entry and side in entry:
            entry[key] = entry["recur"]["median"] / entry[side]["median"]
    summary[n] = entry

peak = summary.get("sgemm2048", {}).get("recur", {}).get("median")
for n, e in summary.items():
    gf = [d.get("gflops") for d in rows if d["name"] == n and d["side"] == "recur" and d.get("mode") == "train"]
    if gf:
        e["recur"]["gflops_median"] = statistics.median(gf)
    ogf = [d.get("gflops") for d in rows if d["name"] == n and d["side"] == "onednn" and d.get("gflops")]
    if gf and ogf:
        # recur's products run in the whole step against oneDNN's RNN primitives alone
        e["gflops_ratio_to_onednn"] = statistics.median(gf) / statistics.median(ogf)
        e["onednn"]["gflops_median"] = statistics.median(ogf)
    if gf and peak:
        e["recur"]["pct_of_sgemm_peak"] = 100 * statistics.median(gf) / peak
        # The nominal count (3x the model's forward products), which a run
        # that skips products (the char models' token table) exceeds.
        gm = [d["gflops_model"] for d in rows if d["name"] == n and d["side"] == "recur" and "gflops_model" in d]
        if gm:
            e["recur"]["gflops_model_median"] = statistics.median(gm)
            e["recur"]["pct_of_sgemm_peak_model_count"] = 100 * statistics.median(gm) / peak

contend = int(os.environ.get("CONTEND", "0") or 0)
if contend:
    def med(xs):
        return f"{statistics.median(xs):.2f}" if xs else ""
    print(f"Contention: {contend} competing busy process(es) on {os.cpu_count()} cores; "
          "others = median CPU cores in use by other processes during the runs (competing ones included) / nice'd")
    print("| workload | recur default | recur --threads 1 | default / 1 thread | PyTorch | recur / PyTorch "
          "| oneDNN | recur / oneDNN | others (recur runs) |")
    print("|---|---:|---:|---:|---:|---:|---:|---:|---:|")
    for n, e in summary.items():
        r = e.get("recur")
        if not r:
            continue
        cells = [f"{n} ({r['unit']})", f"{r['median']:,.0f}"]
        one = e.get("recur-1")
        cells += [f"{one['median']:,.0f}", f"{e['ratio_to_one_thread']:.2f}x"] if one else ["", ""]
        t = e.get("torch")
        cells += [f"{t['median']:,.0f}", f"{e['ratio']:.2f}x"] if t else ["", ""]
        o = e.get("onednn")
        cells += [f"{o['median']:,.0f}", f"{e['ratio_to_onednn']:.2f}x"] if o else ["", ""]
        cells.append(f"{med(r['others_cores'])} / {med(r['others_nice_cores'])}")
        print("| " + " | ".join(cells) + " |")
    print()

print("| workload | recur | PyTorch | ratio | oneDNN (RNN part) | ratio | GFLOP/s recur / oneDNN "
      "| % of sgemm peak (products run / model count) | peak RSS recur / PyTorch (MB) |")
print("|---|---:|---:|---:|---:|---:|---:|---:|---:|")
for n, e in summary.items():
    r, t, o = e.get("recur"), e.get("torch"), e.get("onednn")
    if not r:
        continue
    pct = f"{r['pct_of_sgemm_peak']:.0f}%" if "pct_of_sgemm_peak" in r else ""
    if pct and "pct_of_sgemm_peak_model_count" in r:
        pct += f" / {r['pct_of_sgemm_peak_model_count']:.0f}%"
    rss = f"{r['peak_rss_mb']:.0f} / {t['peak_rss_mb']:.0f}" if t and r["peak_rss_mb"] and t["peak_rss_mb"] else ""
    cells = [f"{n} ({r['unit']})", f"{r['median']:,.0f}"]
    cells += [f"{t['median']:,.0f}", f"{e['ratio']:.2f}x"] if t else ["", ""]
    cells += [f"{o['median']:,.0f}", f"{e['ratio_to_onednn']:.2f}x"] if o else ["", ""]
    cells.append(f"{r['gflops_median']:.0f} / {o['gflops_median']:.0f} = {e['gflops_ratio_to_onednn']:.2f}x"
                 if "gflops_ratio_to_onednn" in e and "gflops_median" in r else "")
    cells += [pct, rss]
    print("| " + " | ".join(cells) + " |")

# Many streams against one, and batch-1 sampling against the read
# bandwidth, each from the same run.
def med(name, key=None):
    vals = [d[key] if key else figure(d)[0] for d in rows
            if d["name"] == name and d["side"] == "recur" and (not key or key in d)]
    return statistics.median(vals) if vals else None


one = med("streams-lstm2x512-s1")
for n in summary:
    many = med(n) if n.startswith("streams-lstm2x512-s") else None
    if one and many and n != "streams-lstm2x512-s1":
        summary[n]["recur"]["vs_one_stream"] = many / one
        print(f"{n}: {many / one:.2f}x one stream's chars/s")
# Once the weights are read once for all streams, the FMAs bound them: a
# char is one FMA a weight (bytes_per_char / 4 at f32).
fma, per32 = med("fma-peak"), med("sample-lstm2x512", "bytes_per_char")
if fma and per32 and one:
    bound = fma * 1e9 / (per32 / 4)
    print(f"many streams: at most {bound:,.0f} chars/s at the FMA peak ({fma:.1f} GFMA/s), "
          f"{bound / one:.2f}x one stream's chars/s")
    summary["fma-peak"]["recur"]["streams_bound_vs_one_stream"] = bound / one
read = med("read-sampler-weights")
for n in ("sample-lstm2x512", "sample-lstm2x512-f16", "sample-lstm2x512-i8"):
    gbs, per = med(n, "weights_gb_per_s"), med(n, "bytes_per_char")
    if gbs and per:
        line = f"{n}: {per / 1e6:.2f} MB of weights a char, {gbs:.1f} GB/s"
        if read:
            summary[n]["recur"]["pct_of_read_bandwidth"] = 100 * gbs / read
            line += f" = {100 * gbs / read:.0f}% of the read bandwidth ({read:.1f} GB/s)"
        print(line)

try:
    commit = subprocess.run(["git", "rev-parse", "--short", "HEAD"], capture_output=True, text=True).stdout.strip()
except OSError:
    commit = ""
blas = next((d.get("blas") for d in rows if d.get("blas")), "")
record = {
    "commit": commit, "date": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()), "cpu": cpu_model(),
    "cores": os.cpu_count(), "blas": blas, "openblas_coretype": os.environ.get("OPENBLAS_CORETYPE", ""),
    "threads": ({"recur": "default", "recur-1": 1, "torch": "default, GOMP_SPINCOUNT=0", "onednn": "default"}
                if contend else {"recur": 2, "torch": "2, GOMP_SPINCOUNT=0", "onednn": 2}),
    "contenders": contend, "summary": summary, "raw": rows,
}
path = os.path.join(outdir, ("contend%d-" % contend if contend else "bench-") + time.strftime("%Y%m%d-%H%M%S") + ".json")
with open(path, "w") as f:
    json.dump(record, f, indent=1)
print(f"\nwritten {path}")
