"""The published book, checked in a real browser: Debian's Chromium, driven by Playwright.

The book is built as `make book` builds it, with a repository and a JupyterHub, from the
committed notebooks without re-executing them (nbval has just re-run every one and compared
its outputs with the committed ones), served on 127.0.0.1, and every chapter page is loaded
and inspected, its buttons too. Screenshots (each page's top, and its first solution opened)
go to ``_build/screenshots/``.

Chromium comes from the system (``apt-get install chromium`` on Debian); the test is skipped
where it is missing, except under CI (``CI`` set), where a missing browser is a failure.
"""

from __future__ import annotations

import itertools
import re
import urllib.parse
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.plugins.book_build import Site, build_site
from tests.plugins.browser import CHROMIUM, CHROMIUM_ARGS, playwright_or_skip

pytestmark = pytest.mark.system  # make test-system, not make test

ROOT = Path(__file__).resolve().parents[2]
SCREENSHOTS = ROOT / "_build" / "screenshots"
CHAPTERS = re.findall(r"file:\s*(chapters/\S+)", (ROOT / "_toc.yml").read_text(encoding="utf-8"))

playwright_api = playwright_or_skip()


# The addresses the published book is built with (the book workflow passes its own).
REPOSITORY = "https://github.com/book-authors/concurrency-in-python"
JUPYTERHUB = "https://hub.university.test"


@pytest.fixture(scope="module")
def served(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Site]:
    """The whole book as `make book` builds it with a repository and a JupyterHub, from the
    committed outputs, served on 127.0.0.1."""
    assert CHROMIUM is not None, "CI must install Chromium for the browser test"
    work = tmp_path_factory.mktemp("book")
    site = Site(work / "site")
    try:
        addresses = {"BOOK_REPOSITORY": REPOSITORY, "BOOK_JUPYTERHUB_URL": JUPYTERHUB}
        build_site(work, addresses, site=site)
        yield site
    finally:
        site.close()


@pytest.fixture(scope="module")
def site(served: Site) -> Path:
    return served.html


@pytest.fixture(scope="module")
def base_url(served: Site) -> str:
    return served.url


@pytest.fixture(scope="module")
def browser(base_url: str) -> Iterator[object]:
    with playwright_api.sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield browser
        browser.close()


def open_page(browser: object, url: str, dark: bool = False) -> tuple[object, list[str]]:
    """Open ``url`` and return the page and the console errors it logged."""
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    if dark:
        context.add_init_script("localStorage.setItem('mode', 'dark')")
    page = context.new_page()
    errors: list[str] = []
    page.on("console", lambda message: message.type == "error" and errors.append(message.text))
    page.on("pageerror", lambda error: errors.append(str(error)))
    response = page.goto(url, wait_until="load")
    assert response is not None and response.ok, f"{url} did not load"
    return page, errors


@pytest.mark.parametrize("chapter", CHAPTERS)
def test_chapter_page(browser: object, base_url: str, chapter: str) -> None:
    page, errors = open_page(browser, f"{base_url}/{chapter}.html")
    page.wait_for_load_state("networkidle")
    assert not errors, f"console errors: {errors}"

    figures = "[...document.querySelectorAll('main img[src*=\"_images/\"]')]"
    assert page.evaluate(f"{figures}.length") > 0, "a chapter shows at least one figure"
    broken = page.evaluate(
        f"{figures}.filter(img => !(img.complete && img.naturalWidth > 0)).map(img => img.src)"
    )
    assert not broken, f"images that did not load: {broken}"
    # myst-nb falls back to the file name as alt text; that describes nothing.
    undescribed = page.evaluate(
        f"{figures}.filter(img => {{"
        "  const alt = (img.alt || '').trim();"
        "  const caption = img.closest('figure')?.querySelector('figcaption');"
        "  return !caption && (!alt || alt.includes('_images/'));"
        "}).map(img => img.src.split('/').pop())"
    )
    assert not undescribed, f"figures with neither alt text nor a caption: {undescribed}"

    levels = page.evaluate(
        "[...document.querySelectorAll('main h1, main h2, main h3, main h4')]"
        ".map(h => Number(h.tagName[1]))"
    )
    assert levels and levels[0] == 1, "the page starts with its title"
    jumps = [(a, b) for a, b in itertools.pairwise(levels) if b > a + 1]
    assert not jumps, f"headings skip a level: {jumps}"

    sidebar = page.locator("nav.bd-docs-nav a.reference.internal")
    listed = sidebar.all_inner_texts()
    assert len([text for text in listed if re.match(r"\d+\.", text)]) == len(CHAPTERS), listed

    # Exercise 15.1: the number JupyterLab (scripts/number_exercises.py), the checkers and the
    # grader give it; the chapter's front matter, which numbers it there, is not shown here.
    number = int(Path(chapter).name.split("_")[0])
    captions = page.locator("main div.exercise .admonition-title .caption-number")
    shown = [caption.strip() for caption in captions.all_text_contents()]
    expected = [f"Exercise {number}.{i}" for i in range(1, len(shown) + 1)]
    assert len(shown) >= 3 and shown == expected, shown
    assert "enumerator:" not in page.locator("main").inner_text(), "front matter shows"

    solutions = page.locator("div.solution.dropdown")
    assert solutions.count() >= 3, "every chapter has at least three exercises with solutions"
    first = solutions.first
    body = first.locator(".admonition-title ~ *").first
    assert not body.is_visible(), "solutions start closed"
    # The title's middle may be the link to the exercise: click the toggle, as a reader would.
    first.locator("button.toggle-button").click()
    body.wait_for(state="visible", timeout=5000)

    # For a person to look at: the top of the page, and the solution just opened. A full page
    # (17,000 to 45,000 pixels tall) once took over 30 s on a busy machine and failed CI.
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SCREENSHOTS / f"{Path(chapter).name}.png"))
    first.screenshot(path=str(SCREENSHOTS / f"{Path(chapter).name}-solution.png"))
    page.context.close()


def test_search_finds_semaphore(browser: object, base_url: str) -> None:
    page, errors = open_page(browser, f"{base_url}/search.html?q=semaphore")
    results = page.locator("#search-results li")
    results.first.wait_for(timeout=15000)
    assert results.count() >= 1
    assert not errors, f"console errors: {errors}"
    page.context.close()


def test_figures_are_readable_in_dark_mode(browser: object, base_url: str) -> None:
    page, errors = open_page(browser, f"{base_url}/{CHAPTERS[0]}.html", dark=True)
    assert page.evaluate("document.documentElement.dataset.theme") == "dark"
    corner_colours = page.evaluate(
        """async () => {
            const colours = [];
            for (const img of document.querySelectorAll('main img[src*="_images/"]')) {
                await img.decode();
                const canvas = document.createElement('canvas');
                canvas.width = img.naturalWidth; canvas.height = img.naturalHeight;
                const context = canvas.getContext('2d');
                context.drawImage(img, 0, 0);
                colours.push(Array.from(context.getImageData(2, 2, 1, 1).data));
            }
            return colours;
        }"""
    )
    assert corner_colours, "no figures found"
    for rgba in corner_colours:
        assert rgba == [255, 255, 255, 255], f"a figure's background is not opaque white: {rgba}"
    assert not errors, f"console errors: {errors}"
    page.screenshot(path=str(SCREENSHOTS / "dark-mode.png"))
    page.context.close()


def test_claims_read_as_checked_sentences(browser: object, base_url: str) -> None:
    """A claim (lib.measure.claims) reaches the page as its own line, the sentence and its evidence,
    and the committed book carries no note that one was not shown."""
    page, errors = open_page(browser, f"{base_url}/{CHAPTERS[0]}.html")
    held = page.locator("main div.book-claim-held")
    assert held.count() >= 4, "chapter 1 checks its measured sentences"
    assert held.first.inner_text().startswith("✓ Shown by this run:")
    assert held.first.is_visible()
    assert page.locator("main div.book-claim-failed, main div.book-claim-unchecked").count() == 0
    assert not errors, f"console errors: {errors}"
    held.first.scroll_into_view_if_needed()
    page.screenshot(path=str(SCREENSHOTS / "claim.png"))
    page.context.close()


def test_every_button_leads_to_the_repository_it_was_built_with(
    browser: object, base_url: str, site: Path
) -> None:
    """Repository, issue, edit, Binder and JupyterHub buttons, all to the addresses given,
    and no made-up address anywhere in the site."""
    placeholders = re.compile(rb"example-org|example\.org")
    found = [p.name for p in site.rglob("*") if p.is_file() and placeholders.search(p.read_bytes())]
    assert not found, f"a made-up address in {found}"
    chapter = CHAPTERS[2]
    page, errors = open_page(browser, f"{base_url}/{chapter}.html")
    links = page.eval_on_selector_all(
        ".article-header-buttons a[href]", "links => links.map(a => a.href)"
    )
    outside = sorted(link for link in links if not link.startswith(base_url))
    notebook = f"{chapter}.ipynb"
    hub = f"{JUPYTERHUB}/hub/user-redirect/git-pull?repo={urllib.parse.quote(REPOSITORY, safe='/')}"
    expected = {
        "repository": REPOSITORY,
        "issues": f"{REPOSITORY}/issues/new?",
        "edit": f"{REPOSITORY}/edit/main/{notebook}",
        "Binder": f"https://mybinder.org/v2/gh/book-authors/concurrency-in-python/main?urlpath=lab/tree/{notebook}",
        "JupyterHub": hub,
    }
    for button, start in expected.items():
        assert any(link.startswith(start) for link in outside), f"no {button} button: {outside}"
    for link in outside:
        parts = urllib.parse.urlsplit(link)
        assert parts.scheme == "https" and parts.hostname, f"not a well-formed address: {link}"
        assert parts.hostname in {"github.com", "mybinder.org", "hub.university.test"}, link
    download = page.locator(".dropdown-download-buttons a.btn-download-source-button")
    assert download.get_attribute("href").endswith(f"_sources/{notebook}")
    for each in CHAPTERS:  # every chapter's download installs the helpers from this site
        source = (site / "_sources" / f"{each}.ipynb").read_text(encoding="utf-8")
        assert f'BOOK_HELPERS = \\"{base_url}/_downloads/' in source, each
    assert not errors, f"console errors: {errors}"
    page.context.close()
