#!/usr/bin/env python3
"""PyTorch parity for recur's bidirectional task models.

  bidir_parity.py tag MODEL SCORES        MODEL: a recur tagger without word features;
                                          SCORES: `recur tag --scores` output. Rebuilds the
                                          model as nn.Embedding -> nn.LSTM/GRU/RNN(bidirectional)
                                          -> nn.Linear, loads the checkpoint with strict=True,
                                          tags the same sentences and prints the largest
                                          difference of any label probability as JSON.
  bidir_parity.py classify MODEL OUTPUT   OUTPUT: `recur classify --all` lines; pools as the
                                          config says (mean over steps, or the forward half at
                                          the last step and the backward half at the first).
"""
import json
import os
import sys

import torch
import torch.nn as nn

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from parity import read_safetensors  # noqa: E402

UNKNOWN_CHAR = "\ue001"


class TaskNet(nn.Module):
    """encoder -> rnn (bidirectional as configured) -> decoder, recur's tensor names."""

    def __init__(self, cfg):
        super().__init__()
        V, E, H, L = cfg["vocab_size"], cfg["embed"], cfg["hidden"], cfg["layers"]
        bi = bool(cfg.get("bidirectional"))
        cell = cfg["cell"]
        self.encoder = nn.Embedding(V, E)
        if cell == "lstm":
            self.rnn = nn.LSTM(E, H, L, bidirectional=bi)
        elif cell == "gru":
            self.rnn = nn.GRU(E, H, L, bidirectional=bi)
        else:
            self.rnn = nn.RNN(E, H, L, nonlinearity="tanh" if cell == "rnn_tanh" else "relu", bidirectional=bi)
        self.decoder = nn.Linear(H * (2 if bi else 1), cfg["labels"])
        self.H, self.bi, self.pool = H, bi, cfg.get("pool", "mean")

    def outputs(self, ids):
        out, _ = self.rnn(self.encoder(torch.tensor(ids).view(-1, 1)))
        return out[:, 0, :]  # [T][D*H]

    def tag(self, ids):
        return torch.softmax(self.decoder(self.outputs(ids)), dim=-1)

    def classify(self, ids):
        out = self.outputs(ids)
        if self.pool == "last":
            pooled = out[-1, : self.H]
            if self.bi:
                pooled = torch.cat([pooled, out[0, self.H:]])
        else:
            pooled = out.mean(dim=0)
        return torch.softmax(self.decoder(pooled), dim=-1)


def load(path):
    tensors, meta = read_safetensors(path)
    cfg = json.loads(meta["recur.config"])
    model = TaskNet(cfg)
    model.load_state_dict(tensors, strict=True)
    return model, json.loads(meta["recur.vocab"]), json.loads(meta["recur.labels"]), cfg


@torch.no_grad()
def check_tag(model_path, scores_path):
    model, vocab, labels, cfg = load(model_path)
    assert cfg["task"] == "tag" and not cfg.get("feature_size"), cfg
    stoi = {w: i for i, w in enumerate(vocab)}
    unk = stoi["<unk>"]
    sentences, cur = [], []
    for line in open(scores_path, encoding="utf-8"):
        line = line.rstrip("\n")
        if not line:
            if cur:
                sentences.append(cur)
            cur = []
            continue
        word, tag, probs = line.split("\t")
        cur.append((word, tag, [float(p) for p in probs.split()]))
    if cur:
        sentences.append(cur)
    worst, tokens, same_tag = 0.0, 0, 0
    for s in sentences:
        probs = model.tag([stoi.get(w, unk) for w, _, _ in s])
        for (w, tag, ours), theirs in zip(s, probs):
            worst = max(worst, max(abs(a - b) for a, b in zip(ours, theirs.tolist())))
            same_tag += labels[int(theirs.argmax())] == tag
            tokens += 1
    print(json.dumps({"sentences": len(sentences), "tokens": tokens, "max_abs_diff": worst,
                      "same_tag": same_tag}))


@torch.no_grad()
def check_classify(model_path, output_path):
    model, vocab, labels, cfg = load(model_path)
    assert cfg["task"] == "classify", cfg
    stoi = {c: i for i, c in enumerate(vocab)}
    worst, lines = 0.0, 0
    for line in open(output_path, encoding="utf-8"):
        fields = line.rstrip("\n").split("\t")
        ours = {k: float(v) for k, v in (f.split("=", 1) for f in fields[2:2 + len(labels)])}
        text = "\t".join(fields[2 + len(labels):])[:200]
        probs = model.classify([stoi.get(c, stoi[UNKNOWN_CHAR]) for c in text])
        worst = max(worst, max(abs(ours[l] - p) for l, p in zip(labels, probs.tolist())))
        lines += 1
    print(json.dumps({"lines": lines, "max_abs_diff": worst}))


def main():
    torch.set_num_threads(1)
    if sys.argv[1] == "tag":
        check_tag(sys.argv[2], sys.argv[3])
    elif sys.argv[1] == "classify":
        check_classify(sys.argv[2], sys.argv[3])
    else:
        sys.exit("usage: bidir_parity.py tag|classify MODEL OUTPUT")


if __name__ == "__main__":
    main()
