"""The book built and served as `make book` would, for the tests that read it as a reader does.

:func:`build_site` copies the repository's tracked files into a folder of the test's own (so
no test writes into this checkout's ``_build``), then runs what ``make book`` runs, with the
addresses given: ``scripts/book_config.py``, ``scripts/package_book.py package``, Jupyter
Book (without executing the notebooks: nbval re-runs them) and ``package_book.py fill``.
:class:`Site` serves the result on 127.0.0.1 and counts the files asked for.

:func:`reader_environment` is the environment of a reader's own commands: no variable of this
checkout, pip with no index and no configuration of this machine, only the wheels that ``make
test`` collected (``BOOK_WHEELHOUSE``), so what a test installs comes from there or from the
site, never from the internet.
"""

from __future__ import annotations

import collections
import functools
import http.server
import os
import shutil
import subprocess
import sys
import threading
from collections.abc import Mapping
from pathlib import Path

import pytest

from tests.plugins.notebooks import ROOT

__all__ = [
    "Site",
    "build_site",
    "copy_checkout",
    "package_checkout",
    "reader_environment",
    "wheelhouse",
]


class Site:
    """``html`` served on 127.0.0.1 until :meth:`close`; ``requests`` counts paths asked for."""

    def __init__(self, html: Path) -> None:
        self.html = html
        html.mkdir(parents=True, exist_ok=True)
        self.requests: collections.Counter[str] = collections.Counter()
        site = self

        class Handler(http.server.SimpleHTTPRequestHandler):
            def log_message(self, format: str, *args: object) -> None:
                site.requests[self.path.split("?")[0]] += 1

        handler = functools.partial(Handler, directory=str(html))
        self._server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
        self.url = f"http://127.0.0.1:{self._server.server_address[1]}"
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)
        self._thread.start()

    def close(self) -> None:
        self._server.shutdown()
        self._server.server_close()
        self._thread.join(10)


def copy_checkout(target: Path) -> None:
    files = ["git", "ls-files", "-z", "--cached", "--others", "--exclude-standard"]
    listed = subprocess.run(files, cwd=ROOT, capture_output=True, timeout=60, check=True)
    for name in listed.stdout.decode().split("\0"):
        source = ROOT / name
        if name and source.is_file():  # a file deleted but not yet committed is skipped
            (target / name).parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(source, target / name)


def build_site(
    work: Path, addresses: Mapping[str, str], toc: str | None = None, site: Site | None = None
) -> Path:
    """Build the book from a copy of the checkout in ``work``; return its ``_build/html``.

    ``addresses``: the ``BOOK_*`` variables (``BOOK_REPOSITORY=none`` for none); ``site``: the
    server that will serve it, whose address becomes ``BOOK_SITE_URL``; ``toc``: another table
    of contents (YAML text), for a smaller book.

    Raises:
        AssertionError: with the end of its output, if a step fails.
    """
    source = work / "src"
    copy_checkout(source)
    environ = {k: v for k, v in os.environ.items() if not k.startswith("BOOK_")}
    environ |= dict(addresses)
    if site is not None:
        environ["BOOK_SITE_URL"] = site.url
    config = source / "_build" / "config" / "_config.yml"
    book = [str(Path(sys.executable).with_name("jupyter-book")), "build", str(source)]
    book += ["--config", str(config), "-W", "-n", "--keep-going", "-q"]
    if toc is not None:
        (source / "_build").mkdir(exist_ok=True)
        (source / "_build" / "toc.yml").write_text(toc, encoding="utf-8")
        book += ["--toc", str(source / "_build" / "toc.yml")]
    steps = [
        [sys.executable, "scripts/book_config.py", str(config), "--execute", "off"],
        [sys.executable, "scripts/package_book.py", "package", "_build/run"],
        book,
        [sys.executable, "scripts/package_book.py", "fill", "_build/html"],
    ]
    for step in steps:
        done = subprocess.run(
            step, cwd=source, env=environ, capture_output=True, text=True, timeout=600
        )
        assert done.returncode == 0, (
            f"{step[:3]} failed:\n{done.stdout[-3000:]}{done.stderr[-3000:]}"
        )
    html = source / "_build" / "html"
    if site is not None:
        site.html.rmdir()
        html.rename(site.html)
        return site.html
    return html


def package_checkout(work: Path) -> Path:
    """The runnable book's zip, packed as ``make book`` packs it, from a copy in ``work``.

    Raises:
        AssertionError: with its output, if packing fails.
    """
    source = work / "src"
    copy_checkout(source)
    step = [sys.executable, "scripts/package_book.py", "package", "_build/run"]
    done = subprocess.run(step, cwd=source, capture_output=True, text=True, timeout=600)
    assert done.returncode == 0, done.stderr[-3000:]
    return source / "_build" / "run" / "concurrency-in-python.zip"


def wheelhouse() -> Path:
    """The wheels ``make test`` collected (``BOOK_WHEELHOUSE``).

    Skips the test outside ``make test``, except under CI, where it fails.
    """
    folder = os.environ.get("BOOK_WHEELHOUSE", "")
    if not folder or not Path(folder, ".complete").exists():
        if os.environ.get("CI"):
            pytest.fail("BOOK_WHEELHOUSE is not set up: run the suite with make test")
        pytest.skip("needs the wheels make test collects (BOOK_WHEELHOUSE)")
    return Path(folder)


def reader_environment(home: Path, wheels: Path) -> dict[str, str]:
    """A reader's environment: PATH without this checkout's virtual environment, a home of
    its own, and pip limited to ``wheels`` (no index, no configuration of this machine)."""
    keep = ("PATH", "LANG", "LC_ALL", "TZ", "SYSTEMROOT", "TMPDIR", "CI")
    environ = {k: v for k, v in os.environ.items() if k in keep}
    ours = str(Path(sys.executable).parent)
    environ["PATH"] = os.pathsep.join(
        entry for entry in environ.get("PATH", "").split(os.pathsep) if entry != ours
    )
    home.mkdir(parents=True, exist_ok=True)
    environ |= {
        "HOME": str(home),
        "PIP_CONFIG_FILE": os.devnull,
        "PIP_NO_INDEX": "1",
        "PIP_FIND_LINKS": str(wheels),
        "PIP_DISABLE_PIP_VERSION_CHECK": "1",
        "PIP_NO_COMPILE": "1",  # no byte-compiling at install: a third of pip's time here
        "BOOK_MEASURE": "quick",
    }
    return environ
