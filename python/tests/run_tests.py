"""Runs the package's tests under ctest: exit 77 (skipped) when this
interpreter lacks NumPy or pytest, else pytest's own status."""
import os
import sys

if os.environ.get("RECUR_TEST_SKIP"):
    print("skip: " + os.environ["RECUR_TEST_SKIP"])
    sys.exit(77)
try:
    import numpy  # noqa: F401
    import pytest
except ImportError as e:
    print("skip: %s (install python3-numpy and python3-pytest)" % e)
    sys.exit(77)

here = os.path.dirname(os.path.abspath(__file__))
sys.exit(pytest.main(["-q", "-p", "no:cacheprovider", "-W", "error::pytest.PytestUnraisableExceptionWarning",
                      here] + sys.argv[1:]))
