"""Argument checks done in Python before a value reaches C: a wrong type is
a TypeError, a value C cannot hold (a NaN, a length past int32) a
ValueError, so nothing a caller passes can reach the library malformed."""

import math
import numbers
import os

INT32_MAX = 2**31 - 1


def integer(name, value, lo, hi):
    if isinstance(value, bool) or not isinstance(value, numbers.Integral):
        raise TypeError("%s must be an integer, got %s" % (name, type(value).__name__))
    value = int(value)
    if not lo <= value <= hi:
        raise ValueError("%s must be between %d and %d, got %d" % (name, lo, hi, value))
    return value


def real(name, value, lo=-math.inf, hi=math.inf):
    if isinstance(value, bool) or not isinstance(value, numbers.Real):
        raise TypeError("%s must be a number, got %s" % (name, type(value).__name__))
    value = float(value)
    if not math.isfinite(value):
        raise ValueError("%s must be finite, got %r" % (name, value))
    if not lo <= value <= hi:
        raise ValueError("%s must be between %g and %g, got %g" % (name, lo, hi, value))
    return value


def text(name, value):
    """UTF-8 bytes of a str without NUL characters (C strings end at NUL)."""
    if not isinstance(value, str):
        raise TypeError("%s must be a str, got %s" % (name, type(value).__name__))
    if "\0" in value:
        raise ValueError("%s contains a NUL character" % name)
    try:
        return value.encode("utf-8")
    except UnicodeEncodeError as e:
        raise ValueError("%s is not valid Unicode text: %s" % (name, e)) from None


def path(name, value):
    """A file name as the bytes the C library opens."""
    if not isinstance(value, (str, bytes, os.PathLike)):
        raise TypeError("%s must be a path (str, bytes or os.PathLike), got %s" % (name, type(value).__name__))
    b = os.fsencode(value)
    if not b:
        raise ValueError("%s is empty" % name)
    if b"\0" in b:
        raise ValueError("%s contains a NUL byte" % name)
    return b
