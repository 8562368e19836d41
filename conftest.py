"""Checks that apply to every test run from the repository root, the notebooks included.

**Leaks.** ``tests/plugins/leaks.py``, loaded here as a plugin: after the last cell of each
notebook, the kernel must have nothing left running that it did not have when it started.

**Python versions.** The committed outputs come from one Python version (the notebook's
``language_info``). A cell whose output is *about* the interpreter (a ``dis`` listing, the
version number, which features exist) carries the tag ``output-varies-by-python``: under
another version it still runs, and must not raise, but its output is not compared. A
free-threaded build (3.14t) counts as another version, and so does another operating system:
the committed outputs come from CPython with the GIL, on Linux.

**Parallel runs.** `make test` runs the suite with pytest-xdist, two workers per usable
core: about half of the suite's time is spent waiting (servers that answer after a latency,
hangs a checker must bound), not computing. One file goes to one worker (``--dist
loadfile``), so a notebook's cells share one kernel and run in order; a long test file is
split in two where its halves are independent. The files are handed out in the order of the
paths named on the command line (``make test`` names the longest first), each path's files
in pytest's order: pytest would merge ``tests/book`` into a ``tests`` named after it, and
pytest-xdist would hand out the files with the most tests first, which put the longest
(a chapter run again, one test) last.

These live here, not in ``tests/conftest.py``, because pytest applies a conftest's hooks only to
the tests under that conftest's own folder, and the notebooks are in ``chapters/``.
"""

from __future__ import annotations

import os
import sys
import sysconfig
from typing import Any

import pytest

from lib.measure.cores import usable_cpus

pytest_plugins = ["tests.plugins.leaks"]  # the leak checks after each notebook

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
    # pytest-xdist hands out the files as collected (pytest_collection_modifyitems, below),
    # not the files with the most tests first, unless --loadscope-reorder asks for that.
    reorder_asked = "--loadscope-reorder" in config.invocation_params.args
    if getattr(config.option, "loadscopereorder", False) and not reorder_asked:
        config.option.loadscopereorder = False


def _is_notebook_cell(item: pytest.Item) -> bool:
    return type(item).__name__ == "IPyNbCell"  # nbval's item class


def recorded_python(notebook: Any) -> tuple[int, ...]:
    """The (major, minor) Python version a notebook's saved outputs were made with."""
    version = notebook.nb.metadata.get("language_info", {}).get("version", "")
    return tuple(int(part) for part in version.split(".")[:2] if part.isdigit())


@pytest.hookimpl(optionalhook=True)
def pytest_xdist_auto_num_workers(config: pytest.Config) -> int:
    """``-n auto``: two workers per usable core (``PYTEST_XDIST_AUTO_NUM_WORKERS`` overrides)."""
    chosen = os.environ.get("PYTEST_XDIST_AUTO_NUM_WORKERS", "")
    if chosen.isdigit() and int(chosen) > 0:
        return int(chosen)
    return 2 * usable_cpus()


def named_first(config: pytest.Config, items: list[pytest.Item]) -> None:
    """Sort ``items`` (stably) by the first command-line path each one is under."""
    named = [
        (config.invocation_params.dir / arg.split("::")[0]).resolve()
        for arg in config.args
        if not arg.startswith("-")
    ]

    def rank(item: pytest.Item) -> int:
        path = item.path.resolve()
        return next((i for i, top in enumerate(named) if path.is_relative_to(top)), len(named))

    items.sort(key=rank)


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    named_first(config, items)
    # nbval's kernel runs on the interpreter that runs pytest (its python3 kernel spec).
    running = tuple(sys.version_info[:2])
    free_threaded = bool(sysconfig.get_config_var("Py_GIL_DISABLED"))
    for item in items:
        if not _is_notebook_cell(item) or VERSION_TAG not in item.cell.metadata.get("tags", []):
            continue
        if free_threaded or sys.platform != "linux" or recorded_python(item.parent) != running:
            item.options["check"] = False  # nbval makes a fresh options dict per cell
