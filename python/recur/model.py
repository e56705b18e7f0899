"""Language models: load, save, inspect, encode, evaluate, step, and the
weights as NumPy arrays under PyTorch's names."""

import collections
import ctypes
import dataclasses
import threading

import numpy as np

from . import _check, _lib
from .errors import Err

L = _lib.lib

CELLS = ("rnn_tanh", "rnn_relu", "lstm", "gru")
LEVELS = ("char", "word")
TASKS = ("lm", "tag", "cloze", "classify")
POOLS = ("mean", "last")
NORMS = ("none", "batch", "layer")
_CELL_ALIASES = {"rnn": "rnn_tanh", "tanh": "rnn_tanh", "relu": "rnn_relu"}


class Owned:
    """A C object with the function that frees it. It is freed once, when
    the last Python reference goes: a closed model stays alive while a
    NumPy view, a generator or another thread still uses it, so no Python
    code can reach freed memory."""

    __slots__ = ("ptr", "_free", "keep")

    def __init__(self, ptr, free, keep=None):
        self.ptr = ptr
        self._free = free
        self.keep = keep  # what the C object borrows (a model under a sampler)

    def __del__(self):
        ptr, self.ptr = self.ptr, None
        if ptr:
            self._free(ptr)


def _pick(name, value, choices, aliases=None):
    if not isinstance(value, str):
        raise TypeError("%s must be a str, got %s" % (name, type(value).__name__))
    value = (aliases or {}).get(value, value)
    if value not in choices:
        raise ValueError("%s must be one of %s, got %r" % (name, ", ".join(choices), value))
    return choices.index(value)


@dataclasses.dataclass(frozen=True)
class Config:
    """A model's configuration (recur_config), with names for the enums."""

    level: str = "char"
    cell: str = "lstm"
    layers: int = 2
    hidden: int = 128
    embed: int = 0  # 0: the same as hidden
    vocab_size: int = 0  # filled in from the vocabulary
    tied: bool = False
    peephole: bool = False
    dropout: float = 0.0
    init_scale: float = 0.0
    forget_bias: float = 0.0
    bidirectional: bool = False
    task: str = "lm"
    labels: int = 0
    pool: str = "mean"
    feature_size: int = 0
    feature_embed: int = 0
    norm: str = "none"  # "batch" or "layer": normalised recurrent layers
    norm_steps: int = 0  # batch norm: steps with their own running averages

    @classmethod
    def _from_c(cls, c):
        return cls(level=LEVELS[c.level], cell=CELLS[c.cell], layers=c.layers, hidden=c.hidden, embed=c.embed,
                   vocab_size=c.vocab_size, tied=bool(c.tied), peephole=bool(c.peephole),
                   dropout=float(np.float32(c.dropout)), init_scale=float(np.float32(c.init_scale)),
                   forget_bias=float(np.float32(c.forget_bias)), bidirectional=bool(c.bidirectional),
                   task=TASKS[c.task], labels=c.labels, pool=POOLS[c.pool], feature_size=c.feature_size,
                   feature_embed=c.feature_embed, norm=NORMS[c.norm], norm_steps=c.norm_steps)

    def _to_c(self):
        c = _lib.Config()
        L.recur_config_default(ctypes.byref(c))
        c.level = _pick("level", self.level, LEVELS)
        c.cell = _pick("cell", self.cell, CELLS, _CELL_ALIASES)
        c.task = _pick("task", self.task, TASKS)
        c.pool = _pick("pool", self.pool, POOLS)
        c.norm = _pick("norm", self.norm, NORMS)
        for name in ("layers", "hidden", "embed", "vocab_size", "labels", "feature_size", "feature_embed",
                     "norm_steps"):
            setattr(c, name, _check.integer(name, getattr(self, name), 0, _check.INT32_MAX))
        for name in ("tied", "peephole", "bidirectional"):
            v = getattr(self, name)
            if not isinstance(v, (bool, int)) or v not in (0, 1):
                raise TypeError("%s must be a bool, got %r" % (name, v))
            setattr(c, name, int(v))
        for name in ("dropout", "init_scale", "forget_bias"):
            setattr(c, name, _check.real(name, getattr(self, name)))
        return c

    def asdict(self):
        return dataclasses.asdict(self)


class Vocab(collections.abc.Sequence):
    """The tokens of a model in id order, as Python strings."""

    def __init__(self, tokens, level):
        self._tokens = tuple(tokens)
        self.level = level
        self._ids = None

    @classmethod
    def _from_c(cls, v):
        n = L.recur_vocab_size(v)
        tokens = [L.recur_vocab_token(v, i).decode("utf-8") for i in range(n)]
        return cls(tokens, LEVELS[L.recur_vocab_level(v)])

    def __len__(self):
        return len(self._tokens)

    def __getitem__(self, i):
        return self._tokens[i]

    def __contains__(self, token):
        return token in self._lookup()

    def __eq__(self, other):
        return isinstance(other, Vocab) and self._tokens == other._tokens and self.level == other.level

    def __hash__(self):
        return hash((self._tokens, self.level))

    def __repr__(self):
        return "Vocab(%d %s tokens)" % (len(self), self.level)

    def _lookup(self):
        if self._ids is None:
            self._ids = {t: i for i, t in enumerate(self._tokens)}
        return self._ids

    def index(self, token, *args):
        try:
            return self._lookup()[token]
        except KeyError:
            raise ValueError("%r is not in the vocabulary" % (token,)) from None


EvalResult = collections.namedtuple("EvalResult", "loss bits_per_token perplexity tokens")


def token_array(name, tokens, vocab_size):
    """Token ids as a contiguous int32 array, every one in range."""
    if isinstance(tokens, (str, bytes)):
        raise TypeError("%s must be token ids (ints); encode text with model.encode" % name)
    if isinstance(tokens, (int, np.integer)) and not isinstance(tokens, bool):
        tokens = [tokens]
    try:
        a = np.asarray(tokens)
    except (TypeError, ValueError) as e:
        raise TypeError("%s must be a sequence of ints: %s" % (name, e)) from None
    if a.size == 0:
        a = a.astype(np.int64)
    if a.ndim != 1:
        raise ValueError("%s must be one-dimensional, got shape %s" % (name, a.shape))
    if a.dtype == bool or not np.issubdtype(a.dtype, np.integer):
        raise TypeError("%s must be ints, got %s" % (name, a.dtype))
    if a.size and (a.min() < 0 or a.max() >= vocab_size):
        bad = int(a[(a < 0) | (a >= vocab_size)][0])
        raise ValueError("%s: id %d is outside the vocabulary of %d" % (name, bad, vocab_size))
    return np.ascontiguousarray(a, dtype=np.int32)


def _ids_ptr(a):
    return a.ctypes.data_as(ctypes.POINTER(ctypes.c_int32))


class Model:
    """A recur model (an embedding, recurrent layers, a decoder).

    Load one with ``Model.load(path)``; free it with ``close()`` or a
    ``with`` block (or let it be collected). Every method may be called from
    several threads at once: generation and ``step`` keep their state per
    call or per thread."""

    def __init__(self, owned):
        self._h = owned
        self._config = None
        self._vocab = None
        self._labels = None
        self._local = threading.local()

    # ---- life ----
    @classmethod
    def load(cls, path):
        """Reads a safetensors checkpoint written by recur (or by PyTorch
        with recur's metadata)."""
        p = _check.path("path", path)
        out, err = ctypes.c_void_p(), Err()
        err.check(L.recur_model_load(p, ctypes.byref(out), err.ref), path=p)
        return cls(Owned(out.value, L.recur_model_free))

    @classmethod
    def average(cls, models):
        """A new model whose every weight is the mean of that weight in
        ``models``: checkpoints of one architecture and vocabulary, such as
        the models a run kept at its last epochs (``recur average``)."""
        models = list(models)
        if not models or not all(isinstance(m, Model) for m in models):
            raise TypeError("average needs a non-empty sequence of recur.Model")
        if not _lib.has("recur_model_average"):
            raise NotImplementedError("this librecur has no recur_model_average")
        ptrs = (ctypes.c_void_p * len(models))(*[m._ptr for m in models])
        out, err = ctypes.c_void_p(), Err()
        err.check(L.recur_model_average(ptrs, len(models), ctypes.byref(out), err.ref))
        return cls(Owned(out.value, L.recur_model_free))

    def save(self, path):
        """Writes the model atomically (a temporary file, then a rename)."""
        p = _check.path("path", path)
        err = Err()
        err.check(L.recur_model_save(self._ptr, p, err.ref), path=p)

    def close(self):
        """Releases the model. Arrays from state_dict and running generators
        keep the C model alive until they go; every other use raises."""
        self._h = None
        self._local = threading.local()

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()

    @property
    def closed(self):
        return self._h is None

    @property
    def _ptr(self):
        h = self._h
        if h is None:
            raise ValueError("the model is closed")
        return h.ptr

    def _owned(self):
        h = self._h
        if h is None:
            raise ValueError("the model is closed")
        return h

    def __repr__(self):
        if self._h is None:
            return "<recur.Model closed>"
        c = self.config
        return "<recur.Model %s %dx%d %s, %d tokens, %d parameters>" % (
            c.cell, c.layers, c.hidden, c.level, c.vocab_size, self.num_parameters)

    # ---- what it is ----
    @property
    def config(self):
        if self._config is None:
            self._config = Config._from_c(L.recur_model_config(self._ptr).contents)
        self._ptr  # noqa: B018 (raises when closed)
        return self._config

    @property
    def vocab(self):
        if self._vocab is None:
            self._vocab = Vocab._from_c(L.recur_model_vocab(self._ptr))
        self._ptr  # noqa: B018
        return self._vocab

    @property
    def labels(self):
        """The label names of a tag or classify model, else None."""
        v = L.recur_model_labels(self._ptr)
        if not v:
            return None
        if self._labels is None:
            self._labels = Vocab._from_c(v)
        return self._labels

    @property
    def num_parameters(self):
        """Distinct trainable parameters (a tied matrix counts once)."""
        return int(L.recur_model_param_count(self._ptr))

    # ---- text ----
    def encode(self, text):
        """Token ids of a text, as the model's vocabulary reads it (char:
        every character must be known; word: unknown words become <unk>)."""
        return self._encode(text).tolist()

    def _encode(self, text):
        b = _check.text("text", text)
        ids, n, err = ctypes.POINTER(ctypes.c_int32)(), ctypes.c_size_t(), Err()
        vocab = L.recur_model_vocab(self._ptr)
        err.check(L.recur_vocab_encode(vocab, b, len(b), ctypes.byref(ids), ctypes.byref(n), err.ref))
        try:
            return np.ctypeslib.as_array(ids, shape=(n.value,)).copy() if n.value else np.zeros(0, np.int32)
        finally:
            _lib.libc.free(ctypes.cast(ids, ctypes.c_void_p))

    def decode(self, ids):
        """Text of token ids: characters as they are; words joined by one
        space, with "<eos>" as a line end (as recur sample writes them)."""
        tokens = self.vocab
        a = token_array("ids", ids, len(tokens))
        if tokens.level == "char":
            return "".join(tokens[i] for i in a)
        out, word_before = [], False
        for i in a:
            t = tokens[i]
            if t == "<eos>":
                out.append("\n")
                word_before = False
            else:
                out.append(" " + t if word_before else t)
                word_before = True
        return "".join(out)

    def _ids(self, tokens):
        if isinstance(tokens, str):
            return self._encode(tokens)
        return token_array("tokens", tokens, self.config.vocab_size)

    # ---- evaluation ----
    def evaluate(self, text, batch=1, seq=50):
        """Mean cross-entropy over a text (or token ids) with the state
        carried across windows of seq steps, as ``recur eval`` computes it:
        EvalResult(loss in nats per token, bits_per_token, perplexity,
        tokens predicted)."""
        batch = _check.integer("batch", batch, 1, 100000)
        seq = _check.integer("seq", seq, 1, 100000)
        ids = self._ids(text)
        h = self._owned()
        res, err = _lib.EvalResult(), Err()
        err.check(L.recur_model_evaluate(h.ptr, _ids_ptr(ids), ids.size, batch, seq, ctypes.byref(res), err.ref))
        return EvalResult(res.loss, res.bits_per_token, res.perplexity, int(res.tokens))

    def log_probs(self, tokens):
        """Log-probabilities over a whole sequence from a zero state (dropout
        off): rows[t] is the distribution after tokens[0..t] for a language
        model, at position t (both directions) for tag and cloze models, and
        one row for a classifier. What to_torch()'s module reproduces."""
        ids = self._ids(tokens)
        c = self.config
        rows = 1 if c.task == "classify" else ids.size
        cols = c.labels if c.task in ("tag", "classify") else c.vocab_size
        out = np.empty((rows, cols), np.float32)
        h, err = self._owned(), Err()
        err.check(L.recur_model_log_probs(h.ptr, _ids_ptr(ids), ids.size,
                                          out.ctypes.data_as(ctypes.POINTER(ctypes.c_float)), err.ref))
        return out

    # ---- stepping ----
    def _streams(self):
        st = getattr(self._local, "streams", None)
        if st is None:
            if not _lib.has("recur_streams_create"):
                raise NotImplementedError("this librecur has no recur_streams (recur/generate.h): step needs it")
            if self.config.task != "lm":
                raise ValueError("step needs a language model; this is a %s model" % self.config.task)
            h = self._owned()
            out, err = ctypes.c_void_p(), Err()
            err.check(L.recur_streams_create(h.ptr, 1, 0, ctypes.byref(out), err.ref))
            st = Owned(out.value, L.recur_streams_free, keep=h)
            self._local.streams = st
        return st

    def state_size(self):
        """Floats in a recurrent state: h of every layer, then c (LSTM)."""
        return int(L.recur_streams_state_size(self._streams().ptr))

    def step(self, token_ids, state=None):
        """Feeds token ids (one int or several) from state (None: zeros) and
        returns (logits after the last one, as a float32 array of
        vocab_size; the new state, a float32 array). The building block
        for a custom sampling loop; log_softmax of the logits gives the
        log-probabilities."""
        ids = token_array("token_ids", token_ids, self.config.vocab_size)
        if ids.size == 0:
            raise ValueError("step needs at least one token id")
        st = self._streams()
        n = int(L.recur_streams_state_size(st.ptr))
        fp = ctypes.POINTER(ctypes.c_float)
        if state is None:
            L.recur_streams_reset(st.ptr, 0)
        else:
            s = np.ascontiguousarray(state, dtype=np.float32)
            if s.shape != (n,):
                raise ValueError("state must be %d floats (model.step's own state), got shape %s" % (n, s.shape))
            if not np.isfinite(s).all():
                raise ValueError("state holds a NaN or an infinity")
            L.recur_streams_set_state(st.ptr, 0, s.ctypes.data_as(fp))
        slot, err = (ctypes.c_int * 1)(0), Err()
        for k in range(ids.size):
            err.check(L.recur_streams_feed(st.ptr, 1, slot, _ids_ptr(ids[k:k + 1]), err.ref))
        V = self.config.vocab_size
        logits = np.ctypeslib.as_array(L.recur_streams_logits(st.ptr, 0), shape=(V,)).copy()
        new_state = np.empty(n, np.float32)
        L.recur_streams_get_state(st.ptr, 0, new_state.ctypes.data_as(fp))
        return logits, new_state

    # ---- weights ----
    def _tensors(self):
        h = self._owned()
        for i in range(L.recur_model_tensor_count(h.ptr)):
            info = _lib.TensorInfo()
            p = L.recur_model_tensor(h.ptr, i, ctypes.byref(info))
            shape = (info.shape[0], info.shape[1]) if info.ndim == 2 else (info.shape[0],)
            buf = (ctypes.c_float * info.size).from_address(ctypes.addressof(p.contents))
            buf._owner = h  # the view keeps the C model alive
            yield info.name.decode(), np.frombuffer(buf, dtype=np.float32).reshape(shape), bool(info.tied)

    def state_dict(self):
        """The weights under PyTorch's names (``encoder.weight``,
        ``rnn.weight_ih_l0``, ..., ``decoder.bias``), as read-only float32
        views of the model's own memory (no copy). A tied decoder.weight is
        the same array as encoder.weight, as in PyTorch. ``np.array(a)``
        gives a copy to change; from_state_dict builds a model from one."""
        out = collections.OrderedDict()
        for name, a, _ in self._tensors():
            a.flags.writeable = False
            out[name] = a
        return out

    @classmethod
    def from_state_dict(cls, config, vocab, arrays, labels=None):
        """A model from its configuration (Config or dict), vocabulary (a
        Vocab or a list of token strings), arrays by PyTorch name (NumPy
        arrays, torch tensors, nested lists) and, for tag and classify
        models, the label names. Every tensor must be given with its shape
        (strict, as load_state_dict); a tied model may omit decoder.weight."""
        if isinstance(config, dict):
            config = Config(**config)
        if not isinstance(config, Config):
            raise TypeError("config must be a recur.Config or a dict, got %s" % type(config).__name__)
        c = config._to_c()
        tokens = list(vocab) if not isinstance(vocab, str) else None
        if tokens is None or not all(isinstance(t, str) for t in tokens):
            raise TypeError("vocab must be a sequence of str tokens")
        if not isinstance(arrays, collections.abc.Mapping):
            raise TypeError("arrays must be a mapping from tensor names to arrays")
        err = Err()
        v = _vocab_c(tokens, c.level, err)
        lab = None
        if labels is not None:
            try:
                lab = _vocab_c([str(x) for x in labels], 1, err)
            except BaseException:
                L.recur_vocab_free(v)
                raise
        out = ctypes.c_void_p()
        st = L.recur_task_model_create(ctypes.byref(c), v, lab, None, 0, ctypes.byref(out), err.ref)
        if st:
            L.recur_vocab_free(v)
            L.recur_vocab_free(lab)
            err.check(st)
        model = cls(Owned(out.value, L.recur_model_free))
        seen = set()
        for name, view, tied in model._tensors():
            if name not in arrays:
                if tied:
                    continue
                raise KeyError("from_state_dict: tensor '%s' is missing" % name)
            seen.add(name)
            a = arrays[name]
            if hasattr(a, "detach"):  # a torch tensor
                a = a.detach().cpu().numpy()
            try:
                a = np.asarray(a, dtype=np.float32)
            except (TypeError, ValueError) as e:
                raise TypeError("from_state_dict: tensor '%s' is not numeric: %s" % (name, e)) from None
            if a.shape != view.shape:
                raise ValueError("from_state_dict: tensor '%s' should have shape %s for this config, got %s"
                                 % (name, view.shape, a.shape))
            if not np.isfinite(a).all():
                raise ValueError("from_state_dict: tensor '%s' holds a NaN or an infinity" % name)
            if tied:
                if not np.array_equal(a, view):
                    raise ValueError("from_state_dict: the model is tied but decoder.weight differs from "
                                     "encoder.weight")
                continue
            view[...] = a
        extra = sorted(set(arrays) - seen)
        if extra:
            raise KeyError("from_state_dict: unexpected tensor(s) for this config: %s" % ", ".join(extra))
        return model

    def to_torch(self):
        """A torch.nn.Module with these weights (a copy) whose forward gives
        the same log-probabilities as log_probs (see recur.torch_port)."""
        from .torch_port import to_torch
        return to_torch(self)

    def generate(self, *args, **kwargs):
        from .generate import generate
        return generate(self, *args, **kwargs)

    generate.__doc__ = "Generates text; see recur.generate.generate for every argument."


def _vocab_c(tokens, level, err):
    bs = [_check.text("token", t) for t in tokens]
    arr = (ctypes.c_char_p * max(1, len(bs)))(*bs)
    out = ctypes.c_void_p()
    err.check(L.recur_vocab_from_tokens(arr, len(bs), level, ctypes.byref(out), err.ref))
    return out.value
