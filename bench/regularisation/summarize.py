#!/usr/bin/env python3
"""The regularisation table from bench/regularisation/run.sh's logs.

  summarize.py OUTDIR
      prints a Markdown table and writes OUTDIR/summary.json
  summarize.py OUTDIR --best-headline "NAME ..." SEED1 SEED2
      prints the headline setting with the best mean validation loss over
      both seeds (for the ensemble), or nothing

Per setting (means over its seeds, with the seeds' spread): the best
validation loss and its step, the training loss there (the mean of the logged
steps since the previous validation) and the gap, the test loss of the model
kept (batch 1), the wall time per training step and its ratio to `none`.
Character runs report nats per character; PTB runs perplexity.
"""
import glob
import json
import math
import os
import re
import sys


def one_run(path):
    rows = [json.loads(line) for line in open(path, encoding="utf-8") if line.strip()]
    train = [r for r in rows if "train_loss" in r]
    val = [r for r in rows if "val_loss" in r]
    test = [r for r in rows if "test_ppl" in r]
    settings = next((r["settings"] for r in rows if "settings" in r), {})
    if not val:
        return None
    best = min(val, key=lambda r: r["val_loss"])
    prev = max([r["step"] for r in val if r["step"] < best["step"]], default=0)
    near = [r["train_loss"] for r in train if prev < r["step"] <= best["step"]] or \
        [r["train_loss"] for r in train[-1:]] or [float("nan")]
    # Time per step from the training rows alone (validation passes excluded).
    spans = sorted((b["elapsed_s"] - a["elapsed_s"]) / (b["step"] - a["step"]) for a, b in zip(train, train[1:])
                   if b["step"] > a["step"] and not any(a["step"] < v["step"] <= b["step"] for v in val))
    return {
        "best_val": best["val_loss"], "best_step": best["step"], "train_at_best": sum(near) / len(near),
        "test": math.log(test[0]["test_ppl"]) if test else None,
        "steps": train[-1]["step"] if train else 0, "level": settings.get("level", "char"),
        "lr": settings.get("learning_rate"), "diverged": any(r.get("skipped") for r in train),
        "s_per_step": spans[len(spans) // 2] if spans else float("nan"),
    }


def runs_by_setting(out):
    table = {}
    for path in sorted(glob.glob(os.path.join(out, "*-seed*.jsonl"))):
        m = re.match(r"(.*)-seed(\d+)\.jsonl$", os.path.basename(path))
        run = one_run(path)
        if m and run:
            table.setdefault(m.group(1), {})[int(m.group(2))] = run
    return table


def mean(xs):
    xs = [x for x in xs if x is not None]
    return sum(xs) / len(xs) if xs else None


def summarize(out):
    table = runs_by_setting(out)
    none = table.get("none", {})
    base_cost = mean([r["s_per_step"] for r in none.values()])
    rows = []
    for name, seeds in table.items():
        runs = list(seeds.values())
        vals = [r["best_val"] for r in runs]
        row = {
            "setting": name, "seeds": sorted(seeds), "level": runs[0]["level"], "lr": runs[0]["lr"],
            "best_val": mean(vals), "val_spread": max(vals) - min(vals),
            "best_step": mean([r["best_step"] for r in runs]), "steps": runs[0]["steps"],
            "train_at_best": mean([r["train_at_best"] for r in runs]),
            "test": mean([r["test"] for r in runs]), "s_per_step": mean([r["s_per_step"] for r in runs]),
            "diverged": any(r["diverged"] for r in runs),
        }
        row["gap"] = row["best_val"] - row["train_at_best"]
        row["cost"] = row["s_per_step"] / base_cost if base_cost and not math.isnan(base_cost) else None
        rows.append(row)
    rows.sort(key=lambda r: r["best_val"])
    ensemble = None
    path = os.path.join(out, "ensemble.json")
    if os.path.exists(path):
        e = json.load(open(path))
        ensemble = {"setting": e["setting"], "test": e["eval"]["ensemble"]["loss"],
                    "best_member_test": math.log(e["eval"]["best_member_perplexity"])}
    return rows, ensemble


def show(loss, word):
    if loss is None:
        return "-"
    return "%.1f" % math.exp(loss) if word else "%.4f" % loss


def main():
    out = sys.argv[1]
    if len(sys.argv) > 2 and sys.argv[2] == "--best-headline":
        headline, s1, s2 = sys.argv[3].split(), int(sys.argv[4]), int(sys.argv[5])
        table = runs_by_setting(out)
        both = [(mean([table[n][s1]["best_val"], table[n][s2]["best_val"]]), n) for n in headline
                if n in table and s1 in table[n] and s2 in table[n]]
        if both:
            print(min(both)[1])
        return
    rows, ensemble = summarize(out)
    word = bool(rows) and rows[0]["level"] == "word"
    unit = "perplexity" if word else "nats/char"
    print("| setting | seeds | best val (%s) | seed spread | at step | train there | gap | test (%s) | s/step | cost vs none |"
          % (unit, unit))
    print("|---|---|---|---|---|---|---|---|---|---|")
    for r in rows:
        spread = "%.1f" % (math.exp(r["best_val"] + r["val_spread"]) - math.exp(r["best_val"])) if word \
            else "%.4f" % r["val_spread"]
        print("| %s%s | %s | %s | %s | %d | %s | %.4f | %s | %s | %s |" % (
            r["setting"], " (diverged steps)" if r["diverged"] else "", ",".join(map(str, r["seeds"])),
            show(r["best_val"], word), spread if len(r["seeds"]) > 1 else "-", r["best_step"],
            show(r["train_at_best"], word), r["gap"], show(r["test"], word),
            "-" if math.isnan(r["s_per_step"]) else "%.3f" % r["s_per_step"],
            "%.2fx" % r["cost"] if r["cost"] and not math.isnan(r["cost"]) else "-"))
    if ensemble:
        print("| ensemble of two seeds of %s | | | | | | | %s (best member %s) | | |" % (
            ensemble["setting"], show(ensemble["test"], word), show(ensemble["best_member_test"], word)))
    with open(os.path.join(out, "summary.json"), "w", encoding="utf-8") as f:
        json.dump({"rows": rows, "ensemble": ensemble}, f, indent=1)


if __name__ == "__main__":
    main()
