"""Shared fixtures: the recur command, small texts, and tiny models trained
for a few steps by the command line (so the package is checked against
the files the command writes)."""
import os
import subprocess
import sys

import pytest

HERE = os.path.dirname(os.path.abspath(__file__))
CHECKOUT = os.path.dirname(os.path.dirname(HERE))
sys.path.insert(0, os.path.dirname(HERE))  # the package from the source tree

BUILD = os.environ.get("RECUR_BUILD_DIR") or os.path.join(CHECKOUT, "build")
CLI = os.environ.get("RECUR_CLI") or os.path.join(BUILD, "recur")
DATA = os.environ.get("RECUR_DATA") or os.path.join(CHECKOUT, "data")


def run_cli(*args, check=True):
    r = subprocess.run([CLI] + [str(a) for a in args], stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    if check and r.returncode != 0:
        raise AssertionError("recur %s failed (%d): %s" % (" ".join(map(str, args)), r.returncode,
                                                           r.stderr.decode(errors="replace")))
    return r.stdout.decode("utf-8")


@pytest.fixture(scope="session")
def workdir(tmp_path_factory):
    return tmp_path_factory.mktemp("recur")


@pytest.fixture(scope="session")
def char_text(workdir):
    with open(os.path.join(DATA, "tinyshakespeare.txt"), encoding="utf-8") as f:
        text = f.read(30000)
    p = workdir / "shakespeare.txt"
    p.write_text(text, encoding="utf-8")
    return p


@pytest.fixture(scope="session")
def word_text(workdir):
    with open(os.path.join(DATA, "ptb", "ptb.train.txt"), encoding="utf-8") as f:
        text = "".join(f.readlines()[:600])
    p = workdir / "ptb.txt"
    p.write_text(text, encoding="utf-8")
    return p


def train_cli(out, data, *flags):
    run_cli("train", "--data", data, "--out", out, "--batch", 8, "--seq", 16, "--steps", 15, "--quiet", *flags)
    return out


@pytest.fixture(scope="session")
def char_model_path(workdir, char_text):
    return train_cli(workdir / "char.safetensors", char_text, "--hidden", 32, "--layers", 2)


@pytest.fixture(scope="session")
def word_model_path(workdir, word_text):
    return train_cli(workdir / "word.safetensors", word_text, "--level", "word", "--hidden", 24, "--layers", 1,
                     "--cell", "gru")


@pytest.fixture()
def char_model(char_model_path):
    import recur
    with recur.Model.load(char_model_path) as m:
        yield m


@pytest.fixture()
def word_model(word_model_path):
    import recur
    with recur.Model.load(word_model_path) as m:
        yield m
