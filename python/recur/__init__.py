"""recur: recurrent neural networks over text, from Python.

A binding of librecur through ctypes (no compiler needed to install it):

    import recur
    model = recur.Model.load("shakespeare.safetensors")
    print(model.generate("ROMEO:", length=200, temperature=0.8, seed=1))
    print(model.evaluate(open("test.txt").read()).perplexity)

    kv = recur.KeyedVectors.load_word2vec_format("vectors.bin", binary=True)
    kv.most_similar("king", topn=5)

Every error of the library is raised as a recur.RecurError subclass that is
also ValueError, OSError / FileNotFoundError, MemoryError or
FloatingPointError, with the library's own message.
"""

from . import _lib
from .errors import (ArgumentError, FormatError, NonFiniteError, RecurError, RecurFileNotFoundError,
                     RecurMemoryError, RecurOSError)
from .model import Config, EvalResult, Model, Vocab
from .vectors import KeyedVectors, Word2Vec

__version__ = "0.1.0"
library_path = _lib.path
"""The librecur file this package loaded."""


def set_threads(threads):
    """Threads recur computes with, process-wide (<= 0: one per core)."""
    from . import _check
    _lib.lib.recur_set_threads(_check.integer("threads", threads, -1, 1024))


if _lib.has("recur_run_create"):  # the training run (recur/run.h)
    from .training import train  # noqa: F401

__all__ = ["Model", "Config", "Vocab", "EvalResult", "KeyedVectors", "Word2Vec", "train", "set_threads",
           "RecurError", "ArgumentError", "FormatError", "RecurOSError", "RecurFileNotFoundError",
           "RecurMemoryError", "NonFiniteError", "library_path"]
