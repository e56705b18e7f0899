"""Exceptions: every failure of the C library arrives as a RecurError
carrying the library's own message (the file, flag or value at fault), in
a subclass that is also the built-in exception Python code expects."""

import errno
import os

from . import _lib

OK, E_ARG, E_IO, E_FORMAT, E_NOMEM, E_NONFINITE, E_INTERRUPTED = range(7)


class RecurError(Exception):
    """Base class of every error the recur library reports.

    ``status`` is the C status code, ``str(e)`` the C message."""

    status = None

    def __str__(self):
        return self.message

    @property
    def message(self):
        return getattr(self, "_message", None) or (self.args[0] if self.args else "")


class ArgumentError(RecurError, ValueError):
    """An argument or configuration value is out of range."""


class FormatError(RecurError, ValueError):
    """A file's contents are malformed or inconsistent."""


class RecurOSError(RecurError, OSError):
    """The file system refused: open, read, write, rename."""


class RecurFileNotFoundError(RecurOSError, FileNotFoundError):
    """A file the library was asked to read does not exist."""


class RecurMemoryError(RecurError, MemoryError):
    """An allocation failed or a size would overflow."""


class NonFiniteError(RecurError, FloatingPointError):
    """A loss or gradient became NaN or infinite."""


class Interrupted(RecurError):
    """Stopped on request."""


_BY_STATUS = {E_ARG: ArgumentError, E_FORMAT: FormatError, E_IO: RecurOSError, E_NOMEM: RecurMemoryError,
              E_NONFINITE: NonFiniteError, E_INTERRUPTED: Interrupted}


def from_status(status, message, path=None):
    """The exception for a C status and message; path, when the call read a
    file, turns an I/O error on a missing file into FileNotFoundError."""
    cls = _BY_STATUS.get(status, RecurError)
    if cls is RecurOSError:
        missing = path is not None and not os.path.exists(path)
        cls = RecurFileNotFoundError if missing else RecurOSError
        code = errno.ENOENT if missing else errno.EIO
        e = cls(code, message, os.fsdecode(path) if path is not None else None)
    else:
        e = cls(message)
    e._message = message
    e.status = status
    return e


class Err:
    """A recur_error to pass to a call, and the check that raises from it."""

    __slots__ = ("e",)

    def __init__(self):
        self.e = _lib.Error()

    @property
    def ref(self):
        return _lib.ctypes.byref(self.e)

    def check(self, status, path=None):
        if status != OK:
            msg = self.e.msg.decode("utf-8", "replace") or _lib.lib.recur_status_name(status).decode()
            raise from_status(status, msg, path)
