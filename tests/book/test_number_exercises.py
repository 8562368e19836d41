"""scripts/number_exercises.py: the chapter's number from its file name, in the first cell's
front matter; nothing else touched, twice is once. And _ext/notebook_front_matter.py, which
takes the block out again for the HTML book."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import pytest

from tests.plugins.notebooks import ROOT

sys.path.insert(0, str(ROOT / "scripts"))
sys.path.insert(0, str(ROOT / "_ext"))
from notebook_front_matter import drop_front_matter
from number_exercises import chapter_number, enumerator, main, number_file

TITLE = ["# Threading\n", "\n", "Two paragraphs.\n", "\n", "---\n", "\n", "After a rule."]


def write_chapter(path: Path, first: list[str] = TITLE, cell_type: str = "markdown") -> None:
    cells: list[dict[str, object]] = [
        {"cell_type": cell_type, "id": "c00", "metadata": {}, "source": first},
        {
            "cell_type": "code",
            "execution_count": 1,
            "id": "c01",
            "metadata": {"tags": ["solution"]},
            "outputs": [{"name": "stdout", "output_type": "stream", "text": ["é\n"]}],
            "source": ["print('é')"],
        },
        {"cell_type": "markdown", "id": "c02", "metadata": {}, "source": ["---\n", "x: 1\n"]},
    ]
    if cell_type == "code":
        cells[0] |= {"execution_count": None, "outputs": []}
    notebook = {"cells": cells, "metadata": {}, "nbformat": 4, "nbformat_minor": 5}
    path.write_text(json.dumps(notebook, indent=1, sort_keys=True, ensure_ascii=False) + "\n")


def test_the_number_comes_from_the_file_name() -> None:
    assert chapter_number(Path("chapters/15_testing.ipynb")) == 15
    assert chapter_number(Path("03_threading.ipynb")) == 3
    for name in ("notes.ipynb", "00_preface.ipynb", "15-testing.ipynb", "15_testing.md"):
        with pytest.raises(ValueError, match="not a chapter's name"):
            chapter_number(Path(name))


def test_writes_the_front_matter_and_nothing_else(tmp_path: Path) -> None:
    path = tmp_path / "03_threading.ipynb"
    write_chapter(path)
    before = json.loads(path.read_text(encoding="utf-8"))
    assert enumerator(before) is None
    assert number_file(path) is True

    text = path.read_text(encoding="utf-8")
    after = json.loads(text)
    assert text == json.dumps(after, indent=1, sort_keys=True, ensure_ascii=False) + "\n"
    assert after["cells"][0]["source"] == [
        "---\n", "numbering:\n", "  exercise:\n", "    enumerator: 3.%s\n", "---\n", *TITLE
    ]  # fmt: skip
    assert enumerator(after) == "3.%s"
    after["cells"][0]["source"] = TITLE
    assert after == before, "only the first cell's text changed"


def test_a_second_run_leaves_the_file_alone(tmp_path: Path) -> None:
    path = tmp_path / "03_threading.ipynb"
    write_chapter(path)
    assert main([str(path)]) == 0
    written = path.read_bytes()
    path.touch()
    stamp = path.stat().st_mtime_ns
    assert main([str(path)]) == 0
    assert main(["--check", str(path)]) == 0
    assert path.read_bytes() == written and path.stat().st_mtime_ns == stamp, "rewritten"


def test_a_renamed_chapter_gets_its_new_number_and_keeps_other_front_matter(
    tmp_path: Path,
) -> None:
    first = ["---\n", "title: Threading\n", "numbering:\n", "  figure: false\n"]
    first += ["  exercise:\n", "    enumerator: 3.%s\n", "---\n", *TITLE]
    path = tmp_path / "07_threading.ipynb"
    write_chapter(path, first)
    assert main(["--check", str(path)]) == 1, "a wrong number is found"
    assert enumerator(json.loads(path.read_text(encoding="utf-8"))) == "3.%s", "check writes"
    assert main([str(path)]) == 0
    source = json.loads(path.read_text(encoding="utf-8"))["cells"][0]["source"]
    assert "".join(source) == (
        "---\ntitle: Threading\nnumbering:\n  figure: false\n  exercise:\n"
        "    enumerator: 7.%s\n---\n" + "".join(TITLE)
    )


def test_refuses_what_cannot_hold_the_number(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code_first = tmp_path / "03_threading.ipynb"
    write_chapter(code_first, ["import os"], cell_type="code")
    with pytest.raises(ValueError, match="first cell is not markdown"):
        number_file(code_first)
    broken = tmp_path / "04_broken.ipynb"
    write_chapter(broken, ["---\n", "numbering: [\n", "---\n", "# Title"])
    with pytest.raises(ValueError, match="not YAML"):
        number_file(broken)
    notes = tmp_path / "notes.txt"
    notes.write_text("not a notebook", encoding="utf-8")
    assert main([str(notes)]) == 2
    assert "not a notebook" in capsys.readouterr().err


def test_the_html_book_drops_exactly_the_block(tmp_path: Path) -> None:
    """The HTML book parses the chapter as it was before the block: myst-nb would show it."""
    path = tmp_path / "03_threading.ipynb"
    write_chapter(path)
    before = json.loads(path.read_text(encoding="utf-8"))
    number_file(path)
    parsed = json.loads(drop_front_matter(path.read_text(encoding="utf-8")))
    assert "".join(parsed["cells"][0]["source"]) == "".join(TITLE), "the rule below is kept"
    parsed["cells"][0]["source"] = TITLE
    assert parsed == before
    untouched = json.dumps(before)
    assert drop_front_matter(untouched) == untouched, "nothing to drop, nothing rewritten"


def test_every_chapter_loses_its_block_in_the_html_book() -> None:
    for path in sorted((ROOT / "chapters").glob("*.ipynb")):
        parsed = json.loads(drop_front_matter(path.read_text(encoding="utf-8")))
        assert enumerator(parsed) is None, path.name
        assert "".join(parsed["cells"][0]["source"]).startswith("# "), "the title comes first"
