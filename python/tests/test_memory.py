"""Objects free their C resources: the resident size stays flat over many
load / generate / evaluate / state_dict / free cycles (bench/python_leaks.py
runs 10,000)."""
import gc
import os

import numpy as np
import pytest

import recur


def rss_kib():
    with open("/proc/self/statm") as f:
        return int(f.read().split()[1]) * os.sysconf("SC_PAGE_SIZE") // 1024


def cycle(path, vec_path):
    with recur.Model.load(path) as m:
        m.generate("ROMEO:", length=20, seed=1)
        m.evaluate("ROMEO: what?")
        sd = m.state_dict()
        m2 = recur.Model.from_state_dict(m.config, m.vocab, sd)
        m2.log_probs(m2.encode("ROMEO"))
        if recur._lib.has("recur_streams_create"):
            m.step(m.encode("RO"))
        try:
            m.encode("\u4e00")
        except recur.RecurError:
            pass
    kv = recur.KeyedVectors.load_word2vec_format(vec_path)
    kv.most_similar("b", topn=2)


@pytest.mark.skipif(bool(os.environ.get("RECUR_TEST_SANITIZED")),
                    reason="AddressSanitizer keeps freed memory in quarantine: RSS grows by design")
def test_rss_flat(char_model_path, tmp_path):
    vec = tmp_path / "v.txt"
    rng = np.random.default_rng(0)
    kv = recur.KeyedVectors(8)
    kv.index_to_key = ["w%d" % i for i in range(50)] + ["b"]
    kv.key_to_index = {w: i for i, w in enumerate(kv.index_to_key)}
    kv.vectors = rng.standard_normal((51, 8)).astype(np.float32)
    kv.save_word2vec_format(vec)
    for _ in range(60):  # warm up: caches, the allocator's arenas
        cycle(char_model_path, vec)
    gc.collect()
    before = rss_kib()
    n = 400
    for _ in range(n):
        cycle(char_model_path, vec)
    gc.collect()
    grown = rss_kib() - before
    # one leaked model of this size would be about 60 KiB a cycle: 24 MiB over the run
    assert grown < 3 * 1024, "RSS grew by %d KiB over %d cycles" % (grown, n)
