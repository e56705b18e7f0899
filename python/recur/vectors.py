"""Word vectors with gensim's names and meanings (KeyedVectors, Word2Vec),
so that gensim code ports by changing its import. The nearest-neighbour
search and the training run in librecur."""

import ctypes
import itertools
import os

import numpy as np

from . import _check, _lib
from .errors import Err
from .model import Owned

L = _lib.lib
_KEY_TYPES = (str, int, np.integer)


class KeyedVectors:
    """Vectors by word: ``kv[word]``, ``kv.index_to_key``, ``kv.key_to_index``,
    ``kv.vectors`` (count x vector_size float32), ``most_similar``,
    ``similarity``, ``evaluate_word_analogies``, ``save_word2vec_format``."""

    def __init__(self, vector_size, count=0, dtype=np.float32):
        self.vector_size = _check.integer("vector_size", vector_size, 1, 1 << 20)
        self.index_to_key = []
        self.key_to_index = {}
        self.vectors = np.zeros((count, self.vector_size), dtype=np.float32)
        self.norms = None
        self._indexes = {}  # restrict_vocab -> (index, what it borrows)

    @classmethod
    def _from_c(cls, v):
        """Copies a recur_w2v_vectors into Python arrays."""
        kv = cls(max(1, v.dim))
        n, d = v.count, v.dim
        kv.index_to_key = [v.words[i].decode("utf-8", "surrogateescape") for i in range(n)]
        kv.key_to_index = {}
        for i, w in enumerate(kv.index_to_key):
            kv.key_to_index.setdefault(w, i)
        kv.vectors = np.ctypeslib.as_array(v.data, shape=(n, d)).copy() if n else np.zeros((0, d), np.float32)
        return kv

    @classmethod
    def load_word2vec_format(cls, fname, fvocab=None, binary=False, encoding="utf8", unicode_errors="strict",
                             limit=None, datatype=np.float32, no_header=False):
        """Reads a word2vec text or binary file (gensim's signature; fvocab,
        other encodings, datatypes and headerless files are not read)."""
        if fvocab is not None or no_header or encoding.lower().replace("-", "") != "utf8":
            raise ValueError("recur reads word2vec files in UTF-8 with a header, without fvocab")
        if np.dtype(datatype) != np.float32:
            raise ValueError("recur's vectors are float32")
        p = _check.path("fname", fname)
        limit = 0 if limit is None else _check.integer("limit", limit, 1, _check.INT32_MAX)
        fmt = 2 if binary else 1
        out, err = ctypes.POINTER(_lib.W2VVectors)(), Err()
        err.check(L.recur_w2v_load(p, fmt, limit, ctypes.byref(out), err.ref), path=p)
        try:
            return cls._from_c(out.contents)
        finally:
            L.recur_w2v_vectors_free(out)

    # ---- lookup ----
    def __len__(self):
        return len(self.index_to_key)

    def __contains__(self, key):
        return key in self.key_to_index

    def has_index_for(self, key):
        return self.get_index(key, -1) >= 0

    def get_index(self, key, default=None):
        val = self.key_to_index.get(key, -1) if isinstance(key, str) else -1
        if val >= 0:
            return val
        if isinstance(key, (int, np.integer)) and not isinstance(key, bool) and 0 <= key < len(self.index_to_key):
            return int(key)
        if default is not None:
            return default
        raise KeyError("Key '%s' not present" % (key,))

    def get_vector(self, key, norm=False):
        index = self.get_index(key)
        if norm:
            self.fill_norms()
            return self.vectors[index] / self.norms[index]
        return self.vectors[index]

    def __getitem__(self, key_or_keys):
        if isinstance(key_or_keys, _KEY_TYPES):
            return self.get_vector(key_or_keys)
        return np.vstack([self.get_vector(k) for k in key_or_keys])

    def fill_norms(self, force=False):
        if self.norms is None or force:
            self.norms = np.linalg.norm(self.vectors, axis=1)
            self._indexes = {}

    def get_mean_vector(self, keys, weights=None, pre_normalize=True, post_normalize=False, ignore_missing=True):
        if len(keys) == 0:
            raise ValueError("cannot compute mean with no input")
        if weights is None:
            weights = np.ones(len(keys))
        mean, total = np.zeros(self.vector_size, np.float32), 0.0
        for key, w in zip(keys, weights):
            if isinstance(key, np.ndarray):
                mean += w * key
                total += abs(w)
            elif key in self or (isinstance(key, (int, np.integer)) and self.has_index_for(key)):
                mean += w * self.get_vector(key, norm=pre_normalize)
                total += abs(w)
            elif not ignore_missing:
                raise KeyError("Key '%s' not present in vocabulary" % key)
        if total > 0:
            mean = mean / total
        if post_normalize:
            n = np.linalg.norm(mean)
            mean = (mean / n if n else mean).astype(np.float32)
        return mean

    # ---- search (librecur) ----
    def _index(self, top):
        """The C index of unit vectors of the first top rows, built once."""
        self.fill_norms()
        ix = self._indexes.get(top)
        if ix is None:
            data = np.ascontiguousarray(self.vectors, dtype=np.float32)
            words = [w.encode("utf-8", "surrogateescape") for w in self.index_to_key]
            word_arr = (ctypes.c_char_p * max(1, len(words)))(*words)
            v = _lib.W2VVectors(len(words), self.vector_size, word_arr,
                                data.ctypes.data_as(ctypes.POINTER(ctypes.c_float)))
            out, err = ctypes.c_void_p(), Err()
            err.check(L.recur_w2v_index_create(ctypes.byref(v), top, 0, ctypes.byref(out), err.ref))
            ix = Owned(out.value, L.recur_w2v_index_free, keep=(words, word_arr))  # the index borrows the words
            self._indexes[top] = ix
        return ix

    def _nearest(self, query, exclude, k, top):
        ix = self._index(top)
        q = np.ascontiguousarray(query, dtype=np.float32)
        ex = (ctypes.c_int * max(1, len(exclude)))(*exclude)
        ids, cos = (ctypes.c_int * max(1, k))(), (ctypes.c_float * max(1, k))()
        n = L.recur_w2v_nearest(ix.ptr, q.ctypes.data_as(ctypes.POINTER(ctypes.c_float)), ex, len(exclude), k,
                                ids, cos)
        return [(self.index_to_key[ids[i]], float(cos[i])) for i in range(n)]

    def most_similar(self, positive=None, negative=None, topn=10, clip_start=0, clip_end=None,
                     restrict_vocab=None, indexer=None):
        """The topn words nearest (by cosine) to the mean of the unit vectors
        of positive minus those of negative, the query words left out:
        [(word, cosine), ...], as gensim's most_similar. topn=None returns
        every row's cosine as an array."""
        if indexer is not None:
            raise ValueError("recur searches with its own index (indexer is not supported)")
        if isinstance(topn, (int, np.integer)) and not isinstance(topn, bool) and topn < 1:
            return []
        positive = _as_list(positive)
        negative = _as_list(negative)
        keys = positive + negative
        weights = [1.0] * len(positive) + [-1.0] * len(negative)
        mean = self.get_mean_vector(keys, weights, pre_normalize=True, post_normalize=True, ignore_missing=False)
        all_keys = [self.get_index(k) for k in keys if isinstance(k, _KEY_TYPES) and self.has_index_for(k)]
        if restrict_vocab is not None:
            clip_start, clip_end = 0, _check.integer("restrict_vocab", restrict_vocab, 1, _check.INT32_MAX)
        clip_end = min(clip_end or len(self.vectors), len(self.vectors))
        if not topn or clip_start:
            self.fill_norms()
            dists = self.vectors[clip_start:clip_end] @ mean / self.norms[clip_start:clip_end]
            if not topn:
                return dists
            best = np.argsort(-dists, kind="stable")[:topn + len(all_keys)]
            res = [(self.index_to_key[i + clip_start], float(dists[i])) for i in best if i + clip_start not in all_keys]
            return res[:topn]
        topn = _check.integer("topn", topn, 1, _check.INT32_MAX)
        return self._nearest(mean, sorted(set(all_keys)), topn, 0 if clip_end == len(self.vectors) else clip_end)

    def similar_by_word(self, word, topn=10, restrict_vocab=None):
        return self.most_similar(positive=[word], topn=topn, restrict_vocab=restrict_vocab)

    def similar_by_vector(self, vector, topn=10, restrict_vocab=None):
        return self.most_similar(positive=[np.asarray(vector, np.float32)], topn=topn, restrict_vocab=restrict_vocab)

    def similarity(self, w1, w2):
        """Cosine similarity of two words."""
        a, b = self[w1], self[w2]
        return float(np.dot(_unit(a), _unit(b)))

    def distance(self, w1, w2):
        return 1 - self.similarity(w1, w2)

    def evaluate_word_analogies(self, analogies, restrict_vocab=300000, case_insensitive=True, dummy4unknown=False,
                                similarity_function="most_similar"):
        """Scores a questions-words.txt file as gensim does: for "a b c d",
        right when the nearest word to b - a + c among the first
        restrict_vocab (unit vectors, a, b and c left out, ASCII case folded
        with the more frequent spelling kept) is d. Returns (accuracy,
        sections), each section a dict of 'section', 'correct' and
        'incorrect' question lists, the last one 'Total accuracy'."""
        if similarity_function != "most_similar":
            raise ValueError("only similarity_function='most_similar' (3CosAdd) is supported")
        restrict_vocab = _check.integer("restrict_vocab", restrict_vocab, 1, _check.INT32_MAX)
        ok_keys = self.index_to_key[:restrict_vocab]
        fold = (lambda w: w.upper()) if case_insensitive else (lambda w: w)
        ok_vocab = {fold(k): self.get_index(k) for k in reversed(ok_keys)}
        top = min(restrict_vocab, len(self))
        top = 0 if top == len(self) else top
        self.fill_norms()
        unit = lambda i: self.vectors[i] / self.norms[i]  # noqa: E731
        oov, quadruplets, sections, section = 0, 0, [], None
        with open(_check.path("analogies", analogies), "rb") as fin:
            for line_no, raw in enumerate(fin):
                line = raw.decode("utf-8")
                if line.startswith(": "):
                    if section:
                        sections.append(section)
                    section = {"section": line.lstrip(": ").strip(), "correct": [], "incorrect": []}
                    continue
                if not section:
                    raise ValueError("Missing section header before line #%i in %s" % (line_no, analogies))
                try:
                    a, b, c, expected = [fold(w) for w in line.split()]
                except ValueError:
                    continue
                quadruplets += 1
                if a not in ok_vocab or b not in ok_vocab or c not in ok_vocab or expected not in ok_vocab:
                    oov += 1
                    if dummy4unknown:
                        section["incorrect"].append((a, b, c, expected))
                    continue
                ia, ib, ic = ok_vocab[a], ok_vocab[b], ok_vocab[c]
                mean = (unit(ib) + unit(ic) - unit(ia)) / 3.0
                mean = (mean / np.linalg.norm(mean)).astype(np.float32)
                predicted = None
                ignore = {a, b, c}
                for word, _ in self._nearest(mean, sorted({ia, ib, ic}), 5, top):
                    predicted = fold(word)
                    if predicted in ok_vocab and predicted not in ignore:
                        break
                section["correct" if predicted == expected else "incorrect"].append((a, b, c, expected))
        if section:
            sections.append(section)
        total = {"section": "Total accuracy",
                 "correct": list(itertools.chain.from_iterable(s["correct"] for s in sections)),
                 "incorrect": list(itertools.chain.from_iterable(s["incorrect"] for s in sections))}
        right, wrong = len(total["correct"]), len(total["incorrect"])
        if dummy4unknown:
            score = right / quadruplets if quadruplets else 0.0
        else:
            score = right / (right + wrong) if right + wrong else 0.0
        sections.append(total)
        return score, sections

    # ---- files ----
    def save_word2vec_format(self, fname, fvocab=None, binary=False, total_vec=None, write_header=True, prefix="",
                             append=False, sort_attr="count"):
        """Writes the word2vec text or binary format, atomically."""
        if fvocab is not None or total_vec is not None or not write_header or prefix or append:
            raise ValueError("recur writes whole word2vec files with a header (no fvocab, prefix or append)")
        p = _check.path("fname", fname)
        data = np.ascontiguousarray(self.vectors, dtype=np.float32)
        if data.shape != (len(self.index_to_key), self.vector_size):
            raise ValueError("vectors has shape %s for %d keys of size %d" % (data.shape, len(self.index_to_key),
                                                                                self.vector_size))
        words = [_check.text("key", str(w)) for w in self.index_to_key]
        if any(not w or b" " in w or b"\n" in w for w in words):
            raise ValueError("a key is empty or holds a space or a line end, which word2vec files cannot store")
        arr = (ctypes.c_char_p * max(1, len(words)))(*words)
        v = _lib.W2VVectors(len(words), self.vector_size, arr, data.ctypes.data_as(ctypes.POINTER(ctypes.c_float)))
        err = Err()
        err.check(L.recur_w2v_save(ctypes.byref(v), p, 2 if binary else 1, err.ref), path=p)


def _as_list(x):
    if x is None:
        return []
    if isinstance(x, _KEY_TYPES) or isinstance(x, np.ndarray) and x.ndim == 1:
        return [x]
    return list(x)


def _unit(v):
    v = np.asarray(v, dtype=np.float32)
    n = np.linalg.norm(v)
    return v / n if n else v


class Word2Vec:
    """Trains word vectors with librecur (skip-gram or CBOW, negative
    sampling or hierarchical softmax), with gensim's parameter names and
    defaults: ``Word2Vec(corpus_file="text.txt", vector_size=100, window=5,
    sg=0, negative=5, epochs=5, workers=3)``; ``model.wv`` is the
    KeyedVectors. Each line of the corpus is a sentence of
    whitespace-separated words; as word2vec.c, the line end is a word
    ("</s>", the first row)."""

    def __init__(self, sentences=None, corpus_file=None, vector_size=100, alpha=0.025, window=5, min_count=5,
                 max_vocab_size=None, sample=1e-3, seed=1, workers=3, min_alpha=0.0001, sg=0, hs=0, negative=5,
                 ns_exponent=0.75, cbow_mean=1, epochs=5, callbacks=(), progress=None):
        if (sentences is None) == (corpus_file is None):
            raise TypeError("give exactly one of sentences (lists of words) and corpus_file (a path)")
        if max_vocab_size is not None or ns_exponent != 0.75 or cbow_mean != 1 or callbacks:
            raise ValueError("recur trains with max_vocab_size=None, ns_exponent=0.75, cbow_mean=1, no callbacks")
        _check.real("min_alpha", min_alpha, 0.0, 1.0)  # recur decays to alpha * 1e-4, as word2vec.c
        o = _lib.W2VOptions()
        L.recur_w2v_options_default(ctypes.byref(o))
        o.cbow = 0 if _check.integer("sg", sg, 0, 1) else 1
        o.size = _check.integer("vector_size", vector_size, 1, 1 << 16)
        o.window = _check.integer("window", window, 1, 1 << 16)
        o.negative = _check.integer("negative", negative, 0, 1 << 16)
        o.hs = _check.integer("hs", hs, 0, 1)
        o.sample = _check.real("sample", sample, 0.0, 1.0)
        o.min_count = _check.integer("min_count", min_count, 1, _check.INT32_MAX)
        o.alpha = _check.real("alpha", alpha, 1e-9, 10.0)
        o.iter = _check.integer("epochs", epochs, 1, 1 << 20)
        o.threads = _check.integer("workers", workers, 1, 1024)
        o.seed = _check.integer("seed", seed, 0, 2**64 - 1)
        self.vector_size, self.window, self.sg, self.negative, self.hs = o.size, o.window, 1 - o.cbow, o.negative, o.hs
        self.epochs, self.workers, self.alpha, self.min_count, self.sample = o.iter, o.threads, o.alpha, o.min_count, o.sample
        self._progress_error = None
        if progress is not None:
            if not callable(progress):
                raise TypeError("progress must be callable")

            def on_progress(p, user):
                try:
                    progress(p.contents.words_done, p.contents.words_total, p.contents.alpha)
                except BaseException as e:  # noqa: B036 (kept and re-raised after training)
                    self._progress_error = e
            o.progress = _lib.W2V_PROGRESS_FN(on_progress)
        self._options = o
        out, stats, err = ctypes.POINTER(_lib.W2VVectors)(), _lib.W2VStats(), Err()
        if corpus_file is not None:
            p = _check.path("corpus_file", corpus_file)
            st = L.recur_w2v_train_file(p, ctypes.byref(o), ctypes.byref(out), ctypes.byref(stats), err.ref)
        else:
            p = None
            text = "\n".join(" ".join(_check_words(s)) for s in sentences) + "\n"
            b = _check.text("sentences", text)
            st = L.recur_w2v_train(b, len(b), ctypes.byref(o), ctypes.byref(out), ctypes.byref(stats), err.ref)
        if self._progress_error is not None:
            if st == 0:
                L.recur_w2v_vectors_free(out)
            raise self._progress_error
        err.check(st, path=p)
        try:
            self.wv = KeyedVectors._from_c(out.contents)
        finally:
            L.recur_w2v_vectors_free(out)
        self.corpus_count = int(stats.corpus_words)
        self.train_words = int(stats.train_words)
        self.training_seconds = float(stats.seconds)


def _check_words(sentence):
    if isinstance(sentence, str):
        raise TypeError("each sentence must be a list of words, not a str")
    return [w if isinstance(w, str) else str(w) for w in sentence]
