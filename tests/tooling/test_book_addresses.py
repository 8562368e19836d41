"""The book's addresses are build inputs (scripts/book_config.py), and the site's downloads
install the helpers of the same build (scripts/package_book.py, the chapters' set-up cell)."""

from __future__ import annotations

import hashlib
import importlib.util
import json
import re
import subprocess
import sys
import zipfile
from pathlib import Path
from types import ModuleType
from typing import Any

import pytest
import yaml

from tests.plugins.notebooks import ROOT, chapters, code_cells, read


def load(name: str) -> ModuleType:
    spec = importlib.util.spec_from_file_location(name, ROOT / "scripts" / f"{name}.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module
    spec.loader.exec_module(module)
    return module


book_config = load("book_config")
package_book = load("package_book")
BASE = yaml.safe_load((ROOT / "_config.yml").read_text(encoding="utf-8"))
REPOSITORY = "https://github.com/book-authors/concurrency-in-python"


def git_origin(folder: Path, url: str) -> Path:
    subprocess.run(["git", "init", "-q", str(folder)], check=True, timeout=30)
    subprocess.run(["git", "-C", str(folder), "remote", "add", "origin", url], check=True)
    return folder


def test_the_committed_configuration_names_no_address() -> None:
    assert "repository" not in BASE and "launch_buttons" not in BASE
    assert not any(BASE["html"][f"use_{b}_button"] for b in ("repository", "issues", "edit_page"))


def test_a_repository_turns_on_its_buttons_and_binder() -> None:
    given = book_config.Addresses(repository=REPOSITORY, site_url="https://b.github.io/book")
    config = book_config.book_config(BASE, given)
    assert config["repository"]["url"] == REPOSITORY
    assert all(config["html"][f"use_{b}_button"] for b in ("repository", "issues", "edit_page"))
    assert config["launch_buttons"]["binderhub_url"] == "https://mybinder.org"
    assert "jupyterhub_url" not in config["launch_buttons"], "only when a hub is given"
    assert "colab_url" not in config["launch_buttons"], "Colab would open the repository's copy"
    assert config["html"]["baseurl"] == "https://b.github.io/book/"
    assert Path(config["sphinx"]["local_extensions"]["offline_assets"]).is_absolute()


def test_without_a_repository_there_are_no_buttons_and_no_hub() -> None:
    given = book_config.Addresses(jupyterhub_url="https://hub.university.test")
    config = book_config.book_config(BASE, given, execute="off")
    assert "repository" not in config and config["launch_buttons"] == {}
    assert not config["html"]["use_repository_button"]
    assert config["execute"]["execute_notebooks"] == "off"


@pytest.mark.parametrize(
    ("origin", "expected"),
    [
        (f"{REPOSITORY}.git", REPOSITORY),
        (f"{REPOSITORY}/", REPOSITORY),
        ("git@github.com:book-authors/concurrency-in-python.git", None),  # ssh: not for readers
        ("https://someone:token@github.com/a/b.git", None),  # credentials never reach a page
        ("/srv/git/book.git", None),
    ],
)
def test_the_git_remote_is_used_when_it_is_a_public_https_address(
    tmp_path: Path, origin: str, expected: str | None
) -> None:
    folder = git_origin(tmp_path / "clone", origin)
    assert book_config.addresses({}, folder).repository == expected


def test_given_addresses_win_and_none_opts_out(tmp_path: Path) -> None:
    folder = git_origin(tmp_path / "clone", REPOSITORY)
    other = "https://gitlab.com/a/b"
    assert book_config.addresses({"BOOK_REPOSITORY": other}, folder).repository == other
    assert book_config.addresses({"BOOK_REPOSITORY": "none"}, folder).repository is None
    given = book_config.addresses({"BOOK_SITE_URL": "http://127.0.0.1:8000/"}, folder)
    assert given.site_url == "http://127.0.0.1:8000"


@pytest.mark.parametrize(
    ("variable", "value"),
    [
        ("BOOK_REPOSITORY", "github.com/a/b"),
        ("BOOK_REPOSITORY", "http://github.com/a/b"),
        ("BOOK_REPOSITORY", "https://user:secret@github.com/a/b"),
        ("BOOK_SITE_URL", "http://pages.example/book"),
        ("BOOK_SITE_URL", "https://b.github.io/?q=1"),
        ("BOOK_JUPYTERHUB_URL", "javascript:alert(1)"),
        ("BOOK_REPOSITORY", 'https://github.com/a/b"><script>alert(1)</script>'),
        ("BOOK_SITE_URL", "https://b.github.io/book'onmouseover='x"),
        ("BOOK_SITE_URL", "http://127.0.0.1:8000/<b>"),
    ],
)
def test_a_bad_address_is_refused_with_its_name(variable: str, value: str) -> None:
    with pytest.raises(ValueError, match=variable):
        book_config.addresses({variable: value}, ROOT)


def test_the_script_refuses_a_bad_address_with_a_message(tmp_path: Path) -> None:
    done = subprocess.run(
        [sys.executable, str(ROOT / "scripts" / "book_config.py"), str(tmp_path / "c.yml")],
        env={"BOOK_REPOSITORY": "ftp://x/y", "PATH": ""},
        capture_output=True, text=True, timeout=60,
    )  # fmt: skip
    assert done.returncode != 0 and "BOOK_REPOSITORY must be an https address" in done.stderr
    assert not (tmp_path / "c.yml").exists()


# The chapters' set-up cell ------------------------------------------------------------------

SETUP = "".join(code_cells(read(chapters()[0]))[0]["source"])
# Run the cell as if lib were not installed, with pip replaced by a recorder.
HARNESS = """
import json, subprocess, sys
sys.modules["lib"] = None  # find_spec("lib") is None, as on a machine without the helpers
calls = []
subprocess.run = lambda command, **kwargs: calls.append(command[4:])
try:
    exec(compile(sys.stdin.read(), "setup", "exec"), {})
except ModuleNotFoundError as error:
    print(json.dumps({"error": str(error)}))
else:
    print(json.dumps({"installed": calls}))
"""


def run_setup(folder: Path, source: str = SETUP) -> dict[str, Any]:
    done = subprocess.run(
        [sys.executable, "-c", HARNESS], input=source, cwd=folder,
        capture_output=True, text=True, timeout=60, check=True,
    )  # fmt: skip
    result: dict[str, Any] = json.loads(done.stdout.splitlines()[-1])
    return result


def test_the_set_up_cell_does_nothing_where_lib_is_installed(tmp_path: Path) -> None:
    done = subprocess.run(
        [sys.executable, "-c", SETUP.replace("subprocess.run(", "print(")],
        cwd=tmp_path, capture_output=True, text=True, timeout=60, check=True,
    )  # fmt: skip
    assert done.stdout == "", "no install, no output"


def test_a_copy_from_the_site_installs_the_wheel_it_names(tmp_path: Path) -> None:
    wheel = "https://b.github.io/book/_downloads/0a/concurrency_book_lib-0.1.0-py3-none-any.whl"
    filled = SETUP.replace('BOOK_HELPERS = ""', f'BOOK_HELPERS = "{wheel}#sha256={"0" * 64}"')
    (tmp_path / "concurrency_book_lib-0.0.1-py3-none-any.whl").touch()  # the site's wins
    assert run_setup(tmp_path, filled) == {"installed": [["--quiet", f"{wheel}#sha256={'0' * 64}"]]}


def test_a_copy_without_an_address_installs_the_wheel_beside_it(tmp_path: Path) -> None:
    (tmp_path / "concurrency_book_lib-0.1.0-py3-none-any.whl").touch()
    installed = run_setup(tmp_path)["installed"]
    assert installed == [["--quiet", str(tmp_path / "concurrency_book_lib-0.1.0-py3-none-any.whl")]]


def test_a_chapter_in_the_books_own_folder_installs_that_folder(tmp_path: Path) -> None:
    (tmp_path / "lib").mkdir()
    (tmp_path / "lib" / "__init__.py").touch()
    (tmp_path / "chapters").mkdir()
    assert run_setup(tmp_path / "chapters") == {"installed": [["--quiet", str(tmp_path)]]}


def test_with_nowhere_to_install_from_the_reader_is_told_where_to_look(tmp_path: Path) -> None:
    error = run_setup(tmp_path)["error"]
    assert "download the chapter from the book's site" in error


# What the site serves -----------------------------------------------------------------------


def test_the_wheel_holds_lib_and_names_its_build(tmp_path: Path) -> None:
    wheel = package_book.build_wheel(tmp_path)
    version = wheel.name.split("-")[1]
    assert version.startswith("0.1.0+build.") and len(version.split(".")[-1]) == 12
    with zipfile.ZipFile(wheel) as opened:
        names = opened.namelist()
    assert "lib/__init__.py" in names and "lib/exercises/__init__.py" in names
    assert not [name for name in names if "__pycache__" in name or name.startswith("tests/")]
    assert not (ROOT / "build").exists(), "built from a copy: the checkout gains no build/"


def fake_site(tmp_path: Path, cell: str) -> Path:
    html = tmp_path / "html"
    (html / "_downloads" / "ab12").mkdir(parents=True)
    (html / "_downloads" / "ab12" / "concurrency_book_lib-0.1.0-py3-none-any.whl").write_bytes(b"w")
    notebook = {
        "cells": [{"cell_type": "code", "id": "c1", "metadata": {"tags": ["colab-setup"]},
                   "source": cell.splitlines(keepends=True), "outputs": [],
                   "execution_count": None}],
        "metadata": {}, "nbformat": 4, "nbformat_minor": 5,
    }  # fmt: skip
    (html / "_sources" / "chapters").mkdir(parents=True)
    (html / "_sources" / "chapters" / "01.ipynb").write_text(json.dumps(notebook), "utf-8")
    return html


def test_fill_writes_the_wheels_address_and_hash(tmp_path: Path) -> None:
    html = fake_site(tmp_path, SETUP)
    (path,) = package_book.fill_downloads(html, "https://b.github.io/book")
    source = "".join(json.loads(path.read_text("utf-8"))["cells"][0]["source"])
    digest = hashlib.sha256(b"w").hexdigest()
    address = "https://b.github.io/book/_downloads/ab12/concurrency_book_lib-0.1.0-py3-none-any.whl"
    assert f'BOOK_HELPERS = "{address}#sha256={digest}"' in source
    assert 'BOOK_HELPERS = ""' not in source


def test_fill_refuses_a_set_up_cell_it_cannot_fill(tmp_path: Path) -> None:
    html = fake_site(tmp_path, "import lib\n")
    with pytest.raises(SystemExit, match="BOOK_HELPERS"):
        package_book.fill_downloads(html, "https://b.github.io/book")


def test_the_wheel_brings_everything_the_chapters_import() -> None:
    """A downloaded chapter gets only the wheel and its dependencies, besides Jupyter."""
    import importlib.metadata
    import tomllib

    project = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["project"]
    declared = {re.split(r"[\[;<>=! ]", d, maxsplit=1)[0].lower() for d in project["dependencies"]}
    owners = importlib.metadata.packages_distributions()
    imported = {
        name.split(".")[0]
        for path in chapters()
        for cell in code_cells(read(path))
        for name in re.findall(r"^\s*(?:from|import)\s+([\w.]+)", "".join(cell["source"]), re.M)
    }
    outside = {
        name for name in imported - set(sys.stdlib_module_names) - {"lib", "IPython", "my_workers"}
    }
    missing = {
        name: owners.get(name)
        for name in outside
        if not {d.lower().replace("_", "-") for d in owners.get(name, [name])} & declared
    }
    assert not missing, f"chapters import these, and the wheel does not bring them: {missing}"


def test_fill_leaves_the_site_one_wheel(tmp_path: Path) -> None:
    html = fake_site(tmp_path, SETUP)
    old = html / "_downloads" / "cd34" / "concurrency_book_lib-0.0.9-py3-none-any.whl"
    old.parent.mkdir()
    old.write_bytes(b"old")
    assert (
        package_book.fill_downloads(html, "", "concurrency_book_lib-0.1.0-py3-none-any.whl") == []
    )
    assert not old.exists() and len(list(html.glob("_downloads/*/*.whl"))) == 1
