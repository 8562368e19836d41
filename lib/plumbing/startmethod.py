"""Pick the multiprocessing start method from the environment, so a test can force one.

Every platform has a default way of starting child processes: ``fork`` on Linux up to
Python 3.13, ``forkserver`` on Linux from 3.14, ``spawn`` on macOS and Windows. A chapter
that calls :func:`apply_start_method` in its first cell runs under whichever method the
environment variable ``BOOK_START_METHOD`` names, so the same notebook can be checked
under all three on one Linux machine::

    BOOK_START_METHOD=spawn jupyter lab

Unset or empty, the variable changes nothing and the platform's default stays.
"""

from __future__ import annotations

import multiprocessing
import os
from collections.abc import Mapping

__all__ = [
    "ENV_VAR",
    "apply_start_method",
    "requested_start_method",
]

ENV_VAR = "BOOK_START_METHOD"


def requested_start_method(environ: Mapping[str, str] | None = None) -> str | None:
    """The start method that ``BOOK_START_METHOD`` asks for, or ``None`` if it is unset or empty.

    ``environ`` defaults to ``os.environ``.

    Raises:
        ValueError: if the variable names a method this platform does not offer
            (``fork`` and ``forkserver`` do not exist on Windows, for example).
    """
    environ = os.environ if environ is None else environ
    method = environ.get(ENV_VAR, "").strip().lower()
    if not method:
        return None
    available = multiprocessing.get_all_start_methods()
    if method not in available:
        raise ValueError(
            f"{ENV_VAR}={method!r} is not a start method on this platform; "
            f"choose one of {', '.join(available)}"
        )
    return method


def apply_start_method(environ: Mapping[str, str] | None = None) -> str:
    """Switch to the start method the environment asks for (if any); return the one in use.

    It calls ``multiprocessing.set_start_method(..., force=True)``, so call it once, at the
    top of a notebook or in a script's ``if __name__ == "__main__":`` block, before any
    process is started.

    Raises:
        ValueError: if ``BOOK_START_METHOD`` names a method this platform does not offer.
    """
    method = requested_start_method(environ)
    if method is not None:
        multiprocessing.set_start_method(method, force=True)
    return multiprocessing.get_start_method()
