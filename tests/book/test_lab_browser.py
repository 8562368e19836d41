"""The exercises as a learner meets them in JupyterLab (``make lab``), checked in Chromium.

JupyterLab starts on 127.0.0.1 with a token, on a free port, with the book's settings (the
environment's ``overrides.json``, which ``make setup`` installs) and with a temporary folder for
every user directory (config, data, runtime, settings, workspaces, IPython), so nothing of the
user's is read or written. It serves a copy of one chapter, so its autosave cannot touch the
repository. Playwright opens the chapter as a learner would and checks that the exercise
renders as a block (jupyterlab-myst), numbered as the HTML book and the grader number it
(1.1, 1.2, ..., and so the solutions' titles that refer to them), that no raw directive option
shows, that the solution starts collapsed and opens on a click, and that no pop-up greets the
learner. The screenshot goes to ``_build/screenshots/jupyterlab-exercise.png``.

Chromium comes from the system, as for tests/book/test_browser.py: the test is skipped where it
is missing, except under CI (``CI`` set), where a missing browser is a failure.
"""

from __future__ import annotations

import json
import os
import secrets
import shutil
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import psutil
import pytest

from lib.plumbing.processes import live_children, stop_processes
from tests.plugins.browser import CHROMIUM, CHROMIUM_ARGS, playwright_or_skip
from tests.plugins.notebooks import ROOT, chapter, read, tags

sys.path.insert(0, str(ROOT / "scripts"))
from number_exercises import chapter_number

pytestmark = pytest.mark.system  # make test-system, not make test

SCREENSHOT = ROOT / "_build" / "screenshots" / "jupyterlab-exercise.png"
CHAPTER = "01_why_concurrency.ipynb"  # the smallest chapter the issue was reported on
STARTUP_TIMEOUT = 60.0  # seconds for JupyterLab to start on a busy machine
# What a directive looks like when it is shown as text instead of rendered.
RAW_MYST = (":label:", ":class:", "{exercise}", "{solution-start}", "{solution-end}")
# Requests to the server go straight to 127.0.0.1, whatever proxy the environment names.
LOCAL = urllib.request.build_opener(urllib.request.ProxyHandler({}))

playwright_api = playwright_or_skip()


@dataclass(frozen=True)
class Lab:
    """A running JupyterLab: its base URL (ending in ``/``) and its token."""

    url: str
    token: str

    def get_json(self, path: str) -> dict[str, object]:
        request = urllib.request.Request(
            self.url + path, headers={"Authorization": f"token {self.token}"}
        )
        with LOCAL.open(request, timeout=10) as response:
            return json.load(response)


def wait_for_server(process: subprocess.Popen[bytes], runtime: Path, log: Path) -> dict[str, str]:
    """The server's own description of itself, once it is listening."""
    deadline = time.monotonic() + STARTUP_TIMEOUT
    while time.monotonic() < deadline:
        assert process.poll() is None, "JupyterLab exited:\n" + log.read_text()[-3000:]
        found = list(runtime.glob(f"jpserver-{process.pid}.json"))
        if found:
            info = json.loads(found[0].read_text(encoding="utf-8"))
            try:
                with LOCAL.open(f"{info['url']}api/status?token={info['token']}", timeout=5):
                    return info
            except OSError:
                pass
        time.sleep(0.2)
    raise AssertionError("JupyterLab did not start:\n" + log.read_text()[-3000:])


@pytest.fixture
def lab(tmp_path: Path) -> Iterator[Lab]:
    """JupyterLab serving a copy of the chapter; stopped, kernel and all, at the end."""
    book = tmp_path / "book"
    book.mkdir()
    shutil.copy(chapter(CHAPTER), book / CHAPTER)
    home = {
        "JUPYTER_CONFIG_DIR": "config",
        "JUPYTER_DATA_DIR": "data",
        "JUPYTER_RUNTIME_DIR": "runtime",
        "JUPYTERLAB_SETTINGS_DIR": "settings",
        "JUPYTERLAB_WORKSPACES_DIR": "workspaces",
        "IPYTHONDIR": "ipython",
    }
    env = os.environ | {name: str(tmp_path / folder) for name, folder in home.items()}
    token = secrets.token_hex(16)
    command = [
        sys.executable, "-m", "jupyterlab", "--no-browser",
        "--ServerApp.ip=127.0.0.1", "--ServerApp.port=0", "--ServerApp.port_retries=0",
        f"--IdentityProvider.token={token}", f"--ServerApp.root_dir={book}",
        "--ServerApp.allow_root=True",  # CI containers and the sid root run as root
    ]  # fmt: skip
    log = tmp_path / "jupyterlab.log"
    with log.open("wb") as output:
        process = subprocess.Popen(
            command, cwd=book, env=env, stdout=output, stderr=subprocess.STDOUT
        )
    try:
        info = wait_for_server(process, tmp_path / "runtime", log)
    except BaseException:
        process.kill()
        process.wait(timeout=10)
        raise
    try:
        yield Lab(info["url"], token)
    finally:
        stop(process, Lab(info["url"], token))


def stop(process: subprocess.Popen[bytes], lab: Lab) -> None:
    """Shut JupyterLab down as its own menu does, which stops the kernel too; fail if anything
    it started is still running afterwards (after stopping it)."""
    started = live_children(process.pid)  # the kernel the chapter started
    request = urllib.request.Request(
        f"{lab.url}api/shutdown", method="POST", headers={"Authorization": f"token {lab.token}"}
    )
    try:
        LOCAL.open(request, timeout=10).close()
        process.wait(timeout=20)
    except (OSError, subprocess.TimeoutExpired):
        process.kill()
        process.wait(timeout=10)
    _, left = psutil.wait_procs(started, timeout=5)
    stop_processes(left)
    assert not left, f"JupyterLab left processes running: {left}"


def exercise_titles(notebook: dict[str, object]) -> list[str]:
    """The titles of the notebook's exercises, in order."""
    cells = notebook["cells"]
    assert isinstance(cells, list)
    return [
        "".join(cell["source"]).splitlines()[0].split("}", 1)[1].strip()
        for cell in cells
        if cell["cell_type"] == "markdown" and "{exercise}" in "".join(cell["source"])
    ]


def first_solution(notebook: dict[str, object]) -> tuple[int, str]:
    """The index and source of the first solution cell."""
    cells = notebook["cells"]
    assert isinstance(cells, list)
    index = next(i for i, cell in enumerate(cells) if "solution" in tags(cell))
    return index, "".join(cells[index]["source"])


def numbered_titles(page: object, expected: tuple[list[str], list[str]]) -> object:
    """The exercises' and solutions' titles on the page, once they read as ``expected`` or
    after 10 s: jupyterlab-myst numbers them once the whole notebook is parsed. Its references
    put a no-break space after "Exercise": every space reads as one here."""
    script = (
        "() => { const titles = [...document.querySelectorAll("
        "  '.jp-MarkdownCell .myst .myst-exercise-title')]"
        "  .map(e => e.textContent.replace(/\\s+/g, ' ').trim());"
        " return [titles.filter(t => t.startsWith('Exercise ')),"
        "  titles.filter(t => t.includes('Solution to '))]; }"
    )
    deadline = time.monotonic() + 10
    while (found := page.evaluate(script)) != list(expected) and time.monotonic() < deadline:
        time.sleep(0.2)
    return found


def scroll_to(locator: object) -> None:
    """Bring ``locator`` to the middle of the notebook, and wait until the images above it
    have loaded and stopped moving it."""
    last = None
    for _ in range(20):
        locator.evaluate("element => element.scrollIntoView({block: 'center'})")
        time.sleep(0.25)
        box = locator.bounding_box()
        if box is not None and box == last:
            return
        last = box
    raise AssertionError("the exercise never settled in view")


def test_exercise_renders_and_solution_starts_collapsed(nothing_left: object, lab: Lab) -> None:
    assert CHROMIUM is not None, "CI must install Chromium for the browser test"
    # The book's settings are the ones this server reads: no news question, no update check.
    schema = lab.get_json("lab/api/settings/@jupyterlab/apputils-extension:notification")
    defaults = {key: value["default"] for key, value in schema["schema"]["properties"].items()}
    assert (defaults["fetchNews"], defaults["checkForUpdates"]) == ("false", False), (
        "the book's JupyterLab settings are not installed: make setup copies "
        "jupyterlab-settings/overrides.json into the environment"
    )
    notebook = read(chapter(CHAPTER))
    titles = exercise_titles(notebook)
    solution_index, solution = first_solution(notebook)
    markdown_cells = sum(cell["cell_type"] == "markdown" for cell in notebook["cells"])

    with playwright_api.sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        page = browser.new_page(viewport={"width": 1280, "height": 900})
        errors: list[str] = []
        page.on("pageerror", lambda error: errors.append(str(error)))
        page.goto(f"{lab.url}lab/tree/{CHAPTER}?token={lab.token}", wait_until="load")
        cells = page.locator(".jp-NotebookPanel .jp-Notebook .jp-Cell")
        cells.first.wait_for(timeout=30_000)
        page.wait_for_function(  # jupyterlab-myst renders each markdown cell into a .myst
            "count => {"
            " const cells = [...document.querySelectorAll('.jp-Notebook .jp-MarkdownCell')];"
            " return cells.length === count"
            " && cells.every(cell => cell.querySelector('.myst')?.firstElementChild); }",
            arg=markdown_cells,
            timeout=30_000,
        )
        assert cells.count() == len(notebook["cells"]), "every cell is on the page"

        # Every markdown cell went through MyST: no directive shows as raw text.
        rendered = page.evaluate(
            "[...document.querySelectorAll('.jp-Notebook .jp-MarkdownCell .myst')]"
            ".map(element => element.textContent).join('\\n')"
        )
        raw = [fragment for fragment in RAW_MYST if fragment in rendered]
        assert not raw, f"MyST shown as text in JupyterLab: {raw}"

        # Exercise 1.2 as in the HTML book, the checkers' output and the gradebook, not
        # "Exercise 2"; a solution's title refers to its exercise by that number too.
        number = chapter_number(Path(CHAPTER))
        numbers = [f"Exercise {number}.{i}" for i in range(1, len(titles) + 1)]
        expected = (
            [f"{name} ({title})" for name, title in zip(numbers, titles, strict=True)],
            [f"Start of Solution to {name}" for name in numbers],
        )
        assert numbered_titles(page, expected) == list(expected), "numbered unlike the book"

        solution_cell = cells.nth(solution_index)
        scroll_to(solution_cell)
        exercise = page.locator(".jp-MarkdownCell aside.myst-exercise", has_text=titles[0]).first
        assert exercise.is_visible(), f"exercise {titles[0]!r} is not rendered as a block"
        assert exercise.bounding_box()["y"] > 0, "the exercise is in the screenshot"
        hidden_line = solution.splitlines()[1].strip()
        assert solution_cell.locator(".jp-InputPlaceholder").is_visible(), "solution not collapsed"
        assert hidden_line not in solution_cell.inner_text(), "the solution shows before a click"

        # No pop-up: no notification toast (the news question was one) and no dialog.
        assert page.locator(".Toastify__toast").count() == 0, "a notification pops up"
        assert page.locator(".jp-Dialog").count() == 0, "a dialog pops up"
        SCREENSHOT.parent.mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(SCREENSHOT))

        # A click on the collapsed cell's bar opens the solution.
        solution_cell.locator(".jp-InputPlaceholder").click()
        solution_cell.get_by_text(hidden_line).wait_for(timeout=5_000)
        assert not errors, f"page errors: {errors}"
        browser.close()
