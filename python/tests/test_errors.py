"""Bad input from Python: every case raises an exception (the C message
where the library found the fault), never a crash."""
import math
import os

import numpy as np
import pytest

import recur


@pytest.fixture()
def m(char_model):
    return char_model


def closed_model(path):
    x = recur.Model.load(path)
    x.close()
    return x


def cases(m, path, tmp):
    bad_file = tmp / "bad.safetensors"
    bad_file.write_bytes(b"\x10\x00\x00\x00\x00\x00\x00\x00{not json at all}")
    huge_header = tmp / "huge.safetensors"
    huge_header.write_bytes((2**62).to_bytes(8, "little") + b"{}")
    vec_bad = tmp / "bad.vec"
    vec_bad.write_text("3 2\nfoo 1 2\nbar x y\n")
    yield "missing file", lambda: recur.Model.load(tmp / "nope.safetensors"), FileNotFoundError, "cannot open"
    yield "a directory", lambda: recur.Model.load(tmp), OSError, None
    yield "malformed file", lambda: recur.Model.load(bad_file), recur.FormatError, None
    yield "header size past the file", lambda: recur.Model.load(huge_header), recur.FormatError, None
    yield "path of wrong type", lambda: recur.Model.load(42), TypeError, "path"
    yield "NUL in path", lambda: recur.Model.load("a\0b"), ValueError, "NUL"
    yield "unknown character", lambda: m.encode("\u4e00"), recur.FormatError, "U+4E00"
    yield "text of wrong type", lambda: m.encode(b"bytes"), TypeError, None
    yield "lone surrogate", lambda: m.encode("\ud800"), ValueError, None
    yield "id out of range", lambda: m.decode([len(m.vocab)]), ValueError, "outside"
    yield "negative id", lambda: m.log_probs([-1]), ValueError, "outside"
    yield "float ids", lambda: m.log_probs(np.array([1.5])), TypeError, None
    yield "2-D ids", lambda: m.log_probs([[1, 2]]), ValueError, "one-dimensional"
    yield "empty sequence", lambda: m.log_probs([]), recur.ArgumentError, "at least one"
    yield "NaN temperature", lambda: m.generate("R", length=5, temperature=math.nan), ValueError, "finite"
    yield "zero temperature", lambda: m.generate("R", length=5, temperature=0.0), ValueError, "temperature"
    yield "huge length", lambda: m.generate("R", length=2**40), ValueError, "length"
    yield "negative top_k", lambda: m.generate("R", length=5, top_k=-1), ValueError, "top_k"
    yield "unknown mode", lambda: m.generate("R", length=5, mode="greedy"), ValueError, "mode"
    yield "seed of wrong type", lambda: m.generate("R", length=5, seed="1"), TypeError, "seed"
    yield "prime outside the vocabulary", lambda: m.generate("\u00e9", length=5), recur.FormatError, None
    yield "evaluate batch 0", lambda: m.evaluate("ROMEO", batch=0), ValueError, "batch"
    yield "evaluate too short for the batch", lambda: m.evaluate("RO", batch=2), recur.ArgumentError, "lower --batch"
    yield "closed model", lambda: closed_model(path).generate("R", length=3), ValueError, "closed"
    yield "closed model's config", lambda: closed_model(path).config, ValueError, "closed"
    yield "save into a missing directory", lambda: m.save(tmp / "no" / "such" / "dir.safetensors"), OSError, None
    yield "from_state_dict, missing tensor", lambda: recur.Model.from_state_dict(
        m.config, m.vocab, {}), KeyError, "missing"
    yield "from_state_dict, wrong shape", lambda: recur.Model.from_state_dict(
        m.config, m.vocab, dict(m.state_dict(), **{"decoder.bias": np.zeros(3)})), ValueError, "shape"
    yield "from_state_dict, NaN weight", lambda: recur.Model.from_state_dict(
        m.config, m.vocab, dict(m.state_dict(), **{"decoder.bias": np.full(len(m.vocab), np.nan)})), ValueError, "NaN"
    yield "from_state_dict, bad config", lambda: recur.Model.from_state_dict(
        recur.Config(hidden=0), m.vocab, {}), recur.ArgumentError, "hidden"
    yield "from_state_dict, duplicate tokens", lambda: recur.Model.from_state_dict(
        m.config, ["a", "a"], {}), ValueError, "duplicate"
    yield "missing vector file", lambda: recur.KeyedVectors.load_word2vec_format(tmp / "no.vec"), FileNotFoundError, None
    yield "malformed vector file", lambda: recur.KeyedVectors.load_word2vec_format(vec_bad), recur.FormatError, None
    yield "Word2Vec without a corpus", lambda: recur.Word2Vec(), TypeError, None
    yield "Word2Vec, missing corpus", lambda: recur.Word2Vec(corpus_file=tmp / "none.txt"), FileNotFoundError, None
    yield "Word2Vec, vector_size 0", lambda: recur.Word2Vec(corpus_file=tmp / "none.txt", vector_size=0), \
        ValueError, "vector_size"
    if recur._lib.has("recur_streams_create"):
        yield "step with a wrong state", lambda: m.step([1], state=np.zeros(3)), ValueError, "state"
        yield "step with a NaN state", lambda: m.step([1], state=np.full(m.state_size(), np.nan)), ValueError, "NaN"


def test_bad_inputs_raise(m, char_model_path, tmp_path):
    table = list(cases(m, char_model_path, tmp_path))
    assert len(table) >= 15
    for name, call, exc, text in table:
        with pytest.raises(exc) as info:
            call()
        if text:
            assert text in str(info.value), (name, str(info.value))
        if isinstance(info.value, recur.RecurError):
            assert str(info.value) and info.value.status is not None, name


def test_errors_carry_the_c_message(tmp_path):
    with pytest.raises(recur.RecurError) as info:
        recur.Model.load(tmp_path / "absent.safetensors")
    e = info.value
    assert isinstance(e, FileNotFoundError) and isinstance(e, OSError)
    assert "absent.safetensors" in str(e) and e.filename.endswith("absent.safetensors")
    assert e.status == 2  # RECUR_E_IO


def test_library_not_found_says_where_it_looked(tmp_path):
    import subprocess
    import sys
    env = dict(os.environ, RECUR_LIBRARY=str(tmp_path / "librecur.so"))
    pkg = os.path.dirname(os.path.dirname(os.path.abspath(recur.__file__)))
    r = subprocess.run([sys.executable, "-c", "import recur"], cwd=str(tmp_path), env=dict(env, PYTHONPATH=pkg),
                       stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    assert r.returncode != 0
    err = r.stderr.decode()
    assert "ImportError" in err and str(tmp_path / "librecur.so") in err and "RECUR_LIBRARY" in err
