"""Models: load, save, config, vocab, parameters, encode/decode, evaluate
(equal to `recur eval`), step (equal losses to evaluate), log_probs,
state_dict views and from_state_dict."""
import json
import math

import numpy as np
import pytest

import recur
from conftest import run_cli, train_cli


def log_softmax(z):
    z = np.asarray(z, np.float64)
    m = z.max()
    return z - m - math.log(np.exp(z - m).sum())


def test_load_config_vocab_parameters(char_model, char_model_path):
    info = json.loads(run_cli("info", "--model", char_model_path, "--json"))
    c = char_model.config
    assert isinstance(c, recur.Config)
    for key in ("level", "cell", "layers", "hidden", "embed", "vocab_size", "tied", "peephole", "bidirectional",
                "task", "labels"):
        assert getattr(c, key) == info[key], key
    assert char_model.num_parameters == info["parameters"]
    assert len(char_model.vocab) == c.vocab_size == info["vocab_size"]
    assert all(isinstance(t, str) for t in char_model.vocab)
    assert list(char_model.vocab) == sorted(char_model.vocab)  # a char vocabulary is sorted by code point
    assert "R" in char_model.vocab and char_model.vocab[char_model.vocab.index("R")] == "R"
    assert c.asdict()["cell"] == "lstm"


def test_word_vocab(word_model, word_text):
    v = word_model.vocab
    assert v.level == "word" and "<eos>" in v and "<unk>" in v
    ids = word_model.encode("the market rose\nthe end")
    assert ids[3] == v.index("<eos>")
    assert word_model.decode(ids) == "the market rose\nthe end\n"  # the last line ends too, as in training
    assert word_model.encode("zzzqqq")[0] == v.index("<unk>")


def test_encode_decode_round_trip(char_model, char_text):
    text = char_text.read_text(encoding="utf-8")[:500]
    ids = char_model.encode(text)
    assert len(ids) == len(text) and all(isinstance(i, int) for i in ids)
    assert char_model.decode(ids) == text
    assert char_model.decode(np.array(ids, dtype=np.int64)) == text


def test_save_round_trip(char_model, tmp_path):
    p = tmp_path / "copy.safetensors"
    char_model.save(p)
    with recur.Model.load(str(p)) as back:
        assert back.config == char_model.config and back.vocab == char_model.vocab
        a, b = char_model.state_dict(), back.state_dict()
        assert list(a) == list(b)
        for k in a:
            assert np.array_equal(a[k], b[k]), k


@pytest.mark.parametrize("batch,seq", [(1, 50), (4, 20)])
def test_evaluate_equals_recur_eval(char_model, char_model_path, char_text, batch, seq):
    text = char_text.read_text(encoding="utf-8")
    out = json.loads(run_cli("eval", "--model", char_model_path, "--batch", batch, "--seq", seq, "--json", char_text))
    r = char_model.evaluate(text, batch=batch, seq=seq)
    assert isinstance(r, recur.EvalResult)
    assert r.tokens == out["tokens"]
    assert abs(r.loss - out["loss"]) < 1e-6
    assert abs(r.bits_per_token - out["bits_per_token"]) < 1e-6
    assert abs(r.perplexity - out["perplexity"]) < 1e-4 * r.perplexity
    assert abs(r.perplexity - math.exp(r.loss)) < 1e-9 * r.perplexity


def test_evaluate_word_model(word_model, word_model_path, word_text):
    out = json.loads(run_cli("eval", "--model", word_model_path, "--json", word_text))
    r = word_model.evaluate(word_text.read_text(encoding="utf-8"))
    assert r.tokens == out["tokens"] and abs(r.loss - out["loss"]) < 1e-6


def test_log_probs_rows_are_distributions(char_model):
    ids = char_model.encode("To be, or not to be")
    lp = char_model.log_probs(ids)
    assert lp.shape == (len(ids), len(char_model.vocab)) and lp.dtype == np.float32
    assert np.allclose(np.exp(lp.astype(np.float64)).sum(1), 1.0, atol=1e-5)
    assert np.array_equal(char_model.log_probs("To be, or not to be"), lp)


needs_streams = pytest.mark.skipif(not recur._lib.has("recur_streams_create"),
                                   reason="this librecur has no recur_streams yet")


@needs_streams
def test_step_losses_equal_evaluate(char_model, char_text):
    text = char_text.read_text(encoding="utf-8")[:400]
    ids = char_model.encode(text)
    state, total = None, 0.0
    for k in range(len(ids) - 1):
        logits, state = char_model.step(ids[k], state)
        assert logits.shape == (len(char_model.vocab),)
        total -= log_softmax(logits)[ids[k + 1]]
    r = char_model.evaluate(ids)
    assert r.tokens == len(ids) - 1
    assert abs(total / r.tokens - r.loss) < 1e-5


@needs_streams
def test_step_state_continues(char_model):
    ids = char_model.encode("Nay, answer me: stand, and unfold yourself.")
    whole, _ = char_model.step(ids)
    _, state = char_model.step(ids[:10])
    assert state.dtype == np.float32 and state.shape == (char_model.state_size(),)
    part, _ = char_model.step(ids[10:], state)
    assert np.allclose(whole, part, atol=1e-5)
    lp = char_model.log_probs(ids)
    assert np.allclose(log_softmax(whole), lp[-1], atol=1e-4)


@pytest.fixture(scope="session", params=["batch", "layer"])
def norm_model_path(request, workdir, char_text):
    return train_cli(workdir / ("norm-%s.safetensors" % request.param), char_text, "--hidden", 24, "--layers", 2,
                     "--cell", "gru", "--norm", request.param)


@needs_streams
def test_step_with_norm_equals_log_probs(norm_model_path):
    # A --norm model steps through nn's normalised cells: the log-probabilities
    # are the whole-sequence network's, past batch norm's 16 trained steps too,
    # and a state handed back carries batch norm's step.
    import recur
    with recur.Model.load(norm_model_path) as m:
        ids = m.encode("Nay, answer me: stand, and unfold yourself. Long live the king!")
        assert len(ids) > 40
        lp = m.log_probs(ids)
        state, rows = None, []
        for k in range(len(ids)):
            logits, state = m.step(ids[k], state)
            rows.append(log_softmax(logits))
        assert np.allclose(np.array(rows), lp, atol=2e-5)
        whole, _ = m.step(ids)
        _, part_state = m.step(ids[:25])
        part, _ = m.step(ids[25:], part_state)
        assert np.array_equal(whole, part)


def test_state_dict_names_and_views(char_model):
    sd = char_model.state_dict()
    c = char_model.config
    names = ["encoder.weight"]
    for l in range(c.layers):
        names += ["rnn.%s_l%d" % (n, l) for n in ("weight_ih", "weight_hh", "bias_ih", "bias_hh")]
    names += ["decoder.weight", "decoder.bias"]
    assert list(sd) == names
    assert sd["rnn.weight_ih_l0"].shape == (4 * c.hidden, c.embed)
    assert sum(a.size for a in sd.values()) == char_model.num_parameters
    # views of the model's memory: no copy, read-only, and alive after close
    a, b = sd["encoder.weight"], char_model.state_dict()["encoder.weight"]
    assert a.ctypes.data == b.ctypes.data and not a.flags.writeable and not a.flags.owndata
    with pytest.raises(ValueError):
        a[0, 0] = 1.0
    copy = np.array(a)
    char_model.close()
    assert np.array_equal(a, copy)


def test_from_state_dict_round_trip(char_model):
    sd = {k: np.array(v) for k, v in char_model.state_dict().items()}
    m2 = recur.Model.from_state_dict(char_model.config, list(char_model.vocab), sd)
    ids = char_model.encode("First Citizen:")
    assert np.array_equal(m2.log_probs(ids), char_model.log_probs(ids))
    sd["decoder.bias"] = sd["decoder.bias"] + 1.0  # a uniform shift changes no probability...
    sd["decoder.weight"][0] += 0.5  # ...but a changed row does
    m3 = recur.Model.from_state_dict(char_model.config.asdict(), char_model.vocab, sd)
    assert not np.allclose(m3.log_probs(ids), char_model.log_probs(ids))


def test_from_state_dict_tied():
    vocab = list("abcdefg ")
    cfg = recur.Config(cell="gru", layers=1, hidden=6, tied=True)
    rng = np.random.default_rng(0)
    arrays = {"encoder.weight": rng.standard_normal((8, 6)), "rnn.weight_ih_l0": rng.standard_normal((18, 6)),
              "rnn.weight_hh_l0": rng.standard_normal((18, 6)), "rnn.bias_ih_l0": np.zeros(18),
              "rnn.bias_hh_l0": np.zeros(18), "decoder.bias": np.zeros(8)}
    m = recur.Model.from_state_dict(cfg, vocab, arrays)
    sd = m.state_dict()
    assert sd["decoder.weight"].ctypes.data == sd["encoder.weight"].ctypes.data
    assert m.num_parameters == sum(a.size for k, a in sd.items() if k != "decoder.weight")
    with pytest.raises(ValueError, match="tied"):
        recur.Model.from_state_dict(cfg, vocab, dict(arrays, **{"decoder.weight": np.ones((8, 6))}))


def test_average_is_the_mean_of_the_weights(char_model_path, char_text, workdir):
    other = train_cli(workdir / "char_seed2.safetensors", char_text, "--hidden", 32, "--layers", 2, "--seed", 2)
    with recur.Model.load(char_model_path) as a, recur.Model.load(other) as b:
        avg = recur.Model.average([a, b])
        sa, sb, sm = a.state_dict(), b.state_dict(), avg.state_dict()
        assert list(sm) == list(sa)
        for k in sm:
            assert np.allclose(sm[k], (sa[k].astype(np.float64) + sb[k]) / 2, atol=1e-6), k
        same = recur.Model.average([a, a])
        ids = a.encode("First Citizen:")
        assert np.array_equal(same.log_probs(ids), a.log_probs(ids))


def test_average_refuses_other_architectures(char_model, word_model):
    with pytest.raises(recur.RecurError, match="architecture"):
        recur.Model.average([char_model, word_model])
    with pytest.raises(TypeError):
        recur.Model.average([])
