"""The check of exercise 3.3: consumers that all stop."""

from __future__ import annotations

import threading
import time
from typing import Any

from lib.exercises._harness.checking import (
    CaseFailed,
    Checker,
    Hung,
    call_bounded,
    exercise_check,
    require_accounted,
    require_type,
)
from lib.exercises._harness.outcomes import compare, raising, reference
from lib.exercises.ch03_threading._common import Overlap

__all__ = [
    "QUEUE_IDS",
    "check_process_all",
    "died_of",
    "require_stopped",
    "run_process_all",
]


QUEUE_IDS = [100, 200, 300, 400, 600, 853, 0, 124, 377, 826, 451, 1000]


def died_of(deaths: list[str]) -> str:
    """The exception types consumers died of, each once, in alphabetical order: which consumer
    dies first depends on the scheduler, but which items kill them does not."""
    kinds = sorted(set(deaths))
    return " and ".join([", ".join(kinds[:-1]), kinds[-1]] if len(kinds) > 1 else kinds)


def run_process_all(
    process_all: Any, ids: list[int], consumers: int, time_limit: float
) -> tuple[Any, Overlap, list[str], list[str]]:
    """Call the learner's function; return its answer, the work's counts, the names of the
    threads it left running, and the exception types its threads died of.

    Raises:
        Hung: with a hint that says why, if it is still running after ``time_limit`` s.
    """
    work = Overlap(min(consumers, len(ids)))
    before = set(threading.enumerate())
    deaths: list[str] = []
    original_hook = threading.excepthook

    def note_death(args: threading.ExceptHookArgs) -> None:
        if args.thread in before:
            original_hook(args)
        else:
            deaths.append(args.exc_type.__name__)

    threading.excepthook = note_death
    try:
        answer = call_bounded(process_all, list(ids), work, consumers, time_limit=time_limit)
    except Hung:
        if deaths:
            why = f"{len(deaths)} consumer(s) died of {died_of(deaths)}: catch what work() raises"
        elif work.finished == len(ids):
            why = (
                f"all {len(ids)} ids were processed, so a consumer is still waiting on get(): "
                f"put one sentinel per consumer ({consumers} here), then join them"
            )
        else:
            why = f"{len(ids) - work.finished} of {len(ids)} ids were never processed"
        raise Hung(f"process_all() was still running after {time_limit:g} s; {why}") from None
    finally:
        threading.excepthook = original_hook
    left = [thread for thread in threading.enumerate() if thread not in before]
    deadline = time.monotonic() + 0.5  # grace for threads that are just ending
    for thread in left:
        thread.join(max(0.0, deadline - time.monotonic()))
    running = [thread.name for thread in left if thread.is_alive()]
    return answer, work, running, deaths


def require_stopped(running: list[str], consumers: int) -> None:
    if running:
        raise CaseFailed(
            f"{len(running)} thread(s) were still running after process_all() returned: put "
            f"one sentinel per consumer ({consumers} here), and join every consumer"
        )


@exercise_check("Exercise 3.3: consumers that all stop")
def check_process_all(checker: Checker, process_all: Any, *, time_limit: float = 3.0) -> None:
    """Run ``process_all(items, work, consumers)`` and account for every item and thread."""
    answer, work, running, deaths = run_process_all(process_all, QUEUE_IDS, 3, time_limit)
    outcomes = require_type(answer, dict, "what process_all returns")
    expected = reference(QUEUE_IDS)
    with checker.case("12 ids on 3 consumers: every id ends as a slug or an exception"):
        lost = [anime_id for anime_id in QUEUE_IDS if anime_id not in outcomes]
        if lost and deaths:
            raise CaseFailed(
                f"{len(lost)} of {len(QUEUE_IDS)} ids were lost, and {len(deaths)} consumer(s) "
                f"died of {died_of(deaths)}: catch what work(item) raises and keep it as the result"
            )
        require_accounted(
            QUEUE_IDS,
            outcomes,
            what="ids",
            failing=raising(QUEUE_IDS),
            keep="catch what work(item) raises and keep the exception as the result",
        )
    with checker.case("each id maps to its slug, or to the exception it raised"):
        compare(outcomes, expected, "the result")
    with checker.case("the 3 consumers worked at the same time"):
        if work.peak != 3:
            raise CaseFailed(
                f"{work.peak} call(s) of work() ran at once: start `consumers` threads (3 here), "
                "each taking one item at a time"
            )
    with checker.case("every consumer has stopped when process_all() returns"):
        require_stopped(running, 3)
    with checker.case("5 consumers, 2 ids: both done, every consumer stopped"):
        answer, _, running, _ = run_process_all(process_all, [300, 200], 5, time_limit)
        outcomes = require_type(answer, dict, "what process_all returns")
        assert set(outcomes) == {300, 200}, f"the ids in the result are {sorted(outcomes)}"
        compare(outcomes, reference([300, 200]), "the result")
        require_stopped(running, 5)
    with checker.case("2 consumers, no ids: an empty dict, every consumer stopped"):
        answer, _, running, _ = run_process_all(process_all, [], 2, time_limit)
        assert answer == {}, f"expected an empty dict, got {answer!r}"
        require_stopped(running, 2)
