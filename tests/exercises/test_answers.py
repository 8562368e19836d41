"""tests/plugins/answers.py: every exercise found in its chapter, its answer run from there."""

from __future__ import annotations

import pytest

from tests.plugins.answers import (
    answer,
    exercise,
    exercises,
    imports_needed,
    namespace_of,
    starter,
)
from tests.plugins.notebooks import CHAPTERS


def test_every_chapter_has_its_exercises_numbered_in_order() -> None:
    by_chapter: dict[str, list[str]] = {}
    for found in exercises():
        chapter, _ = found.number.split(".")
        by_chapter.setdefault(chapter, []).append(found.number)
        assert found.module.startswith(f"lib.exercises.ch{int(chapter):02d}_"), found
        assert found.notebook.stem[3:] == found.module.split("_", 1)[1], found
    every_chapter = sorted(str(int(path.name[:2])) for path in CHAPTERS.glob("[0-9][0-9]_*.ipynb"))
    assert sorted(by_chapter, key=int) == sorted(every_chapter, key=int), (
        "a chapter lacks exercises"
    )
    for chapter, numbers in by_chapter.items():
        assert numbers == [f"{chapter}.{m}" for m in range(1, len(numbers) + 1)]
        assert len(numbers) >= 3


@pytest.mark.parametrize("number", [found.number for found in exercises()])
def test_the_answer_and_the_starter_are_what_the_check_cell_passes(number: str) -> None:
    right, untouched = answer(number), starter(number)
    assert callable(right) or isinstance(right, dict)
    assert type(untouched) is type(right) or (callable(untouched) and callable(right))


def test_each_answer_runs_in_a_namespace_of_its_own() -> None:
    first, second = namespace_of("12.1"), namespace_of("12.1")
    assert first["BACKGROUND"] is not second["BACKGROUND"]
    assert first["run_in_background"].__globals__ is first


def test_the_imports_are_the_last_that_bind_each_name() -> None:
    earlier = [
        "import queue\nfrom concurrent.futures import as_completed",
        "%xmode Minimal\nfrom distributed import as_completed\nx = 1",
    ]
    solution = "def f(items):\n    return as_completed(items), queue.Queue()\n"
    assert imports_needed(earlier, solution, "here") == (
        "from distributed import as_completed\nimport queue"
    )


@pytest.mark.parametrize(
    ("earlier", "why"),
    [
        (["import queue", "def as_completed(items):\n    return items"], "bound by code"),
        (["import queue"], "bound by no earlier cell"),
    ],
)
def test_a_name_not_imported_last_is_refused(earlier: list[str], why: str) -> None:
    solution = "def f(items):\n    return as_completed(items), queue.Queue()\n"
    with pytest.raises(LookupError, match=f"'as_completed', {why}"):
        imports_needed(earlier, solution, "here")


def test_an_exercise_the_book_lacks_is_refused() -> None:
    with pytest.raises(LookupError, match=r"no exercise 3\.9"):
        exercise("3.9")
