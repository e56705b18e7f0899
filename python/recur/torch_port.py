"""A recur model as a torch.nn.Module: nn.Embedding, nn.LSTM / nn.GRU /
nn.RNN (bidirectional where recur's is), nn.Linear, loaded from
state_dict() with load_state_dict(strict=True). forward gives the
log-probabilities recur's log_probs does."""


def to_torch(model):
    try:
        import torch
        from torch import nn
    except ImportError as e:
        raise ImportError("to_torch needs PyTorch (python3-torch, or pip install torch)") from e
    c = model.config
    if c.peephole:
        raise ValueError("PyTorch's nn.LSTM has no peephole connections; this model has them")
    if c.feature_size:
        raise ValueError("a tag model with word features has no plain PyTorch equivalent")
    if c.norm != "none":
        raise ValueError("nn.LSTM/GRU/RNN have no normalised cells; this model has --norm %s (the repository's "
                         "tests/torch/norm_parity.py is a module that has them)" % c.norm)
    E = c.embed or c.hidden
    D = 2 if c.bidirectional else 1
    out_size = c.labels if c.task in ("tag", "classify") else c.vocab_size

    class RecurModule(nn.Module):
        """encoder -> rnn -> decoder, with recur's names and weights."""

        def __init__(self):
            super().__init__()
            self.task, self.pool, self.cell = c.task, c.pool, c.cell
            self.encoder = nn.Embedding(c.vocab_size, E)
            kw = dict(num_layers=c.layers, dropout=c.dropout if c.layers > 1 else 0.0, bidirectional=bool(D == 2))
            if c.cell == "lstm":
                self.rnn = nn.LSTM(E, c.hidden, **kw)
            elif c.cell == "gru":
                self.rnn = nn.GRU(E, c.hidden, **kw)
            else:
                self.rnn = nn.RNN(E, c.hidden, nonlinearity="tanh" if c.cell == "rnn_tanh" else "relu", **kw)
            self.drop = nn.Dropout(c.dropout)
            self.decoder = nn.Linear(D * c.hidden, out_size)
            if c.tied:
                self.decoder.weight = self.encoder.weight

        def forward(self, ids, state=None):
            """ids: LongTensor [T] or [T, B]. Returns (log-probabilities
            [T, (B,) outputs], or [(B,) labels] for a classifier; the final
            recurrent state)."""
            single = ids.dim() == 1
            x = ids.unsqueeze(1) if single else ids
            y, state = self.rnn(self.drop(self.encoder(x)), state)
            if self.task == "classify":
                H = y.shape[-1] // D
                if self.pool == "mean":
                    y = y.mean(0)
                else:  # forward half at the last step, backward half at the first
                    y = torch.cat([y[-1, :, :H], y[0, :, H:]], dim=-1) if D == 2 else y[-1]
            out = torch.log_softmax(self.decoder(self.drop(y)), dim=-1)
            return (out.squeeze(-2) if single else out), state

    m = RecurModule()
    sd = {k: torch.from_numpy(v.copy()) for k, v in model.state_dict().items()}
    m.load_state_dict(sd, strict=True)
    return m.eval()
