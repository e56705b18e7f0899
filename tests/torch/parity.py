#!/usr/bin/env python3
"""PyTorch parity for recur checkpoints, in both directions.

  parity.py check MODEL TEXT SEQ     load a recur checkpoint into a PyTorch model of the
                                     same config with load_state_dict(strict=True), print
                                     its mean loss (nats/token, batch 1, state carried in
                                     windows of SEQ) over TEXT as JSON
  parity.py write OUT TEXT CELL      write a PyTorch-initialised char model of the text's
                                     vocabulary as safetensors (with this file's own writer)
                                     and print its loss over TEXT as JSON

The safetensors reading and writing here is a separate, minimal implementation of the
published format, so recur's files are checked against an independent reader.
"""
import json
import struct
import sys

import torch
import torch.nn as nn
import torch.nn.functional as F


def read_safetensors(path):
    with open(path, "rb") as f:
        data = f.read()
    (n,) = struct.unpack("<Q", data[:8])
    header = json.loads(data[8:8 + n].decode("utf-8"))
    meta = header.pop("__metadata__", {})
    base = 8 + n
    tensors = {}
    for name, info in header.items():
        assert info["dtype"] == "F32", info
        b, e = info["data_offsets"]
        t = torch.frombuffer(bytearray(data[base + b:base + e]), dtype=torch.float32)
        tensors[name] = t.reshape(info["shape"]).clone()
    return tensors, meta


def write_safetensors(path, tensors, meta):
    header, blobs, off = {"__metadata__": meta}, [], 0
    for name, t in tensors.items():
        raw = t.detach().contiguous().to(torch.float32).numpy().tobytes()
        header[name] = {"dtype": "F32", "shape": list(t.shape), "data_offsets": [off, off + len(raw)]}
        blobs.append(raw)
        off += len(raw)
    h = json.dumps(header).encode("utf-8")
    h += b" " * (-len(h) % 8)
    with open(path, "wb") as f:
        f.write(struct.pack("<Q", len(h)) + h + b"".join(blobs))


class LM(nn.Module):
    """The model recur's names describe: encoder -> rnn -> decoder (word_language_model)."""

    def __init__(self, cfg):
        super().__init__()
        V, E, H, L = cfg["vocab_size"], cfg["embed"], cfg["hidden"], cfg["layers"]
        self.cell = cfg["cell"]
        self.encoder = nn.Embedding(V, E)
        if self.cell == "lstm":
            self.rnn = nn.LSTM(E, H, L)
        elif self.cell == "gru":
            self.rnn = nn.GRU(E, H, L)
        else:
            self.rnn = nn.RNN(E, H, L, nonlinearity="tanh" if self.cell == "rnn_tanh" else "relu")
        self.decoder = nn.Linear(H, V)
        if cfg.get("tied"):
            self.decoder.weight = self.encoder.weight
        self.L, self.H = L, H

    def forward(self, x, state):
        out, state = self.rnn(self.encoder(x), state)
        return self.decoder(out), state

    def zero_state(self):
        h = torch.zeros(self.L, 1, self.H)
        return (h, h.clone()) if self.cell == "lstm" else h


@torch.no_grad()
def mean_loss(model, ids, seq):
    state, total, count = model.zero_state(), 0.0, 0
    n = len(ids)
    for i in range(0, n - 1, seq):
        j = min(i + seq, n - 1)
        x = torch.tensor(ids[i:j]).view(-1, 1)
        y = torch.tensor(ids[i + 1:j + 1])
        logits, state = model(x, state)
        total += F.cross_entropy(logits.view(-1, logits.size(-1)).double(), y, reduction="sum").item()
        count += j - i
    return total / count, count


def main():
    torch.set_num_threads(1)
    mode = sys.argv[1]
    if mode == "check":
        path, text_path, seq = sys.argv[2], sys.argv[3], int(sys.argv[4])
        tensors, meta = read_safetensors(path)
        cfg, vocab = json.loads(meta["recur.config"]), json.loads(meta["recur.vocab"])
        model = LM(cfg)
        model.load_state_dict(tensors, strict=True)
        stoi = {c: i for i, c in enumerate(vocab)}
        text = open(text_path, encoding="utf-8").read()
        loss, n = mean_loss(model, [stoi[c] for c in text], seq)
        print(json.dumps({"loss": loss, "tokens": n}))
    elif mode == "write":
        out, text_path, cell = sys.argv[2], sys.argv[3], sys.argv[4]
        text = open(text_path, encoding="utf-8").read()
        vocab = sorted(set(text))
        torch.manual_seed(0)
        cfg = {"level": "char", "cell": cell, "layers": 2, "embed": 12, "hidden": 16,
               "vocab_size": len(vocab), "tied": False}
        model = LM(cfg)
        write_safetensors(out, model.state_dict(),
                          {"recur.config": json.dumps(cfg), "recur.vocab": json.dumps(vocab)})
        stoi = {c: i for i, c in enumerate(vocab)}
        loss, n = mean_loss(model, [stoi[c] for c in text], 50)
        print(json.dumps({"loss": loss, "tokens": n}))


if __name__ == "__main__":
    main()
