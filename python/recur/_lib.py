"""Finding librecur and declaring the C functions the package calls.

The library is looked for, in order:

1. the file (or directory holding it) named by the environment variable
   ``RECUR_LIBRARY``;
2. next to this package (``recur/librecur.so``, where ``cmake --install``
   puts a copy when it installs the package);
3. the build tree, when the package runs from a source checkout
   (``<checkout>/build/librecur.so``);
4. the prefix recorded by ``cmake --install`` (``recur/_install_prefix.py``),
   then ``sys.prefix/lib`` and the system's search path.

When none loads, the ImportError lists every path tried and why it failed.
ctypes releases the GIL around every call into a CDLL, so training and
generation run while other Python threads do.
"""

import ctypes
import ctypes.util
import os
import sys

_NAMES = ("librecur.so", "librecur.so.0", "librecur.dylib")


def _candidates():
    here = os.path.dirname(os.path.abspath(__file__))
    env = os.environ.get("RECUR_LIBRARY")
    if env:
        if os.path.isdir(env):
            for name in _NAMES:
                yield os.path.join(env, name), "RECUR_LIBRARY"
        else:
            yield env, "RECUR_LIBRARY"
        return  # an explicit choice: never fall back to another copy silently
    for name in _NAMES:
        yield os.path.join(here, name), "next to the package"
    checkout = os.path.dirname(os.path.dirname(here))
    for name in _NAMES:
        yield os.path.join(checkout, "build", name), "the build tree"
    try:
        from . import _install_prefix  # written by cmake --install
        for name in _NAMES:
            yield os.path.join(_install_prefix.LIBDIR, name), "the installed prefix"
    except ImportError:
        pass
    for name in _NAMES:
        yield os.path.join(sys.prefix, "lib", name), "sys.prefix"
    found = ctypes.util.find_library("recur")
    yield (found or "librecur.so"), "the system's library path"


def _load():
    tried = []
    for path, where in _candidates():
        if os.path.sep in path and not os.path.exists(path):
            tried.append("%s (%s): no such file" % (path, where))
            continue
        try:
            lib = ctypes.CDLL(path)
        except OSError as e:
            tried.append("%s (%s): %s" % (path, where, e))
            continue
        if not hasattr(lib, "recur_model_load"):
            tried.append("%s (%s): not librecur" % (path, where))
            continue
        lib._recur_path = path
        return lib
    raise ImportError(
        "recur: cannot load librecur. Build it (scripts/setup.sh), install it "
        "(cmake --install build), or set RECUR_LIBRARY to the file. Tried:\n  " + "\n  ".join(tried))


lib = _load()
path = lib._recur_path

c_int, c_int32, c_int64, c_uint64 = ctypes.c_int, ctypes.c_int32, ctypes.c_int64, ctypes.c_uint64
c_float, c_double, c_size_t = ctypes.c_float, ctypes.c_double, ctypes.c_size_t
c_char_p, c_void_p = ctypes.c_char_p, ctypes.c_void_p
P = ctypes.POINTER


class Error(ctypes.Structure):
    _fields_ = [("status", c_int), ("msg", ctypes.c_char * 512)]


class Config(ctypes.Structure):
    _fields_ = [("level", c_int), ("cell", c_int), ("layers", c_int), ("hidden", c_int), ("embed", c_int),
                ("vocab_size", c_int), ("tied", c_int), ("peephole", c_int), ("dropout", c_float),
                ("init_scale", c_float), ("forget_bias", c_float), ("bidirectional", c_int), ("task", c_int),
                ("labels", c_int), ("pool", c_int), ("feature_size", c_int), ("feature_embed", c_int),
                ("norm", c_int), ("norm_steps", c_int)]


class EvalResult(ctypes.Structure):
    _fields_ = [("loss", c_double), ("bits_per_token", c_double), ("perplexity", c_double), ("tokens", c_size_t)]


class TensorInfo(ctypes.Structure):
    _fields_ = [("name", c_char_p), ("ndim", c_int), ("shape", c_int64 * 2), ("size", c_size_t), ("tied", c_int)]


class SampleSettings(ctypes.Structure):
    _fields_ = [("mode", c_int), ("temperature", c_float), ("top_k", c_int), ("top_p", c_float),
                ("min_p", c_float), ("repeat_penalty", c_float), ("repeat_last_n", c_int),
                ("presence_penalty", c_float), ("frequency_penalty", c_float), ("beam", c_int),
                ("seed", c_uint64)]


class GenerateOptions(ctypes.Structure):
    _fields_ = [("prime", c_char_p), ("max_tokens", c_int), ("stop", P(c_char_p)), ("n_stop", c_int),
                ("count", c_int), ("weights", c_int)]


TEXT_FN = ctypes.CFUNCTYPE(c_int, c_void_p, c_int, P(ctypes.c_char), c_size_t, c_int, c_int)


class W2VProgress(ctypes.Structure):
    _fields_ = [("words_done", c_int64), ("words_total", c_int64), ("alpha", c_double), ("elapsed_s", c_double),
                ("words_per_sec_per_thread", c_double), ("eta_s", c_double)]


W2V_PROGRESS_FN = ctypes.CFUNCTYPE(None, P(W2VProgress), c_void_p)


class W2VOptions(ctypes.Structure):
    _fields_ = [("cbow", c_int), ("size", c_int), ("window", c_int), ("negative", c_int), ("nce", c_int),
                ("hs", c_int), ("sample", c_double), ("min_count", c_int), ("alpha", c_double), ("iter", c_int),
                ("threads", c_int), ("seed", c_uint64), ("max_sentence", c_int), ("plain", c_int),
                ("progress", W2V_PROGRESS_FN), ("progress_user", c_void_p)]


class W2VStats(ctypes.Structure):
    _fields_ = [("vocab_size", c_int64), ("corpus_words", c_int64), ("train_words", c_int64),
                ("words_done", c_int64), ("seconds", c_double), ("words_per_sec_per_thread", c_double)]


class W2VVectors(ctypes.Structure):
    _fields_ = [("count", c_int), ("dim", c_int), ("words", P(c_char_p)), ("data", P(c_float))]


def _declare(name, restype, *argtypes, optional=False):
    fn = getattr(lib, name, None)
    if fn is None:
        if optional:
            return
        raise ImportError("recur: %s lacks %s (an older library?)" % (path, name))
    fn.restype = restype
    fn.argtypes = argtypes


E = P(Error)
_declare("recur_status_name", c_char_p, c_int)
_declare("recur_set_threads", None, c_int)
# text
_declare("recur_vocab_from_tokens", c_int, P(c_char_p), c_int, c_int, P(c_void_p), E)
_declare("recur_vocab_free", None, c_void_p)
_declare("recur_vocab_size", c_int, c_void_p)
_declare("recur_vocab_level", c_int, c_void_p)
_declare("recur_vocab_token", c_char_p, c_void_p, c_int)
_declare("recur_vocab_find", c_int, c_void_p, c_char_p, c_size_t)
_declare("recur_vocab_encode", c_int, c_void_p, c_char_p, c_size_t, P(P(c_int32)), P(c_size_t), E)
_declare("recur_utf8_validate", c_int, c_char_p, c_size_t, E)
# models
_declare("recur_config_default", None, P(Config))
_declare("recur_model_load", c_int, c_char_p, P(c_void_p), E)
_declare("recur_model_save", c_int, c_void_p, c_char_p, E)
_declare("recur_model_free", None, c_void_p)
_declare("recur_model_config", P(Config), c_void_p)
_declare("recur_model_vocab", c_void_p, c_void_p)
_declare("recur_model_labels", c_void_p, c_void_p)
_declare("recur_model_param_count", c_size_t, c_void_p)
_declare("recur_task_model_create", c_int, P(Config), c_void_p, c_void_p, c_void_p, c_uint64, P(c_void_p), E)
_declare("recur_model_evaluate", c_int, c_void_p, P(c_int32), c_size_t, c_int, c_int, P(EvalResult), E)
_declare("recur_model_average", c_int, P(c_void_p), c_int, P(c_void_p), E, optional=True)
# tensors and log-probabilities (src/model/tensors.c), optional like the later parts below
_declare("recur_model_tensor_count", c_int, c_void_p, optional=True)
_declare("recur_model_tensor", P(c_float), c_void_p, c_int, P(TensorInfo), optional=True)
_declare("recur_model_log_probs", c_int, c_void_p, P(c_int32), c_size_t, P(c_float), E, optional=True)
# batch-1 sampler
_declare("recur_sampler_create_with", c_int, c_void_p, c_uint64, c_int, P(c_void_p), E)
_declare("recur_sampler_free", None, c_void_p)
_declare("recur_sampler_feed", c_int, c_void_p, c_int32, E)
_declare("recur_sampler_pick", c_int32, c_void_p, c_int, c_float, c_int)
_declare("recur_sampler_logits", P(c_float), c_void_p)
# generation (recur/generate.h); optional while a library without it is in use
for _args in [
    ("recur_sample_settings_default", None, P(SampleSettings)),
    ("recur_sample_settings_check", c_int, P(SampleSettings), E),
    ("recur_generate_options_default", None, P(GenerateOptions)),
    ("recur_generate", c_int, c_void_p, P(SampleSettings), P(GenerateOptions), TEXT_FN, c_void_p, E),
    ("recur_streams_create", c_int, c_void_p, c_int, c_int, P(c_void_p), E),
    ("recur_streams_free", None, c_void_p),
    ("recur_streams_reset", None, c_void_p, c_int),
    ("recur_streams_feed", c_int, c_void_p, c_int, P(c_int), P(c_int32), E),
    ("recur_streams_logits", P(c_float), c_void_p, c_int),
    ("recur_streams_state_size", c_size_t, c_void_p),
    ("recur_streams_get_state", None, c_void_p, c_int, P(c_float)),
    ("recur_streams_set_state", None, c_void_p, c_int, P(c_float)),
    ("recur_generator_create", c_int, c_void_p, P(SampleSettings), P(GenerateOptions), P(c_void_p), E),
    ("recur_generator_next", c_int, c_void_p, P(P(ctypes.c_char)), P(c_size_t), P(c_int), P(c_int), E),
    ("recur_generator_free", None, c_void_p),
]:
    _declare(*_args, optional=True)
# word vectors
_declare("recur_w2v_options_default", None, P(W2VOptions))
_declare("recur_w2v_train", c_int, c_char_p, c_size_t, P(W2VOptions), P(P(W2VVectors)), P(W2VStats), E)
_declare("recur_w2v_train_file", c_int, c_char_p, P(W2VOptions), P(P(W2VVectors)), P(W2VStats), E)
_declare("recur_w2v_save", c_int, P(W2VVectors), c_char_p, c_int, E)
_declare("recur_w2v_load", c_int, c_char_p, c_int, c_int, P(P(W2VVectors)), E)
_declare("recur_w2v_vectors_free", None, P(W2VVectors))
_declare("recur_w2v_index_create", c_int, P(W2VVectors), c_int, c_int, P(c_void_p), E)
_declare("recur_w2v_index_free", None, c_void_p)
_declare("recur_w2v_nearest", c_int, c_void_p, P(c_float), P(c_int), c_int, c_int, P(c_int), P(c_float))

# free() as the process resolves it (the global scope): the same allocator
# librecur's malloc came from, an interposed one (a sanitizer's) included.
libc = ctypes.CDLL(None)
libc.free.restype = None
libc.free.argtypes = [c_void_p]


def has(name):
    """Whether the loaded library exports name (parts of the API land over time)."""
    return hasattr(lib, name)
