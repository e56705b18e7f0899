"""recur.train: the command's options (names, defaults, checks) through the
library's own table; the same model as `recur train` with the same options;
progress; Ctrl-C saves and raises KeyboardInterrupt."""
import os
import signal
import subprocess
import sys
import time

import numpy as np
import pytest

import recur
from conftest import run_cli

pytestmark = pytest.mark.skipif(not hasattr(recur, "train"), reason="this librecur has no training run (recur/run.h)")
SMALL = dict(hidden=24, layers=1, batch=8, seq=16, steps=12, eval_every=6, threads=1, seed=3)


def test_options_are_the_commands():
    from recur import training
    opts = training.options()
    help_text = run_cli("train", "--help")
    for name in ("hidden", "layers", "batch", "seq", "lr", "cell", "eval_every", "dropout", "steps"):
        assert name in opts
        assert "--" + name.replace("_", "-") in help_text
    assert opts["hidden"][1] == "128" and opts["layers"][1] == "2" and opts["batch"][1] == "50"
    assert opts["cell"][1] == "lstm" and float(opts["lr"][1]) == 0.002


def test_same_model_as_recur_train(char_text, tmp_path):
    flags = []
    for k, v in SMALL.items():
        flags += ["--" + k.replace("_", "-"), str(v)]
    run_cli("train", "--data", char_text, "--out", tmp_path / "cli.safetensors", "--quiet", *flags)
    events = []
    h = recur.train(data=char_text, out=tmp_path / "py.safetensors", progress=events.append, **SMALL)
    a = recur.Model.load(tmp_path / "cli.safetensors")
    b = recur.Model.load(tmp_path / "py.safetensors")
    text = char_text.read_text(encoding="utf-8")[:3000]
    assert a.evaluate(text) == b.evaluate(text)  # the same weights: the same loss to the last bit
    assert a.generate("ROMEO:", length=200) == b.generate("ROMEO:", length=200)
    assert [s for s, _, _ in h["steps"]] == list(range(1, 13))
    assert all(np.isfinite(loss) for _, loss, _ in h["steps"])
    assert [v["step"] for v in h["validation"]] == [6, 12] and h["out"].endswith("py.safetensors")
    kinds = {e["event"] for e in events}
    assert {"start", "step", "validation", "saved"} <= kinds
    step = next(e for e in events if e["event"] == "step")
    assert {"loss", "tokens_per_s", "lr"} <= set(step)


def test_bad_options(char_text, tmp_path):
    with pytest.raises(TypeError, match="hiden"):
        recur.train(data=char_text, out=tmp_path / "x.safetensors", hiden=3)
    with pytest.raises(ValueError, match="hidden must be between"):
        recur.train(data=char_text, out=tmp_path / "x.safetensors", hidden=0)
    with pytest.raises(ValueError, match="cell"):
        recur.train(data=char_text, out=tmp_path / "x.safetensors", cell="transformer")
    with pytest.raises(TypeError):
        recur.train(data=char_text, out=tmp_path / "x.safetensors", tied="yes")
    with pytest.raises(FileNotFoundError):
        recur.train(data=tmp_path / "missing.txt", out=tmp_path / "x.safetensors", steps=1)


CHILD = r"""
import sys
sys.path.insert(0, %(pkg)r)
import recur
try:
    recur.train(data=%(data)r, out=%(out)r, hidden=64, layers=2, batch=8, seq=32, steps=10**7, eval_every=0,
                progress=lambda e: e["event"] == "step" and e["step"] == 3 and print("running", flush=True))
    print("finished")
except KeyboardInterrupt as e:
    print("interrupted:", e)
"""


def test_ctrl_c_saves_and_raises(char_text, tmp_path):
    out = tmp_path / "int.safetensors"
    pkg = os.path.dirname(os.path.dirname(os.path.abspath(recur.__file__)))
    child = subprocess.Popen([sys.executable, "-c", CHILD % dict(pkg=pkg, data=str(char_text), out=str(out))],
                             stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    assert child.stdout.readline().decode().strip() == "running"
    time.sleep(0.2)
    child.send_signal(signal.SIGINT)
    stdout, stderr = child.communicate(timeout=120)
    assert child.returncode == 0, stderr.decode()
    assert stdout.decode().startswith("interrupted"), stdout.decode() + stderr.decode()
    assert os.path.exists(out) and os.path.exists(str(out) + ".state")
    recur.Model.load(out)  # a whole, loadable model
