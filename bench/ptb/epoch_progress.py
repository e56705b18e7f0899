#!/usr/bin/env python3
"""Prints a `recur train --log-every 1` log's first-epoch progress as
ptb_word_lm.py's run_epoch prints it: at 0-based step i with
i % (epoch_size // 10) == 10, "fraction perplexity: exp(mean loss of steps
0..i) speed: words/s", so that the figures line up with TensorFlow's.

usage: epoch_progress.py LOG EPOCH_SIZE BATCH NUM_STEPS"""
import json
import math
import sys


def main():
    path, epoch_size, batch, num_steps = sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), int(sys.argv[4])
    losses, tps = {}, {}
    for line in open(path):
        o = json.loads(line.replace(":nan", ":null"))
        if "train_loss" in o and o.get("epoch") == 1:
            losses[o["step"]] = o["train_loss"]
            tps[o["step"]] = o.get("tokens_per_s")
    if not losses:
        return
    if any(s not in losses for s in range(1, max(losses) + 1)):
        sys.exit("the log must have every step (--log-every 1)")
    total = 0.0
    for i in range(max(losses)):
        total += losses[i + 1]
        if i % (epoch_size // 10) == 10:
            print("%.3f perplexity: %.3f speed: %.0f wps" % (i / epoch_size, math.exp(total / (i + 1)), tps[i + 1]))
    print("after %d steps: perplexity %.3f" % (max(losses), math.exp(total / max(losses))))


if __name__ == "__main__":
    main()
