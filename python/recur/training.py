"""recur.train: a whole training run as `recur train` does it (recur/run.h),
with the command's options as keyword arguments. Names and defaults are the
command's by construction: every keyword goes through the library's own
option table and setter (``eval_batch=`` is ``--eval-batch``)."""

import ctypes
import math
import os
import threading

from . import _lib
from .errors import E_INTERRUPTED, Err

L = _lib.lib
if not _lib.has("recur_run_create"):
    raise ImportError("this librecur has no training run (recur/run.h)")


class _Option(ctypes.Structure):
    _fields_ = [("name", ctypes.c_char_p), ("type", ctypes.c_int), ("min", ctypes.c_double),
                ("max", ctypes.c_double), ("choices", ctypes.c_char_p), ("placeholder", ctypes.c_char_p),
                ("help", ctypes.c_char_p)]


class _Progress(ctypes.Structure):
    _fields_ = [("event", ctypes.c_int), ("step", ctypes.c_int64), ("target", ctypes.c_int64),
                ("steps_per_epoch", ctypes.c_int64), ("epoch_step", ctypes.c_int64), ("epoch", ctypes.c_int),
                ("loss", ctypes.c_double), ("loss_avg", ctypes.c_double), ("grad_norm", ctypes.c_double),
                ("lr", ctypes.c_double), ("clipped", ctypes.c_int), ("skipped_total", ctypes.c_int64),
                ("tokens_per_s", ctypes.c_double), ("elapsed_s", ctypes.c_double), ("eta_s", ctypes.c_double),
                ("train_tokens", ctypes.c_size_t), ("val_tokens", ctypes.c_size_t), ("test_tokens", ctypes.c_size_t),
                ("parameters", ctypes.c_size_t), ("resumed", ctypes.c_int), ("fine_tuning", ctypes.c_int),
                ("val_done", ctypes.c_size_t), ("val_total", ctypes.c_size_t), ("val_loss", ctypes.c_double),
                ("val_bits", ctypes.c_double), ("val_ppl", ctypes.c_double), ("val_seconds", ctypes.c_double),
                ("val_batch", ctypes.c_int), ("val_seq", ctypes.c_int), ("val_best", ctypes.c_int),
                ("train_ppl", ctypes.c_double), ("words_per_s", ctypes.c_double), ("epoch_seconds", ctypes.c_double),
                ("test_ppl", ctypes.c_double), ("test_seconds", ctypes.c_double),
                ("test_ppl_batched", ctypes.c_double), ("test_batched_seconds", ctypes.c_double),
                ("test_predictions", ctypes.c_size_t), ("test_predictions_batched", ctypes.c_size_t),
                ("test_batch", ctypes.c_int), ("test_seq", ctypes.c_int), ("path", ctypes.c_char_p),
                ("best_val_loss", ctypes.c_double)]


_CALLBACK = ctypes.CFUNCTYPE(None, ctypes.c_void_p, ctypes.POINTER(_Progress))
EV_START, EV_EPOCH_START, EV_STEP, EV_SKIPPED, EV_VALIDATING, EV_VALIDATED = range(6)
EV_LR_DECAYED, EV_EPOCH_END, EV_INTERRUPTED, EV_SAVING, EV_SAVED, EV_TESTED, EV_ALREADY_DONE = range(6, 13)
_TYPES = ("flag", "int", "int64", "float", "double", "string", "choice")

L.recur_run_options_init.restype = None
L.recur_run_options_init.argtypes = [ctypes.c_void_p]
L.recur_run_options_free.restype = None
L.recur_run_options_free.argtypes = [ctypes.c_void_p]
L.recur_run_options_set.restype = ctypes.c_int
L.recur_run_options_set.argtypes = [ctypes.c_void_p, ctypes.c_char_p, ctypes.c_char_p, ctypes.POINTER(_lib.Error)]
L.recur_run_options_get.restype = ctypes.c_int
L.recur_run_options_get.argtypes = [ctypes.c_void_p, ctypes.c_char_p, ctypes.c_char_p, ctypes.c_size_t,
                                    ctypes.POINTER(_lib.Error)]
L.recur_run_option_table.restype = ctypes.POINTER(_Option)
L.recur_run_option_table.argtypes = [ctypes.POINTER(ctypes.c_int)]
L.recur_run_option_find.restype = ctypes.POINTER(_Option)
L.recur_run_option_find.argtypes = [ctypes.c_char_p]
L.recur_run_create.restype = ctypes.c_int
L.recur_run_create.argtypes = [ctypes.c_void_p, ctypes.c_void_p, ctypes.POINTER(ctypes.c_int), ctypes.POINTER(ctypes.c_void_p),
                               ctypes.POINTER(_lib.Error)]
L.recur_run_train.restype = ctypes.c_int
L.recur_run_train.argtypes = [ctypes.c_void_p, _CALLBACK, ctypes.c_void_p, ctypes.POINTER(_lib.Error)]
L.recur_run_free.restype = None
L.recur_run_free.argtypes = [ctypes.c_void_p]

# recur_run_options is handed to C as opaque memory: recur_run_options_init
# fills it and only the library reads it, so its layout can grow without
# this file knowing. 64 KiB is far above its size (a few hundred bytes).
_OPTIONS_BYTES = 1 << 16


class _Options:
    def __init__(self):
        self.buf = ctypes.create_string_buffer(_OPTIONS_BYTES)
        L.recur_run_options_init(self.buf)

    def __del__(self):
        L.recur_run_options_free(self.buf)

    def set(self, name, value):
        err = Err()
        err.check(L.recur_run_options_set(self.buf, name.encode(), value.encode("utf-8"), err.ref))

    def get(self, name):
        out, err = ctypes.create_string_buffer(4096), Err()
        err.check(L.recur_run_options_get(self.buf, name.encode(), out, len(out), err.ref))
        return out.value.decode("utf-8")


def options():
    """The options of recur.train (the table `recur train --help` prints):
    {keyword: (type, default as text, help)}."""
    n = ctypes.c_int()
    table = L.recur_run_option_table(ctypes.byref(n))
    fresh = _Options()
    out = {}
    for i in range(n.value):
        o = table[i]
        name = o.name.decode()
        out[name.replace("-", "_")] = (_TYPES[o.type], fresh.get(name), (o.help or b"").decode())
    return out


def _text(name, kind, value):
    if kind == "flag":
        if not isinstance(value, (bool, int)) or value not in (0, 1):
            raise TypeError("%s is a flag: give True or False, got %r" % (name, value))
        return "1" if value else "0"
    if isinstance(value, os.PathLike):
        value = os.fspath(value)
    if isinstance(value, bool) or not isinstance(value, (int, float, str)):
        raise TypeError("%s must be a %s, got %s" % (name, "str" if kind in ("string", "choice") else "number",
                                                     type(value).__name__))
    if isinstance(value, float) and not math.isfinite(value):
        raise ValueError("%s must be finite, got %r" % (name, value))
    text = repr(value) if isinstance(value, float) else str(value)
    if "\0" in text:
        raise ValueError("%s contains a NUL character" % name)
    return text


_EVENTS = {EV_STEP: "step", EV_VALIDATED: "validation", EV_EPOCH_END: "epoch", EV_TESTED: "test",
           EV_SAVED: "saved", EV_START: "start", EV_INTERRUPTED: "interrupted"}


def _event(p):
    e = {"event": _EVENTS[p.event], "step": p.step, "epoch": p.epoch, "elapsed_s": p.elapsed_s}
    if p.event == EV_STEP:
        e.update(loss=p.loss, loss_avg=p.loss_avg, tokens_per_s=p.tokens_per_s, lr=p.lr, grad_norm=p.grad_norm,
                 target=p.target)
    elif p.event == EV_VALIDATED:
        e.update(val_loss=p.val_loss, val_bits=p.val_bits, val_ppl=p.val_ppl, best=bool(p.val_best))
    elif p.event == EV_EPOCH_END:
        e.update(train_ppl=p.train_ppl, words_per_s=p.words_per_s, seconds=p.epoch_seconds)
    elif p.event == EV_TESTED:
        e.update(test_ppl=p.test_ppl, test_ppl_batched=p.test_ppl_batched)
    elif p.event == EV_SAVED:
        e.update(path=(p.path or b"").decode("utf-8", "replace"))
    elif p.event == EV_START:
        e.update(train_tokens=p.train_tokens, val_tokens=p.val_tokens, parameters=p.parameters, target=p.target,
                 steps_per_epoch=p.steps_per_epoch, resumed=bool(p.resumed))
    return e


def _bar(enabled):
    if not enabled:
        return None
    try:
        import tqdm
    except ImportError:
        return None
    return tqdm.tqdm(unit="step", dynamic_ncols=True)


def train(data=None, out=None, progress=None, progress_bar=True, **options):
    """Trains a language model as ``recur train`` does and returns its
    history: {"steps": [(step, loss, tokens_per_s)], "validation": [{...}],
    "epochs": [{...}], "test": {...} or None, "out": path}.

    Every option of ``recur train`` is a keyword with the same name
    (dashes as underscores) and default: ``hidden=512, layers=2,
    cell="gru", steps=1000, minutes=5, eval_every=200, dropout=0.2, ...``
    (recur.training.options() lists them with their defaults). progress,
    when given, is called with a dict for every step, validation, epoch end,
    test and saved file; otherwise a tqdm bar shows when tqdm is importable
    (progress_bar=False turns it off). Ctrl-C stops the run between two
    layers, saves the model and the state (as the command does), and raises
    KeyboardInterrupt; a second Ctrl-C skips what is left to write."""
    o = _Options()
    if data is not None:
        options["data"] = data
    if out is not None:
        options["out"] = out
    for key, value in options.items():
        name = key.replace("_", "-")
        entry = L.recur_run_option_find(name.encode())
        if not entry:
            raise TypeError("train() got an unknown option %r (recur train has no --%s)" % (key, name))
        o.set(name, _text(key, _TYPES[entry.contents.type], value))
    cancel = ctypes.c_int(0)
    run, err = ctypes.c_void_p(), Err()
    p = options.get("data")  # a missing training text becomes FileNotFoundError
    err.check(L.recur_run_create(o.buf, None, ctypes.byref(cancel), ctypes.byref(run), err.ref),
              path=None if p is None else os.fsencode(p))
    history = {"steps": [], "validation": [], "epochs": [], "test": None, "out": o.get("out")}
    bar = _bar(progress_bar and progress is None)
    failure = []

    def on_progress(user, pp):
        try:
            pr = pp.contents
            if pr.event not in _EVENTS:
                return
            e = _event(pr)
            if pr.event == EV_STEP:
                history["steps"].append((pr.step, pr.loss, pr.tokens_per_s))
                if bar is not None:
                    if pr.target and bar.total != pr.target:
                        bar.total = pr.target
                    bar.update(pr.step - bar.n)
                    bar.set_postfix(loss="%.4f" % pr.loss_avg, tok_s="%.0f" % pr.tokens_per_s, refresh=False)
            elif pr.event == EV_VALIDATED:
                history["validation"].append({k: v for k, v in e.items() if k != "event"})
                if bar is not None:
                    bar.write("step %d: validation loss %.4f, perplexity %.3f%s" % (
                        pr.step, pr.val_loss, pr.val_ppl, " (best)" if pr.val_best else ""))
            elif pr.event == EV_EPOCH_END:
                history["epochs"].append({k: v for k, v in e.items() if k != "event"})
            elif pr.event == EV_TESTED:
                history["test"] = {k: v for k, v in e.items() if k != "event"}
            if progress is not None:
                progress(e)
        except BaseException as exc:  # a failing callback stops the run; re-raised below
            failure.append(exc)
            cancel.value = 2

    cb = _CALLBACK(on_progress)
    result = {}
    finished = threading.Event()

    def work():
        e = Err()
        try:
            result["status"] = L.recur_run_train(run.value, cb, None, e.ref)
            result["err"] = e
        finally:
            finished.set()

    interrupted = False
    try:
        if threading.current_thread() is threading.main_thread():
            # The run goes on a worker thread so that Ctrl-C reaches Python
            # at once: the main thread only waits, and sets the cancel flag.
            # (An Event, not Thread.join: a join interrupted by Ctrl-C can
            # report a running thread as finished.)
            t = threading.Thread(target=work, name="recur-train")
            t.start()
            while not finished.is_set():
                try:
                    finished.wait(0.1)
                except KeyboardInterrupt:
                    interrupted = True
                    cancel.value += 1
            t.join()
        else:
            work()
    finally:
        if bar is not None:
            bar.close()
    L.recur_run_free(run)
    if failure:
        raise failure[0]
    status = result.get("status", E_INTERRUPTED)
    if interrupted or status == E_INTERRUPTED:
        raise KeyboardInterrupt("training stopped; the model and its state were saved to %s" % history["out"])
    result["err"].check(status)
    return history


try:
    train.__doc__ += "\n\n    Options and defaults:\n" + "\n".join(
        "      %-16s %s" % (k + "=" + (d if d else "None"), h) for k, (t, d, h) in options().items())
except Exception:  # noqa: BLE001 (documentation only)
    pass
