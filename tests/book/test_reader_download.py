"""A reader with only the HTML book runs a chapter: its download button, then a plain Jupyter.

The book is built as ``make book`` builds it without a repository (a local build, or a fork
with none), served on 127.0.0.1, and opened in Chromium. Chapter 3 is downloaded through its
page's download button into an empty folder; a fresh virtual environment gets nothing but
the Jupyter kernel machinery (nbclient, ipykernel), and the chapter runs top to bottom. Its
first cell must install the helpers from the site that served it, the wheel of the same
build, and everything else must come from the wheels ``make test`` collected: pip has no
index (tests/plugins/book_build.py), so nothing comes from the internet.
"""

from __future__ import annotations

import json
import re
import subprocess
import sys
import venv
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.plugins.book_build import Site, build_site, reader_environment, wheelhouse
from tests.plugins.browser import CHROMIUM, CHROMIUM_ARGS, playwright_or_skip

pytestmark = pytest.mark.system  # make test-system, not make test

playwright_api = playwright_or_skip()

CHAPTER = "chapters/03_threading"
SMALL_BOOK = f"format: jb-book\nroot: index\nchapters:\n  - file: {CHAPTER}\n"
PLACEHOLDERS = re.compile(rb"example-org|example\.org")
# nbclient in the reader's environment: run the notebook in its folder, a kernel of its own.
RUN = """
import sys, nbformat
from nbclient import NotebookClient
path = sys.argv[1]
notebook = nbformat.read(path, as_version=4)
NotebookClient(notebook, timeout=300, kernel_name="python3",
               resources={"metadata": {"path": sys.argv[2]}}).execute()
nbformat.write(notebook, path)
"""


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Site]:
    assert CHROMIUM is not None, "CI must install Chromium for the browser test"
    work = tmp_path_factory.mktemp("reader-book")
    served = Site(work / "site")
    try:
        build_site(work, {"BOOK_REPOSITORY": "none"}, toc=SMALL_BOOK, site=served)
        yield served
    finally:
        served.close()


@pytest.fixture(scope="module")
def page(site: Site) -> Iterator[object]:
    with playwright_api.sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        context = browser.new_context(accept_downloads=True)
        page = context.new_page()
        response = page.goto(f"{site.url}/{CHAPTER}.html", wait_until="load")
        assert response is not None and response.ok
        yield page
        browser.close()


def test_no_placeholder_address_anywhere(site: Site) -> None:
    found = [
        path.relative_to(site.html).as_posix()
        for path in site.html.rglob("*")
        if path.is_file() and PLACEHOLDERS.search(path.read_bytes())
    ]
    assert not found, f"a made-up address in {found}"


def test_without_a_repository_no_button_leads_away(page: object) -> None:
    links = page.eval_on_selector_all(
        ".article-header-buttons a[href]", "links => links.map(a => a.href)"
    )
    assert links, "the header has its buttons"
    away = [link for link in links if not link.startswith(page.url.split("/chapters/")[0])]
    assert not away, f"without a repository, buttons that leave the site: {away}"
    for kind in ("launch", "source"):
        assert page.locator(f".dropdown-{kind}-buttons").count() == 0, f"a {kind} button"
    assert page.locator(".dropdown-download-buttons").count() == 1


def download_chapter(page: object, folder: Path) -> Path:
    """Click the page's download button, then its .ipynb item, as a reader does."""
    page.locator(".dropdown-download-buttons button.dropdown-toggle").click()
    item = page.locator(".dropdown-download-buttons a.btn-download-source-button")
    item.wait_for(state="visible", timeout=10_000)
    with page.expect_download(timeout=30_000) as started:
        item.click(modifiers=["Alt"])  # Alt+click: save the link's target, do not open it
    target = folder / Path(CHAPTER).with_suffix(".ipynb").name
    started.value.save_as(target)
    return target


def test_a_downloaded_chapter_runs_in_a_fresh_jupyter(
    site: Site, page: object, tmp_path: Path
) -> None:
    folder = tmp_path / "reader"
    folder.mkdir()
    notebook = download_chapter(page, folder)
    assert list(folder.iterdir()) == [notebook], "the folder holds the chapter alone"
    setup = json.loads(notebook.read_text(encoding="utf-8"))["cells"]
    source = "".join(next(c for c in setup if c["cell_type"] == "code")["source"])
    wheel = re.search(r'BOOK_HELPERS = "(\S+?)#sha256=[0-9a-f]{64}"', source)
    assert wheel and wheel[1].startswith(site.url), "the copy names the site's own wheel"

    environ = reader_environment(tmp_path / "home", wheelhouse())
    fresh = tmp_path / "jupyter"
    venv.EnvBuilder(with_pip=True).create(fresh)
    python = str(fresh / ("Scripts" if sys.platform == "win32" else "bin") / "python")
    install = [python, "-m", "pip", "install", "--quiet", "nbclient", "ipykernel"]
    subprocess.run(install, env=environ, check=True, timeout=600)

    ran = subprocess.run(
        [python, "-c", RUN, str(notebook), str(folder)],
        env=environ, cwd=folder, capture_output=True, text=True, timeout=900,
    )  # fmt: skip
    assert ran.returncode == 0, ran.stderr[-4000:]
    cells = json.loads(notebook.read_text(encoding="utf-8"))["cells"]
    printed = "".join(
        "".join(output.get("text", ""))
        for output in next(c for c in cells if c["cell_type"] == "code")["outputs"]
    )
    assert f"Installing the book's helpers from {wheel[1]}" in printed
    assert site.requests[wheel[1].removeprefix(site.url)] >= 1, "pip fetched it from the site"
    version = subprocess.run(
        [python, "-c", "import importlib.metadata as m; print(m.version('concurrency-book-lib'))"],
        env=environ, capture_output=True, text=True, timeout=60, check=True,
    )  # fmt: skip
    assert version.stdout.strip() in wheel[1], "the helpers of the same build"
