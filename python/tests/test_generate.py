"""Generation: the same text as `recur sample` for the same model, seed and
settings; streaming; threads (own states, the GIL released)."""
import threading
import time

import pytest

import recur
from conftest import run_cli

CASES = [
    dict(),
    dict(temperature=0.7, seed=5),
    dict(top_k=3, seed=2),
    dict(mode="argmax"),
    dict(mode="space", temperature=1.3, seed=9),
    dict(weights="f16", seed=4),
]
if recur._lib.has("recur_generate"):
    CASES += [
        dict(top_p=0.6, seed=3),
        dict(min_p=0.3, temperature=0.9),
        dict(repeat_penalty=1.8, repeat_last_n=12),
        dict(presence_penalty=1.5, frequency_penalty=0.5, seed=8),
        dict(mode="beam", beam=3),
        dict(stop="e", seed=2),
        dict(top_k=10, top_p=0.9, min_p=0.05, temperature=0.8, repeat_penalty=1.2, weights="i8", seed=6),
    ]
FLAGS = {k: "--" + k.replace("_", "-") for k in ("temperature", "top_k", "top_p", "min_p", "repeat_penalty",
                                                 "repeat_last_n", "presence_penalty", "frequency_penalty", "mode",
                                                 "beam", "seed", "weights", "stop")}


def cli_sample(path, prime, length, **kw):
    args = ["sample", "--model", path, "--length", length]
    if prime:
        args += ["--prime", prime]
    for k, v in kw.items():
        args += [FLAGS[k], v]
    return run_cli(*args)


@pytest.mark.parametrize("kw", CASES, ids=lambda kw: ",".join("%s=%s" % i for i in kw.items()) or "defaults")
def test_generate_equals_recur_sample(char_model, char_model_path, kw):
    out = cli_sample(char_model_path, "ROMEO:", 120, **kw)
    got = char_model.generate("ROMEO:", length=120, **kw)
    assert out == "ROMEO:" + got + "\n"


def test_generate_word_model_equals_recur_sample(word_model, word_model_path):
    out = cli_sample(word_model_path, "the company", 40, seed=3)
    got = word_model.generate("the company", length=40, seed=3)
    assert out.startswith("the company")
    assert out[len("the company"):].split() == got.split()  # the same words (spacing at the prime's edge aside)


def test_no_prime_equals_recur_sample(char_model, char_model_path):
    assert cli_sample(char_model_path, None, 60, seed=7) == char_model.generate(length=60, seed=7) + "\n"


def test_stream_yields_the_same_text(char_model):
    pieces = list(char_model.generate("ROMEO:", length=80, seed=11, stream=True))
    assert len(pieces) > 1 and all(isinstance(p, str) for p in pieces)
    assert "".join(pieces) == char_model.generate("ROMEO:", length=80, seed=11)


def test_stream_stops_early(char_model):
    it = char_model.generate("ROMEO:", length=10**6, seed=1, stream=True)
    first = [next(it) for _ in range(5)]
    it.close()
    assert len("".join(first)) >= 5


def test_seeds_repeat_and_differ(char_model):
    a = char_model.generate("A", length=100, seed=1)
    assert a == char_model.generate("A", length=100, seed=1)
    assert a != char_model.generate("A", length=100, seed=2)


def test_two_threads_one_model(char_model):
    want = {s: char_model.generate("HAMLET:", length=300, seed=s) for s in (1, 2)}
    got = {}

    def work(seed):
        for _ in range(3):
            text = char_model.generate("HAMLET:", length=300, seed=seed)
            got.setdefault(seed, set()).add(text)

    threads = [threading.Thread(target=work, args=(s,)) for s in (1, 2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert got == {s: {want[s]} for s in (1, 2)}


def ticks_during(call):
    """How many 1 ms sleeps another Python thread finished while call ran."""
    done = threading.Event()
    ticks = [0]

    def count():
        while not done.is_set():
            ticks[0] += 1
            time.sleep(0.001)

    t = threading.Thread(target=count)
    t.start()
    try:
        start = time.perf_counter()
        call()
        elapsed = time.perf_counter() - start
    finally:
        done.set()
        t.join()
    return ticks[0], elapsed


@pytest.mark.parametrize("what", ["generate", "evaluate"])
def test_gil_released(char_model, char_text, what):
    """Another Python thread keeps running during one long call into C (a
    held GIL would leave it at 0 or 1 tick)."""
    text = char_text.read_text(encoding="utf-8") * 3
    if what == "generate":
        ticks, elapsed = ticks_during(lambda: char_model.generate("R", length=20000, seed=1))
    else:
        ticks, elapsed = ticks_during(lambda: char_model.evaluate(text))
    assert elapsed > 0.05 and ticks >= 20, (ticks, elapsed)


needs_generate = pytest.mark.skipif(not recur._lib.has("recur_generate"), reason="this librecur has no recur_generate")


@needs_generate
def test_every_sampling_control_changes_the_text(char_model):
    base = char_model.generate("ROMEO:", length=150, seed=3)
    for kw in [dict(top_p=0.5), dict(min_p=0.4), dict(repeat_penalty=2.0, repeat_last_n=16),
               dict(presence_penalty=2.0), dict(frequency_penalty=1.0), dict(mode="beam", beam=3),
               dict(top_k=2), dict(temperature=0.5)]:
        text = char_model.generate("ROMEO:", length=150, seed=3, **kw)
        assert text == char_model.generate("ROMEO:", length=150, seed=3, **kw), kw  # seeded: repeatable
        assert text != base, kw


@needs_generate
def test_stop_strings_and_count(char_model):
    texts = char_model.generate("ROMEO:", length=200, seed=1, count=3)
    assert isinstance(texts, list) and len(texts) == 3
    text = char_model.generate("ROMEO:", length=400, seed=1)
    stop = text[20:22]
    cut = char_model.generate("ROMEO:", length=400, seed=1, stop=[stop])
    assert stop not in cut and text.startswith(cut)
