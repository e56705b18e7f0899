#!/usr/bin/env python3
"""The 90/5/5 split by characters that the PyTorch char-LM reference uses.

  split_text.py TEXT OUTDIR   writes OUTDIR/train.txt, val.txt and test.txt
"""
import sys

text = open(sys.argv[1], encoding="utf-8").read()
a, b = int(len(text) * 0.9), int(len(text) * 0.95)
for name, part in (("train", text[:a]), ("val", text[a:b]), ("test", text[b:])):
    with open("%s/%s.txt" % (sys.argv[2], name), "w", encoding="utf-8") as f:
        f.write(part)
