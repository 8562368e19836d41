"""Run a Python module as a child process that exits when its parent does, however it ends.

``python -m lib.plumbing.parent_watch MODULE ARGS...`` runs ``python -m MODULE ARGS...`` in this
same process, with one thread more, which reads standard input until it closes. The parent keeps the
child's standard input open (``stdin=subprocess.PIPE``) and never writes to it; when the parent
exits, even killed (a kernel stopped by a time limit), the system closes that pipe and the child
exits at once, so a cluster's scheduler or worker never outlives the notebook that started it. It
works alike on Linux, macOS and Windows.
"""

from __future__ import annotations

import os
import runpy
import sys
import threading

__all__ = [
    "ORPHAN_EXIT",
    "main",
    "watch_stdin",
]

ORPHAN_EXIT = 70  # the exit status when the parent is gone


def watch_stdin() -> threading.Thread:
    """Start a daemon thread that ends this process when standard input closes."""

    descriptor = sys.stdin.fileno()

    def watch() -> None:
        # os.read, not sys.stdin: a thread blocked in a buffered read holds the buffer's lock,
        # and the interpreter aborts when it finds that lock held as it shuts down.
        while os.read(descriptor, 65536):
            pass  # a parent that writes is still there; only end of file means gone
        os._exit(ORPHAN_EXIT)  # no clean-up: there is nobody left to report to

    thread = threading.Thread(target=watch, name="parent-watch", daemon=True)
    thread.start()
    return thread


def main(argv: list[str]) -> None:
    """Watch standard input, then run ``argv[0]`` as ``__main__`` with ``argv[1:]``.

    Raises:
        SystemExit: with a usage line when no module is named, or as the module exits.
    """
    if not argv:
        raise SystemExit("usage: python -m lib.plumbing.parent_watch MODULE [ARGS...]")
    watch_stdin()
    sys.argv = list(argv)
    runpy.run_module(argv[0], run_name="__main__", alter_sys=True)


if __name__ == "__main__":
    main(sys.argv[1:])
