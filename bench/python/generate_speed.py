#!/usr/bin/env python3
"""Chars/s of recur.Model.generate against `recur sample` on the same model,
seed and settings (a 2 x 512 character LSTM by default), medians of
several alternating runs, with the machine's load.

    python3 bench/python/generate_speed.py [--length 20000] [--runs 5] [--threads 1]

Needs build/recur and build/librecur.so (scripts/setup.sh)."""
import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import time

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
sys.path.insert(0, os.path.join(ROOT, "python"))
import recur  # noqa: E402

CLI = os.path.join(ROOT, "build", "recur")


def load():
    with open("/proc/loadavg") as f:
        return " ".join(f.read().split()[:3])


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--model", help="a model file (default: a fresh 2 x 512 LSTM, one training step)")
    ap.add_argument("--length", type=int, default=20000)
    ap.add_argument("--runs", type=int, default=5)
    ap.add_argument("--threads", type=int, default=1)
    ap.add_argument("--stream", action="store_true", help="time generate(stream=True) instead")
    a = ap.parse_args()
    tmp = tempfile.mkdtemp()
    model = a.model
    if not model:
        model = os.path.join(tmp, "lstm512.safetensors")
        subprocess.run([CLI, "train", "--data", os.path.join(ROOT, "data", "tinyshakespeare.txt"), "--out", model,
                        "--hidden", "512", "--layers", "2", "--steps", "1", "--quiet", "--threads", "2"], check=True,
                       stdout=subprocess.DEVNULL)
    recur.set_threads(a.threads)
    m = recur.Model.load(model)
    cli_rates, py_rates = [], []
    for run in range(a.runs):
        t = time.perf_counter()
        out = subprocess.run([CLI, "sample", "--model", model, "--prime", "ROMEO:", "--length", str(a.length),
                              "--seed", str(run + 1), "--threads", str(a.threads)], check=True,
                             stdout=subprocess.PIPE).stdout
        cli_rates.append(a.length / (time.perf_counter() - t))
        t = time.perf_counter()
        if a.stream:
            text = "".join(m.generate("ROMEO:", length=a.length, seed=run + 1, stream=True))
        else:
            text = m.generate("ROMEO:", length=a.length, seed=run + 1)
        py_rates.append(a.length / (time.perf_counter() - t))
        assert out.decode() == "ROMEO:" + text + "\n", "the Python text differs from recur sample's"
        print("run %d: recur sample %.0f chars/s, Python %.0f chars/s (load %s)" % (run + 1, cli_rates[-1],
                                                                                  py_rates[-1], load()))
    c, p = statistics.median(cli_rates), statistics.median(py_rates)
    print("median of %d: recur sample %.0f chars/s, recur.Model.generate%s %.0f chars/s: %.1f%% of the command's"
          % (a.runs, c, "(stream=True)" if a.stream else "", p, 100 * p / c))
    print("(the command's time includes its start and loading the model; %d tokens, %d thread(s))"
          % (a.length, a.threads))


if __name__ == "__main__":
    main()
