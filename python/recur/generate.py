"""Text generation: recur_generate (recur/generate.h) with every sampling
control it has, all at once or streamed piece by piece."""

import ctypes
import queue
import threading

from . import _check, _lib
from .errors import Err
from .model import Owned

L = _lib.lib
MODES = ("argmax", "weighted", "space", "beam")
WEIGHTS = ("f32", "f16", "i8")


def _index(name, value, names):
    if not isinstance(value, str):
        raise TypeError("%s must be a str, got %s" % (name, type(value).__name__))
    if value not in names:
        raise ValueError("%s must be one of %s, got %r" % (name, ", ".join(names), value))
    return names.index(value)


def _settings(mode, temperature, top_k, top_p, min_p, repeat_penalty, repeat_last_n, presence_penalty,
              frequency_penalty, beam, seed):
    s = _lib.SampleSettings()
    L.recur_sample_settings_default(ctypes.byref(s))
    s.mode = _index("mode", mode, MODES)
    s.temperature = _check.real("temperature", temperature, 1e-3, 100.0)
    s.top_k = _check.integer("top_k", top_k, 0, _check.INT32_MAX)
    s.top_p = _check.real("top_p", top_p, 0.0, 1.0)
    s.min_p = _check.real("min_p", min_p, 0.0, 1.0)
    s.repeat_penalty = _check.real("repeat_penalty", repeat_penalty, 0.0, 1e30)
    s.repeat_last_n = _check.integer("repeat_last_n", repeat_last_n, 0, _check.INT32_MAX)
    s.presence_penalty = _check.real("presence_penalty", presence_penalty, -1e30, 1e30)
    s.frequency_penalty = _check.real("frequency_penalty", frequency_penalty, -1e30, 1e30)
    s.beam = _check.integer("beam", beam, 1, 1 << 16)
    s.seed = _check.integer("seed", seed, 0, 2**64 - 1)
    err = Err()
    err.check(L.recur_sample_settings_check(ctypes.byref(s), err.ref))
    return s


class _Run:
    """One recur_generate call: its arguments kept alive while C reads
    them, and the callback that hands pieces to Python."""

    def __init__(self, model, prime, length, stop, count, weights, settings):
        self.model = model._owned()
        if model.config.task != "lm":
            raise ValueError("generate needs a language model; this is a %s model" % model.config.task)
        self.o = _lib.GenerateOptions()
        L.recur_generate_options_default(ctypes.byref(self.o))
        self.prime = _check.text("prime", prime)
        self.o.prime = self.prime
        self.o.max_tokens = _check.integer("length", length, 0, _check.INT32_MAX)
        if stop is None:
            stop = []
        elif isinstance(stop, str):
            stop = [stop]
        self.stop = [_check.text("stop", s) for s in stop]
        if any(not s for s in self.stop):
            raise ValueError("a stop string is empty")
        self.stop_arr = (ctypes.c_char_p * max(1, len(self.stop)))(*self.stop)
        self.o.stop = self.stop_arr if self.stop else None
        self.o.n_stop = len(self.stop)
        self.o.count = _check.integer("count", count, 1, 4096)
        self.o.weights = _index("weights", weights, WEIGHTS)
        self.s = settings
        self.error = None  # an exception raised in the callback (Ctrl-C): re-raised after the call
        self.cancel = False
        self.fn = _lib.TEXT_FN(self._on_text)
        self.sink = None
        self.finish = []

    def _on_text(self, user, index, text, n, done, why):
        try:
            if self.cancel:
                return 1
            if n:
                self.sink(index, ctypes.string_at(text, n))
            if done:
                self.finish.append((index, why))
            return 0
        except BaseException as e:  # KeyboardInterrupt included: stop C, raise in Python
            self.error = e
            return 1

    def run(self, sink):
        self.sink = sink
        err = Err()
        st = L.recur_generate(self.model.ptr, ctypes.byref(self.s), ctypes.byref(self.o), self.fn, None, err.ref)
        if self.error is not None:
            raise self.error
        err.check(st)


def _decoder():
    """UTF-8 pieces may split a character between tokens (word pieces do
    not, but be safe): decode incrementally."""
    import codecs
    return codecs.getincrementaldecoder("utf-8")("replace")


def generate(model, prime="", length=500, temperature=1.0, top_k=0, top_p=1.0, min_p=0.0, repeat_penalty=1.0,
             repeat_last_n=64, presence_penalty=0.0, frequency_penalty=0.0, mode="weighted", beam=4, seed=1,
             stop=None, count=1, weights="f32", stream=False):
    if not _lib.has("recur_generate"):
        return _generate_sampler(model, prime, length, temperature, top_k, mode, seed, weights, stream,
                                 (top_p, min_p, repeat_penalty, presence_penalty, frequency_penalty, stop, count))
    s = _settings(mode, temperature, top_k, top_p, min_p, repeat_penalty, repeat_last_n, presence_penalty,
                  frequency_penalty, beam, seed)
    run = _Run(model, prime, length, stop, count, weights, s)
    if stream:
        if run.o.count != 1:
            raise ValueError("stream=True generates one sample (count=1)")
        return _stream(run)
    pieces = [[] for _ in range(run.o.count)]
    run.run(lambda i, b: pieces[i].append(b))
    texts = [b"".join(p).decode("utf-8", "replace") for p in pieces]
    return texts[0] if run.o.count == 1 else texts


def _stream(run):
    """Steps one sample from this thread (recur_generator: the text
    recur_generate gives), a token per C call with the GIL released while
    it computes, and yields the pieces; or, with an older library, runs
    recur_generate on a worker thread."""
    if not _lib.has("recur_generator_create"):
        return _stream_thread(run)
    return _stream_pull(run)


def _stream_pull(run):
    out, err = ctypes.c_void_p(), Err()
    err.check(L.recur_generator_create(run.model.ptr, ctypes.byref(run.s), ctypes.byref(run.o), ctypes.byref(out),
                                       err.ref))
    gen = Owned(out.value, L.recur_generator_free, keep=run.model)
    piece, n = ctypes.POINTER(ctypes.c_char)(), ctypes.c_size_t()
    done, why = ctypes.c_int(), ctypes.c_int()
    dec = _decoder()
    # run stays referenced by this frame: the options' strings outlive the generator
    while not done.value:
        err.check(L.recur_generator_next(gen.ptr, ctypes.byref(piece), ctypes.byref(n), ctypes.byref(done),
                                         ctypes.byref(why), err.ref))
        if n.value:
            text = dec.decode(ctypes.string_at(piece, n.value))
            if text:
                yield text
    tail = dec.decode(b"", final=True)
    if tail:
        yield tail


def _stream_thread(run):
    """Runs recur_generate on a worker thread (the GIL is free while it
    computes) and yields its pieces as they arrive. Closing the generator
    early stops the C loop at the next token."""
    q = queue.Queue()
    done = object()

    def work():
        try:
            run.run(lambda i, b: q.put(b))
            q.put(done)
        except BaseException as e:
            q.put(e)

    t = threading.Thread(target=work, name="recur-generate", daemon=True)
    t.start()
    dec = _decoder()
    try:
        while True:
            item = q.get()
            if item is done:
                tail = dec.decode(b"", final=True)
                if tail:
                    yield tail
                return
            if isinstance(item, BaseException):
                raise item
            text = dec.decode(item)
            if text:
                yield text
    finally:
        run.cancel = True
        t.join()


def _generate_sampler(model, prime, length, temperature, top_k, mode, seed, weights, stream, rest):
    """For a librecur without recur_generate: the batch-1 sampler, with the
    controls `recur sample` has (temperature, top_k, mode, seed, weights)."""
    top_p, min_p, repeat_penalty, presence_penalty, frequency_penalty, stop, count = rest
    if (top_p, min_p, repeat_penalty, presence_penalty, frequency_penalty, stop, count) != (1.0, 0.0, 1.0, 0.0,
                                                                                              0.0, None, 1):
        raise NotImplementedError("this librecur has no recur_generate: only temperature, top_k, mode, seed "
                                  "and weights are available")
    mode_i = _index("mode", mode, MODES[:3])
    temperature = _check.real("temperature", temperature, 1e-3, 100.0)
    top_k = _check.integer("top_k", top_k, 0, _check.INT32_MAX)
    seed = _check.integer("seed", seed, 0, 2**64 - 1)
    length = _check.integer("length", length, 0, _check.INT32_MAX)
    w = _index("weights", weights, WEIGHTS)
    h = model._owned()
    vocab = model.vocab
    ids = model._encode(prime) if prime else None
    if ids is None:
        start = "<eos>" if vocab.level == "word" else "\n"
        ids = [vocab.index(start) if start in vocab else 0]
    out, err = ctypes.c_void_p(), Err()
    err.check(L.recur_sampler_create_with(h.ptr, seed, w, ctypes.byref(out), err.ref))
    smp = Owned(out.value, L.recur_sampler_free, keep=h)
    word = vocab.level == "word"

    def pieces():
        for i in ids:
            err.check(L.recur_sampler_feed(smp.ptr, int(i), err.ref))
        for _ in range(length):
            tid = L.recur_sampler_pick(smp.ptr, mode_i, temperature, top_k)
            tok = vocab[tid]
            yield ("\n" if tok == "<eos>" else tok + " ") if word else tok
            err.check(L.recur_sampler_feed(smp.ptr, tid, err.ref))

    return pieces() if stream else "".join(pieces())


generate.__doc__ = """Generates text after prime.

    length: tokens to generate (``recur sample --length``). The sampling
    chain (recur/generate.h, llama.cpp's meanings): repeat_penalty over the
    last repeat_last_n tokens, presence_penalty, frequency_penalty, then
    top_k, top_p, min_p, then temperature and a draw; mode "argmax",
    "weighted" (default), "space" (draw after a space, argmax inside words)
    or "beam" (beam search of width beam). seed makes it repeatable
    (sample i of count draws with seed + i). stop: strings that end the
    text (never included). weights: "f32", "f16" or "i8" (the sampler's
    copy of the weights). Returns the text (without the prime), a list of
    count texts, or with stream=True an iterator of text pieces as they are
    produced. The GIL is released while recur computes; Ctrl-C stops the
    loop and raises KeyboardInterrupt."""
