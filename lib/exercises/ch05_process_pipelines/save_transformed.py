"""The check of exercise 5.1: a pipeline with two transformers."""

from __future__ import annotations

import json
import os
import tempfile
from collections import Counter
from typing import Any

from lib.exercises._harness.checking import (
    CaseFailed,
    Checker,
    Hung,
    call_bounded,
    exercise_check,
    require_type,
)
from lib.exercises._harness.process_watch import NewProcesses

__all__ = [
    "FACTOR",
    "SENTINEL_HINT",
    "check_save_transformed",
    "require_exactly_once",
    "run_learner_pipeline",
]


FACTOR = 3  # ints times an int stay ints, so the saved values compare exactly

SENTINEL_HINT = (
    "each transformer stops at its own sentinel, so the producer must send one per "
    "transformer, and the writer must wait for one from each"
)


def run_learner_pipeline(
    save_transformed: Any, items: list[int], transformers: int, time_limit: float
) -> Any:
    """Run the learner's pipeline (``time_limit`` s at most), stop whatever it left running,
    and return what it saved.

    Raises:
        Hung: if it ran out of time, or raised TimeoutError: the pipeline hung.
        CaseFailed: if it raised, returned before its processes ended, or saved nothing.
    """
    name = getattr(save_transformed, "__name__", "your function")
    with tempfile.TemporaryDirectory(prefix="book-ex-pipeline-") as folder, NewProcesses() as new:
        path = os.path.join(folder, "data.json")
        args = (list(items), path, transformers, FACTOR)
        try:
            call_bounded(save_transformed, *args, time_limit=time_limit)
        except Hung:
            raise Hung(
                f"{name}() was still running after {time_limit:g} s, so its {new.stop()} "
                f"process(es) were terminated: {SENTINEL_HINT} ({transformers} here); and "
                "wait for them with a timeout (join_all does)"
            ) from None
        except CaseFailed as failure:
            if "raised TimeoutError" in str(failure):
                raise Hung(
                    f"{name}() raised TimeoutError, so the pipeline hung: {SENTINEL_HINT} "
                    f"({transformers} here)"
                ) from None
            raise
        running = len(new.alive())
        if running:
            raise CaseFailed(
                f"{running} process(es) were still running when {name}() returned (now "
                "stopped): wait for every stage, with a timeout (join_all does)"
            )
        try:
            with open(path, encoding="utf-8") as file:
                return json.load(file)
        except FileNotFoundError:
            raise CaseFailed("nothing was saved: is the writer started, with `path`?") from None


def require_exactly_once(saved: Any, items: list[int], transformers: int) -> None:
    saved = require_type(saved, list, "the saved JSON")
    expected = Counter(item * FACTOR for item in items)
    found = Counter(saved)
    missing, extra = expected - found, found - expected
    if missing:
        raise CaseFailed(
            f"{sum(missing.values())} of {len(items)} items are missing from the file: with "
            f"{transformers} transformers, the writer must wait for {transformers} stop "
            "sentinels before it saves"
        )
    if extra:
        raise CaseFailed(
            f"{sum(extra.values())} saved value(s) are extra, like {next(iter(extra))!r}: put "
            "each item on the queue once (one producer), and multiply by factor once"
        )


@exercise_check("Exercise 5.1: a pipeline with two transformers")
def check_save_transformed(
    checker: Checker, save_transformed: Any, *, time_limit: float = 10.0
) -> None:
    """Run ``save_transformed(items, path, transformers, factor)`` with 2, 3 and 1
    transformers, and with no items; read back the file it saved each time."""
    for items, transformers, description in [
        (list(range(40)), 2, "2 transformers, 40 items: no hang, every item saved once"),
        ([5, 3, 8, 1, 9, 2, 7], 3, "3 transformers, 7 items: every item saved once"),
    ]:
        with checker.case(description):
            saved = run_learner_pipeline(save_transformed, items, transformers, time_limit)
            require_exactly_once(saved, items, transformers)
    with checker.case("1 transformer: every item saved once, in order"):
        items = [4, 1, 3, 2]
        saved = run_learner_pipeline(save_transformed, items, 1, time_limit)
        require_exactly_once(saved, items, 1)
        assert saved == [item * FACTOR for item in items], f"the order changed: {saved!r}"
    with checker.case("2 transformers, no items: an empty list saved"):
        saved = run_learner_pipeline(save_transformed, [], 2, time_limit)
        assert saved == [], f"expected [], got {saved!r}"
