"""to_torch() and state_dict() against PyTorch: the same log-probabilities
to 1e-5 for every cell type, tied and untied, several layers, and
bidirectional tag, cloze and classify models."""
import numpy as np
import pytest

import recur

torch = pytest.importorskip("torch")

VOCAB = list("abcdefghij klmnopqrstuvwxyz.,\n")


def random_model(rng, **cfg):
    c = recur.Config(**cfg)
    D = 2 if c.bidirectional else 1
    E, H = c.embed or c.hidden, c.hidden
    G = {"lstm": 4, "gru": 3}.get(c.cell, 1)
    V = len(VOCAB)
    O = c.labels if c.task in ("tag", "classify") else V
    a = {"encoder.weight": rng.standard_normal((V, E))}
    for l in range(c.layers):
        for sfx in [""] + (["_reverse"] if D == 2 else []):
            inp = E if l == 0 else D * H
            a["rnn.weight_ih_l%d%s" % (l, sfx)] = rng.uniform(-0.5, 0.5, (G * H, inp))
            a["rnn.weight_hh_l%d%s" % (l, sfx)] = rng.uniform(-0.5, 0.5, (G * H, H))
            a["rnn.bias_ih_l%d%s" % (l, sfx)] = rng.uniform(-0.5, 0.5, G * H)
            a["rnn.bias_hh_l%d%s" % (l, sfx)] = rng.uniform(-0.5, 0.5, G * H)
    if not c.tied:
        a["decoder.weight"] = rng.uniform(-0.5, 0.5, (O, D * H))
    a["decoder.bias"] = rng.uniform(-0.5, 0.5, O)
    labels = ["L%d" % i for i in range(c.labels)] if c.labels else None
    return recur.Model.from_state_dict(c, VOCAB, a, labels=labels)


CONFIGS = [dict(cell=cell, layers=2, hidden=12, embed=7) for cell in ("rnn_tanh", "rnn_relu", "lstm", "gru")] + [
    dict(cell="lstm", layers=1, hidden=9, tied=True),
    dict(cell="gru", layers=3, hidden=5, embed=11),
    dict(cell="lstm", layers=2, hidden=8, bidirectional=True, task="cloze"),
    dict(cell="gru", layers=2, hidden=6, bidirectional=True, task="tag", labels=5),
    dict(cell="rnn_tanh", layers=2, hidden=7, bidirectional=True, task="cloze"),
    dict(cell="rnn_relu", layers=1, hidden=7, bidirectional=True, task="tag", labels=3),
    dict(cell="lstm", layers=2, hidden=6, bidirectional=True, task="classify", labels=4, pool="mean"),
    dict(cell="gru", layers=1, hidden=6, bidirectional=True, task="classify", labels=4, pool="last"),
]


@pytest.mark.parametrize("cfg", CONFIGS, ids=lambda c: "-".join(str(v) for v in c.values()))
def test_to_torch_log_probs(cfg):
    rng = np.random.default_rng(len(str(cfg)))
    m = random_model(rng, **cfg)
    text = "the quick brown fox, jumps over.\nthe lazy dog"
    ids = m.encode(text)
    want = m.log_probs(ids)
    module = m.to_torch()
    assert isinstance(module, torch.nn.Module) and not module.training
    with torch.no_grad():
        got, _ = module(torch.tensor(ids, dtype=torch.long))
    got = got.numpy().reshape(want.shape)
    assert np.abs(got - want).max() < 1e-5


@pytest.mark.parametrize("cell,cls", [("lstm", "LSTM"), ("gru", "GRU"), ("rnn_tanh", "RNN")])
def test_state_dict_loads_into_plain_torch_modules(cell, cls):
    """The names are PyTorch's: nn.Embedding + nn.<cell> + nn.Linear load them
    strictly, and compute recur's distribution."""
    m = random_model(np.random.default_rng(1), cell=cell, layers=2, hidden=10, embed=6)
    sd = {k: torch.from_numpy(np.array(v)) for k, v in m.state_dict().items()}
    enc = torch.nn.Embedding(len(VOCAB), 6)
    rnn = getattr(torch.nn, cls)(6, 10, num_layers=2)
    dec = torch.nn.Linear(10, len(VOCAB))
    enc.load_state_dict({"weight": sd["encoder.weight"]}, strict=True)
    rnn.load_state_dict({k[4:]: v for k, v in sd.items() if k.startswith("rnn.")}, strict=True)
    dec.load_state_dict({"weight": sd["decoder.weight"], "bias": sd["decoder.bias"]}, strict=True)
    ids = m.encode("hello there, general")
    with torch.no_grad():
        y, _ = rnn(enc(torch.tensor(ids).unsqueeze(1)))
        got = torch.log_softmax(dec(y.squeeze(1)), -1).numpy()
    assert np.abs(got - m.log_probs(ids)).max() < 1e-5


def test_trained_model(char_model):
    ids = char_model.encode("ROMEO:\nWhat say you?")
    with torch.no_grad():
        got, _ = char_model.to_torch()(torch.tensor(ids))
    assert np.abs(got.numpy() - char_model.log_probs(ids)).max() < 1e-5


def test_peephole_is_refused():
    cfg = recur.Config(cell="lstm", layers=1, hidden=4, peephole=True)
    V = len(VOCAB)
    a = {"encoder.weight": np.zeros((V, 4)), "rnn.weight_ih_l0": np.zeros((16, 4)), "rnn.weight_hh_l0": np.zeros((16, 4)),
         "rnn.bias_ih_l0": np.zeros(16), "rnn.bias_hh_l0": np.zeros(16), "rnn.peephole_i_l0": np.zeros(4),
         "rnn.peephole_f_l0": np.zeros(4), "rnn.peephole_o_l0": np.zeros(4), "decoder.weight": np.zeros((V, 4)),
         "decoder.bias": np.zeros(V)}
    m = recur.Model.from_state_dict(cfg, VOCAB, a)
    assert "rnn.peephole_f_l0" in m.state_dict()
    with pytest.raises(ValueError, match="peephole"):
        m.to_torch()
