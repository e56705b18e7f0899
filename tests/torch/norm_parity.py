#!/usr/bin/env python3
"""A PyTorch reference for recur's normalised recurrent layers (--norm batch|layer).

  norm_parity.py MODEL TEXT SEQ   load a recur checkpoint into the module below with
                                  load_state_dict(strict=True) and print its mean loss
                                  (nats/token, batch 1, state carried in windows of SEQ,
                                  evaluation mode) over TEXT as JSON

The module is written from the papers, not from recur's code: for every layer

  pre = N_ih(W_ih x) + N_hh(W_hh h) + b_ih + b_hh          (the GRU: r * (N_hh(W_hn h) + b_hn))
  LSTM: c = f * c_prev + i * g,   h = o * tanh(N_c(c))

(Cooijmans et al. 2017, "Recurrent Batch Normalization"; Ba et al. 2016, "Layer
Normalization"). N is nn.functional.layer_norm over the pre-activations of one
example, or batch normalisation by the running averages of the step (row
min(t, S - 1) for step t of a window) in evaluation.
"""
import json
import sys

import torch
import torch.nn as nn
import torch.nn.functional as F

sys.path.insert(0, __file__.rsplit("/", 1)[0])
from parity import read_safetensors  # noqa: E402

EPS = 1e-5


class StepNorm(nn.Module):
    """One normalisation site: a gain, an optional shift, and for batch norm running
    averages per time step."""

    def __init__(self, kind, width, steps, shift):
        super().__init__()
        self.kind = kind
        self.weight = nn.Parameter(torch.ones(width))
        self.bias = nn.Parameter(torch.zeros(width)) if shift else None
        if kind == "batch":
            self.register_buffer("running_mean", torch.zeros(steps, width))
            self.register_buffer("running_var", torch.ones(steps, width))

    def forward(self, x, t):
        if self.kind == "layer":
            return F.layer_norm(x, x.shape[-1:], self.weight, self.bias, EPS)
        k = min(t, self.running_mean.shape[0] - 1)
        y = (x - self.running_mean[k]) / torch.sqrt(self.running_var[k] + EPS) * self.weight
        return y if self.bias is None else y + self.bias


class NormRNN(nn.Module):
    """nn.LSTM / nn.GRU / nn.RNN's parameters (same names) plus the norm submodules."""

    def __init__(self, cfg):
        super().__init__()
        self.cell, self.L, self.H = cfg["cell"], cfg["layers"], cfg["hidden"]
        kind, steps = cfg["norm"], cfg.get("norm_steps", 0)
        G = {"lstm": 4, "gru": 3}.get(self.cell, 1)
        for k in range(self.L):
            inp = cfg["embed"] if k == 0 else self.H
            for name, shape in (("weight_ih", (G * self.H, inp)), ("weight_hh", (G * self.H, self.H)),
                                ("bias_ih", (G * self.H,)), ("bias_hh", (G * self.H,))):
                self.register_parameter("%s_l%d" % (name, k), nn.Parameter(torch.zeros(shape)))
            setattr(self, "norm_ih_l%d" % k, StepNorm(kind, G * self.H, steps, False))
            setattr(self, "norm_hh_l%d" % k, StepNorm(kind, G * self.H, steps, False))
            if self.cell == "lstm":
                setattr(self, "norm_c_l%d" % k, StepNorm(kind, self.H, steps, True))

    def layer(self, k, x, state):
        p = lambda name: getattr(self, "%s_l%d" % (name, k))  # noqa: E731
        n_ih, n_hh = p("norm_ih"), p("norm_hh")
        H, out = self.H, []
        h, c = state if self.cell == "lstm" else (state, None)
        for t in range(x.shape[0]):
            a = n_ih(x[t] @ p("weight_ih").T, t) + p("bias_ih")
            b = n_hh(h @ p("weight_hh").T, t) + p("bias_hh")
            if self.cell == "lstm":
                i, f, g, o = (a + b).split(H, dim=-1)
                c = torch.sigmoid(f) * c + torch.sigmoid(i) * torch.tanh(g)
                h = torch.sigmoid(o) * torch.tanh(p("norm_c")(c, t))
            elif self.cell == "gru":
                r = torch.sigmoid(a[..., :H] + b[..., :H])
                z = torch.sigmoid(a[..., H:2 * H] + b[..., H:2 * H])
                n = torch.tanh(a[..., 2 * H:] + r * b[..., 2 * H:])
                h = (1 - z) * n + z * h
            else:
                h = torch.tanh(a + b) if self.cell == "rnn_tanh" else torch.relu(a + b)
            out.append(h)
        return torch.stack(out), ((h, c) if self.cell == "lstm" else h)

    def forward(self, x, states):
        new = []
        for k in range(self.L):
            x, s = self.layer(k, x, states[k])
            new.append(s)
        return x, new


class NormLM(nn.Module):
    def __init__(self, cfg):
        super().__init__()
        self.encoder = nn.Embedding(cfg["vocab_size"], cfg["embed"])
        self.rnn = NormRNN(cfg)
        self.decoder = nn.Linear(cfg["hidden"], cfg["vocab_size"])
        if cfg.get("tied"):
            self.decoder.weight = self.encoder.weight

    def forward(self, x, states):
        out, states = self.rnn(self.encoder(x), states)
        return self.decoder(out), states

    def zero_state(self):
        z = lambda: torch.zeros(1, self.rnn.H)  # noqa: E731
        return [(z(), z()) if self.rnn.cell == "lstm" else z() for _ in range(self.rnn.L)]


@torch.no_grad()
def main():
    torch.set_num_threads(1)
    path, text_path, seq = sys.argv[1], sys.argv[2], int(sys.argv[3])
    tensors, meta = read_safetensors(path)
    cfg, vocab = json.loads(meta["recur.config"]), json.loads(meta["recur.vocab"])
    model = NormLM(cfg).eval()
    model.load_state_dict(tensors, strict=True)
    stoi = {c: i for i, c in enumerate(vocab)}
    ids = [stoi[c] for c in open(text_path, encoding="utf-8").read()]
    state, total, count = model.zero_state(), 0.0, 0
    for i in range(0, len(ids) - 1, seq):
        j = min(i + seq, len(ids) - 1)
        logits, state = model(torch.tensor(ids[i:j]).view(-1, 1), state)
        y = torch.tensor(ids[i + 1:j + 1])
        total += F.cross_entropy(logits.view(-1, logits.size(-1)).double(), y, reduction="sum").item()
        count += j - i
    print(json.dumps({"loss": total / count, "tokens": count}))


if __name__ == "__main__":
    main()
