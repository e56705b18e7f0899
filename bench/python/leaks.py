#!/usr/bin/env python3
"""Resident size over many load / generate / free cycles of the Python
package (10,000 by default): a flat line means every C object is freed.

    python3 bench/python/leaks.py [--cycles 10000] [--model MODEL]"""
import argparse
import os
import subprocess
import sys
import tempfile

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
sys.path.insert(0, os.path.join(ROOT, "python"))
import recur  # noqa: E402


def rss_kib():
    with open("/proc/self/statm") as f:
        return int(f.read().split()[1]) * os.sysconf("SC_PAGE_SIZE") // 1024


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--cycles", type=int, default=10000)
    ap.add_argument("--model")
    a = ap.parse_args()
    model = a.model
    if not model:
        tmp = tempfile.mkdtemp()
        data = os.path.join(tmp, "t.txt")
        with open(os.path.join(ROOT, "data", "tinyshakespeare.txt"), encoding="utf-8") as f, \
                open(data, "w", encoding="utf-8") as g:
            g.write(f.read(20000))
        model = os.path.join(tmp, "m.safetensors")
        subprocess.run([os.path.join(ROOT, "build", "recur"), "train", "--data", data, "--out", model, "--hidden",
                        "64", "--steps", "5", "--batch", "8", "--seq", "16", "--quiet"], check=True,
                       stdout=subprocess.DEVNULL)
    marks = []
    for i in range(a.cycles):
        with recur.Model.load(model) as m:
            m.generate("ROMEO:", length=20, seed=i)
            m.state_dict()
        if i % (a.cycles // 10 or 1) == 0 or i == a.cycles - 1:
            marks.append((i + 1, rss_kib()))
            print("cycle %6d: RSS %d KiB" % marks[-1], flush=True)
    first = marks[1][1] if len(marks) > 1 else marks[0][1]
    print("RSS from cycle %d to %d: %+d KiB" % (marks[1][0] if len(marks) > 1 else 1, marks[-1][0],
                                               marks[-1][1] - first))


if __name__ == "__main__":
    main()
