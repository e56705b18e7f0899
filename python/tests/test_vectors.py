"""Word vectors against gensim itself on the same files: most_similar
lists, similarity values and evaluate_word_analogies results equal; the
binary format; Word2Vec with gensim's parameter names."""
import os

import numpy as np
import pytest

import recur
from conftest import DATA, run_cli

gensim_models = pytest.importorskip("gensim.models")
CORPUS = os.path.join(DATA, "w2v", "corpus_sample.txt")
QUESTIONS = os.path.join(DATA, "w2v", "questions-words.txt")
WORDS = ["king", "city", "war", "two", "french", "good", "year", "people", "water", "time"]


@pytest.fixture(scope="module")
def vector_file(workdir):
    p = workdir / "vectors.txt"
    run_cli("w2v", "train", "--train", CORPUS, "--output", p, "--size", 32, "--iter", 2, "--quiet")
    return p


@pytest.fixture(scope="module")
def both(vector_file):
    return (recur.KeyedVectors.load_word2vec_format(vector_file),
            gensim_models.KeyedVectors.load_word2vec_format(str(vector_file)))


def test_loaded_alike(both):
    ours, theirs = both
    assert ours.index_to_key == theirs.index_to_key
    assert ours.vectors.dtype == np.float32 and np.array_equal(ours.vectors, theirs.vectors)
    assert ours.vector_size == theirs.vector_size and len(ours) == len(theirs)
    assert np.array_equal(ours["king"], theirs["king"])
    assert np.array_equal(ours[["king", "war"]], theirs[["king", "war"]])
    assert ("king" in ours) and ("qqqzzz" not in ours)


def same_neighbours(a, b):
    assert [w for w, _ in a] == [w for w, _ in b]
    assert np.allclose([s for _, s in a], [s for _, s in b], atol=1e-5)


@pytest.mark.parametrize("word", WORDS)
def test_most_similar_word(both, word):
    ours, theirs = both
    if word not in theirs:
        pytest.skip("%s is not in the vocabulary" % word)
    same_neighbours(ours.most_similar(word, topn=10), theirs.most_similar(word, topn=10))
    same_neighbours(ours.most_similar(positive=[word], topn=3), theirs.most_similar(positive=[word], topn=3))


def test_most_similar_analogy_and_restrict(both):
    ours, theirs = both
    q = dict(positive=["king", "french"], negative=["man"], topn=7)
    same_neighbours(ours.most_similar(**q), theirs.most_similar(**q))
    same_neighbours(ours.most_similar(restrict_vocab=500, **q), theirs.most_similar(restrict_vocab=500, **q))
    v = theirs["city"]
    same_neighbours(ours.most_similar(positive=[v], topn=5), theirs.most_similar(positive=[v], topn=5))
    assert np.allclose(ours.most_similar("war", topn=None), theirs.most_similar("war", topn=None), atol=1e-5)


def test_similarity(both):
    ours, theirs = both
    for a, b in [("king", "man"), ("war", "peace"), ("two", "three"), ("city", "city")]:
        assert abs(ours.similarity(a, b) - float(theirs.similarity(a, b))) < 1e-6
        assert abs(ours.distance(a, b) - float(theirs.distance(a, b))) < 1e-6


def test_evaluate_word_analogies(both):
    ours, theirs = both
    s1, sec1 = ours.evaluate_word_analogies(QUESTIONS)
    s2, sec2 = theirs.evaluate_word_analogies(QUESTIONS)
    assert s1 == s2
    assert [s["section"] for s in sec1] == [s["section"] for s in sec2]
    for a, b in zip(sec1, sec2):
        assert a["correct"] == b["correct"] and a["incorrect"] == b["incorrect"], a["section"]
    assert sum(len(s["correct"]) + len(s["incorrect"]) for s in sec1[:-1]) > 100  # enough questions were seen
    s1, _ = ours.evaluate_word_analogies(QUESTIONS, restrict_vocab=1000, case_insensitive=False)
    s2, _ = theirs.evaluate_word_analogies(QUESTIONS, restrict_vocab=1000, case_insensitive=False)
    assert s1 == s2


@pytest.mark.parametrize("binary", [False, True])
def test_save_word2vec_format(both, tmp_path, binary):
    ours, _ = both
    p = tmp_path / "v.bin"
    ours.save_word2vec_format(p, binary=binary)
    back = gensim_models.KeyedVectors.load_word2vec_format(str(p), binary=binary)
    assert back.index_to_key == ours.index_to_key and np.array_equal(back.vectors, ours.vectors)
    mine = recur.KeyedVectors.load_word2vec_format(p, binary=binary)
    assert np.array_equal(mine.vectors, ours.vectors)


def test_word2vec_gensim_names(tmp_path):
    w2v = recur.Word2Vec(corpus_file=CORPUS, vector_size=24, window=4, sg=1, negative=3, epochs=1, workers=2,
                         min_count=5, seed=7)
    kv = w2v.wv
    assert isinstance(kv, recur.KeyedVectors) and kv.vector_size == 24 and kv.vectors.shape == (len(kv), 24)
    assert kv.index_to_key[0] == "</s>" and "king" in kv
    kv.save_word2vec_format(tmp_path / "w.txt")
    g = gensim_models.KeyedVectors.load_word2vec_format(str(tmp_path / "w.txt"))
    same_neighbours(kv.most_similar("city", topn=5), g.most_similar("city", topn=5))
    # the same vectors from the command line with the same settings (one thread: hogwild runs differ)
    one = recur.Word2Vec(corpus_file=CORPUS, vector_size=16, window=3, sg=0, negative=2, epochs=1, workers=1)
    run_cli("w2v", "train", "--train", CORPUS, "--output", tmp_path / "cli.txt", "--size", 16, "--window", 3,
            "--cbow", 1, "--negative", 2, "--iter", 1, "--threads", 1, "--alpha", 0.025, "--quiet")
    cli = recur.KeyedVectors.load_word2vec_format(tmp_path / "cli.txt")
    assert cli.index_to_key == one.wv.index_to_key and np.array_equal(cli.vectors, one.wv.vectors)


def test_word2vec_sentences():
    sentences = [["the", "cat", "sat", "on", "the", "mat"], ["the", "dog", "sat", "on", "the", "log"]] * 50
    w2v = recur.Word2Vec(sentences=sentences, vector_size=8, min_count=1, epochs=2, workers=1)
    assert set(w2v.wv.index_to_key) == {"</s>", "the", "cat", "sat", "on", "mat", "dog", "log"}
