"""Checks that apply to every test run from the repository root, the notebooks included.

**Leaks.** After the last cell of each notebook that nbval runs, and before nbval shuts the
kernel down, the kernel must have nothing left running that it did not have when it started:
no child process (a server, a pool worker), no listening socket, no thread (a
``local-anilist`` server, a pool's workers). A notebook that leaks gets an error at the
teardown of its last cell, naming what it left; its leftover processes are then stopped.

**Python versions.** The committed outputs come from one Python version (the notebook's
``language_info``). A cell whose output is *about* the interpreter (a ``dis`` listing, the
version number, which features exist) carries the tag ``output-varies-by-python``: under
another version it still runs, and must not raise, but its output is not compared. A
free-threaded build (3.14t) counts as another version, and so does another operating system:
the committed outputs come from CPython with the GIL, on Linux.

**Parallel runs.** `make test` runs the suite on every core with pytest-xdist, one file to
a worker (``--dist loadfile``): a notebook's cells share one kernel and run in order on one
worker.

These live here, not in ``tests/conftest.py``, because pytest applies a conftest's hooks only to
the tests under that conftest's own folder, and the notebooks are in ``chapters/``.
"""

from __future__ import annotations

import os
import sys
import sysconfig
from typing import Any

import pytest

from lib.leaks import THREAD_PROBE, Snapshot, stop_processes, wait_for_no_leaks

PROBE_TIMEOUT = 30.0  # seconds for the kernel to answer the probe
VERSION_TAG = "output-varies-by-python"


def pytest_configure(config: pytest.Config) -> None:
    if os.environ.get("PYTEST_XDIST_WORKER"):
        # An xdist worker talks to the controller from a thread of its own, so from Python 3.12
        # every fork in it warns that the process is multi-threaded, which filterwarnings=error
        # would turn into a failure of any test that forks. The thread is the runner's, not the
        # book's: a serial run (`-p no:xdist`) keeps the warning an error.
        config.addinivalue_line(
            "filterwarnings",
            r"ignore:This process .* is multi-threaded, use of fork:DeprecationWarning",
        )


def _is_notebook_cell(item: pytest.Item) -> bool:
    return type(item).__name__ == "IPyNbCell"  # nbval's item class


def recorded_python(notebook: Any) -> tuple[int, ...]:
    """The (major, minor) Python version a notebook's saved outputs were made with."""
    version = notebook.nb.metadata.get("language_info", {}).get("version", "")
    return tuple(int(part) for part in version.split(".")[:2] if part.isdigit())


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    # nbval's kernel runs on the interpreter that runs pytest (its python3 kernel spec).
    running = tuple(sys.version_info[:2])
    free_threaded = bool(sysconfig.get_config_var("Py_GIL_DISABLED"))
    for item in items:
        if not _is_notebook_cell(item) or VERSION_TAG not in item.cell.metadata.get("tags", []):
            continue
        if free_threaded or sys.platform != "linux" or recorded_python(item.parent) != running:
            item.options["check"] = False  # nbval makes a fresh options dict per cell


def probe_kernel(kernel: Any, timeout: float = PROBE_TIMEOUT) -> str:
    """Run :data:`lib.leaks.THREAD_PROBE` in an nbval kernel and return what it printed.

    Raises:
        queue.Empty: if the kernel does not answer within ``timeout`` seconds.
    """
    msg_id = kernel.execute_cell_input(THREAD_PROBE, allow_stdin=False)
    printed = []
    while True:
        message = kernel.get_message(stream="iopub", timeout=timeout)
        if message["parent_header"].get("msg_id") != msg_id:
            continue
        if message["msg_type"] == "stream":
            printed.append(message["content"]["text"])
        elif message["msg_type"] == "error":
            printed.append(f"error: {message['content']['ename']}")
        elif message["msg_type"] == "status" and message["content"]["execution_state"] == "idle":
            break
    kernel.await_reply(msg_id, timeout=timeout)
    return "".join(printed)


@pytest.hookimpl(wrapper=True)
def pytest_runtest_setup(item: pytest.Item) -> Any:
    result = yield  # sets up the notebook first: nbval starts its kernel
    notebook = item.parent
    if _is_notebook_cell(item) and not hasattr(notebook, "leak_baseline"):
        notebook.leak_baseline = Snapshot.take(probe_kernel(notebook.kernel))
    return result


@pytest.hookimpl(wrapper=True)
def pytest_runtest_teardown(item: pytest.Item, nextitem: pytest.Item | None) -> Any:
    notebook = item.parent
    last_cell = _is_notebook_cell(item) and (nextitem is None or nextitem.parent is not notebook)
    problems: list[str] = []
    leftover: tuple[Any, ...] = ()
    baseline = getattr(notebook, "leak_baseline", None)
    kernel = getattr(notebook, "kernel", None)
    if last_cell and baseline is not None and kernel is not None and kernel.is_alive():
        try:
            after, problems = wait_for_no_leaks(baseline, lambda: probe_kernel(kernel))
            leftover = tuple(
                c for c in after.children if c.pid not in {b.pid for b in baseline.children}
            )
        except Exception as exc:  # never skip nbval's teardown: it stops the kernel
            problems = [f"could not check: {type(exc).__name__}: {exc}"]
    try:
        return (yield)  # nbval stops the kernel here
    finally:
        if leftover:
            stop_processes(leftover)
        if problems:
            pytest.fail(
                f"{item.path.name} left things running after its last cell:\n  "
                + "\n  ".join(problems),
                pytrace=False,
            )
