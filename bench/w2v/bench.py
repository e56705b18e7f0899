#!/usr/bin/python3
"""word2vec benchmark: recur against gensim and fastText, each where installed.

Every side trains on the same corpus with the same settings (skip-gram, dim
100, window 5, negative 5, min count 5, sample 1e-3, 5 epochs unless --iter,
2 threads) and is scored by recur's own analogy command (top 30,000 words,
counted as word2vec's compute-accuracy) and similarity command, so the scores
differ only by the training. The sides alternate run by run (recur, gensim,
fastText, recur, ...) so that a change in the machine's load hits them alike,
and each run records the load of other processes beside it: the CPU time the
whole machine spent busy during the run minus the run's own, per second of
wall time ("others", in cores), and the load average when it started.

How each is fed (the way it runs best here):
  recur     the corpus file as it is (a sentence is cut at 1,000 kept words);
  gensim    a list of 1,000-word sentences (bench/w2v/gensim_train.py);
            its corpus_file mode reads a one-line file as one sentence and ran
            2.4x slower and less accurately;
  fastText  `fasttext skipgram -minn 0 -maxn 0` (no subwords: plain
            word2vec) on the file as it is, its other defaults kept
            (learning rate 0.05).

  bench.py --recur build/recur [--runs 3] [--iter 5] [--sides recur,gensim,fasttext,recipe]
           [--recur-args="..."] [--recipe-args="..."] [--out bench/results/w2v-DATE.json]

The side "recipe" is recur with --recipe-args (its own --iter, its other
settings replacing the shared ones): the recipe for more accuracy at the wall
time of the fastest peer.

Writes one JSON object: every run and, per side, the medians.
"""
import argparse
import datetime
import json
import os
import re
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import time

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))


def busy_jiffies():
    """Busy CPU time of the whole machine, in clock ticks (user+nice+system+irq+softirq+steal)."""
    with open("/proc/stat") as f:
        v = [int(x) for x in f.readline().split()[1:]]
    return v[0] + v[1] + v[2] + v[5] + v[6] + v[7]


def children_cpu():
    r = resource.getrusage(resource.RUSAGE_CHILDREN)
    return r.ru_utime + r.ru_stime


def timed(cmd, out_path):
    """Runs cmd; returns (wall seconds, own CPU seconds, other processes in cores, stdout)."""
    hz = os.sysconf("SC_CLK_TCK")
    b0, c0, t0 = busy_jiffies(), children_cpu(), time.monotonic()
    with open(out_path, "w") as out:
        subprocess.run(cmd, stdout=out, stderr=subprocess.STDOUT, check=True)
    wall = time.monotonic() - t0
    own = children_cpu() - c0
    others = ((busy_jiffies() - b0) / hz - own) / wall
    with open(out_path) as f:
        return wall, own, others, f.read()


def machine_load():
    """The load average and the busiest processes, as `uptime` and `ps` show them."""
    ps = subprocess.run(["ps", "-eo", "pcpu,ni,comm", "--sort=-pcpu"], capture_output=True, text=True).stdout
    return {"loadavg": list(os.getloadavg()), "top_processes": ps.splitlines()[1:6]}


def score(recur, vectors, tmp):
    ana = subprocess.run([recur, "w2v", "analogy", "--vectors", vectors, "--questions",
                          os.path.join(ROOT, "data/w2v/questions-words.txt"), "--top", "30000"],
                         capture_output=True, text=True, check=True).stdout
    sim = subprocess.run([recur, "w2v", "similarity", "--vectors", vectors, "--wordsim",
                          os.path.join(ROOT, "data/w2v/wordsim353.tsv"), "--simlex",
                          os.path.join(ROOT, "data/w2v/simlex999.txt")],
                         capture_output=True, text=True, check=True).stdout

    def pick(pattern, text):
        m = re.search(pattern, text, re.M)
        return float(m.group(1)) if m else None

    return {
        "analogy_total": pick(r"^total: ([0-9.]+)%", ana),
        "analogy_semantic": pick(r"^semantic: ([0-9.]+)%", ana),
        "analogy_syntactic": pick(r"^syntactic: ([0-9.]+)%", ana),
        "questions_seen": pick(r"^questions seen: ([0-9]+)", ana),
        "wordsim353_spearman": pick(r"^wordsim353: spearman ([-0-9.]+)", sim),
        "simlex999_spearman": pick(r"^simlex999: spearman ([-0-9.]+)", sim),
    }


def command(side, args, corpus, out, seed):
    it, th = str(args.iter), str(args.threads)
    if side in ("recur", "recipe"):
        # The recipe's flags come last: recur takes the last value of a flag given twice.
        extra = args.recur_args if side == "recur" else args.recipe_args
        return ([args.recur, "w2v", "train", "--train", corpus, "--output", out + ".bin", "--binary", "1",
                 "--threads", th, "--seed", str(seed), "--iter", it, "--quiet"] + extra.split(),
                out + ".bin")
    if side == "gensim":
        return ([sys.executable, os.path.join(ROOT, "bench/w2v/gensim_train.py"), corpus, out + ".bin", th,
                 str(seed), it], out + ".bin")
    return ([shutil.which("fasttext"), "skipgram", "-input", corpus, "-output", out, "-dim", "100", "-ws", "5",
             "-neg", "5", "-minCount", "5", "-t", "1e-3", "-epoch", it, "-thread", th, "-minn", "0", "-maxn", "0",
             "-seed", str(seed), "-verbose", "2"], out + ".vec")


def available(side):
    if side == "gensim":
        return subprocess.run([sys.executable, "-c", "import gensim"], capture_output=True).returncode == 0
    if side == "fasttext":
        return shutil.which("fasttext") is not None
    return True


def main():
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--recur", required=True, help="path to the recur command")
    p.add_argument("--corpus", default=os.path.join(ROOT, "../shared/data/word2vec/corpus_en.txt"))
    p.add_argument("--runs", type=int, default=3, help="runs per side (seeds 1..runs)")
    p.add_argument("--iter", type=int, default=5, help="epochs, every side")
    p.add_argument("--threads", type=int, default=2)
    p.add_argument("--sides", default="recur,gensim,fasttext")
    p.add_argument("--recur-args", default="", help="extra flags for recur w2v train")
    p.add_argument("--recipe-args", default="--cbow 1 --iter 15",
                   help="flags of the side 'recipe' (recur tuned for accuracy per second)")
    p.add_argument("--label", default="", help="a name for this configuration, kept in the JSON")
    p.add_argument("--out", default=None)
    args = p.parse_args()
    if not os.path.exists(args.corpus):
        print(f"no corpus at {args.corpus} (give --corpus FILE)", file=sys.stderr)
        return 77
    sides = [s for s in args.sides.split(",") if s]
    for s in sides:
        if s not in ("recur", "recipe", "gensim", "fasttext"):
            print(f"unknown side {s!r} in --sides (recur, recipe, gensim, fasttext)", file=sys.stderr)
            return 2
    skipped = [s for s in sides if not available(s)]
    sides = [s for s in sides if s not in skipped]
    runs = []
    load_start = machine_load()
    with tempfile.TemporaryDirectory() as tmp:
        for r in range(args.runs):
            for side in sides:
                seed = r + 1
                base = os.path.join(tmp, f"{side}{seed}")
                cmd, vectors = command(side, args, args.corpus, base, seed)
                load = os.getloadavg()[0]
                wall, own, others, text = timed(cmd, base + ".log")
                run = {"side": side, "seed": seed, "wall_seconds": round(wall, 2), "cpu_seconds": round(own, 2),
                       "others_cores": round(others, 2), "loadavg_1min_before": round(load, 2)}
                m = re.search(r"words in ([0-9.]+) s", text)
                if m:
                    run["train_seconds"] = float(m.group(1))
                m = re.search(r"^(?:trained|gensim:) ([0-9]+) words", text, re.M)
                if m:
                    run["words_read"] = int(m.group(1))
                m = re.findall(r"([0-9]+) words/s/thread|words/sec/thread:\s*([0-9]+)", text)
                if m:  # recur, gensim: over the training; fastText: its last progress report
                    run["words_per_second_per_thread"] = int(m[-1][0] or m[-1][1])
                run.update(score(args.recur, vectors, tmp))
                runs.append(run)
                print(json.dumps(run), file=sys.stderr, flush=True)
                for f in os.listdir(tmp):
                    os.remove(os.path.join(tmp, f))
    summary = {}
    for side in sides:
        rs = [r for r in runs if r["side"] == side]
        med = {}
        for key in ("wall_seconds", "train_seconds", "analogy_total", "analogy_semantic", "analogy_syntactic",
                    "wordsim353_spearman", "simlex999_spearman", "others_cores", "words_per_second_per_thread"):
            vals = [r[key] for r in rs if r.get(key) is not None]
            if vals:
                med[key] = round(statistics.median(vals), 3)
        words = [r["words_read"] for r in rs if "words_read" in r]
        if words and "wall_seconds" in med:
            med["words_per_second_wall"] = round(statistics.median(words) / med["wall_seconds"])
        summary[side] = med
    with open("/proc/cpuinfo") as f:
        cpu = next((ln.split(":", 1)[1].strip() for ln in f if ln.startswith("model name")), "")
    result = {
        "bench": "w2v", "label": args.label,
        "date": datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ"),
        "cpu": cpu, "cores": os.cpu_count(), "corpus": os.path.basename(args.corpus),
        "settings": {"model": "skip-gram", "dim": 100, "window": 5, "negative": 5, "min_count": 5,
                     "sample": 1e-3, "iter": args.iter, "threads": args.threads, "recur_args": args.recur_args,
                     "recipe_args": args.recipe_args if "recipe" in sides else None},
        "skipped": skipped,
        # Paths shown relative to the repository (the program by its name), so
        # the results name no directory of the machine that made them.
        "commands": {s: " ".join(os.path.basename(a) if i == 0 else
                                 os.path.relpath(a, ROOT) if a.startswith(ROOT) else a
                                 for i, a in enumerate(command(s, args, "CORPUS", "OUT", "SEED")[0])) for s in sides},
        "load_start": load_start, "load_end": machine_load(),
        "medians": summary, "runs": runs,
    }
    text = json.dumps(result, indent=1)
    out = args.out or os.path.join(ROOT, "bench/results",
                                   "w2v-" + datetime.datetime.now().strftime("%Y%m%d-%H%M%S") + ".json")
    os.makedirs(os.path.dirname(out), exist_ok=True)
    with open(out, "w") as f:
        f.write(text + "\n")
    print(json.dumps(summary, indent=1))
    print(f"wrote {out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
