"""Checkers for chapter 3, "Threading".

The learner's code runs in threads here, so each checker also makes the timing it needs
certain: :class:`Overlap` holds the first calls of a pool until the pool is at full width,
and ``ForcedInterleaving`` (in :mod:`lib.exercises._harness.interleaving`) holds a thread that has
read a balance, outside the account's lock, until every other withdrawal has read it too (or
finished). A racy answer then fails on every run, and a correct one passes without waiting.
"""

from __future__ import annotations

import re
import threading
import time
from concurrent.futures import Future
from typing import Any

from lib.anilist.catalogue import lookup_media
from lib.exercises._harness.checking import (
    CaseFailed,
    Checker,
    Hung,
    call_bounded,
    exercise_check,
    require_accounted,
    require_type,
)
from lib.exercises._harness.interleaving import (
    PATIENCE,
    open_account,
    withdraw_together,
    withdrawal,
)

__all__ = [
    "QUEUE_IDS",
    "SAME_LOCK",
    "SLUG_IDS",
    "Overlap",
    "check_collect_all",
    "check_process_all",
    "check_safe_account",
    "compare",
    "english_slug",
    "raising",
    "reference",
    "require_split",
    "require_stopped",
    "run_collect_all",
    "run_process_all",
]


def english_slug(anime_id: int) -> str:
    """A URL slug of the English title, like the chapter's ``english_slug``, with no network.

    Raises:
        LookupError: if no anime has this id.
        AttributeError: if the anime has no English title (``None`` has no ``.lower()``).
    """
    media = lookup_media(anime_id)
    if media is None:
        raise LookupError(f"no anime with id {anime_id}")
    english = media["title"]["english"]
    return re.sub(r"\W+", "-", english.lower()).strip("-")  # type: ignore[union-attr]


def reference(ids: list[int]) -> dict[int, Any]:
    """Each id's slug, or the exception it raises, computed one after another."""
    outcomes: dict[int, Any] = {}
    for anime_id in ids:
        try:
            outcomes[anime_id] = english_slug(anime_id)
        except (LookupError, AttributeError) as error:
            outcomes[anime_id] = error
    return outcomes


class Overlap:
    """``english_slug`` that counts how many of its calls run at once.

    The first calls wait (once, for up to ``PATIENCE`` seconds) until ``width`` of them are
    running, so a pool of ``width`` threads always reaches its full width; then 0.1 s more,
    so a wider pool is seen to be wider.
    """

    def __init__(self, width: int) -> None:
        self.width = width
        self.calls = self.finished = self.in_flight = self.peak = 0
        self.raised: list[Exception] = []
        self._released = width <= 1
        self._cond = threading.Condition()

    def __call__(self, anime_id: int) -> str:
        with self._cond:
            self.calls += 1
            self.in_flight += 1
            self.peak = max(self.peak, self.in_flight)
            self._cond.notify_all()
            if not self._released:
                if self._cond.wait_for(lambda: self.in_flight >= self.width, PATIENCE):
                    # Full width: a moment more, in which a pool that is too wide shows it.
                    self._cond.wait_for(lambda: self.in_flight > self.width, 0.1)
                self._released = True
                self._cond.notify_all()
        try:
            return english_slug(anime_id)
        except Exception as error:
            self.raised.append(error)
            raise
        finally:
            with self._cond:
                self.in_flight -= 1
                self.finished += 1


def raising(ids: list[int]) -> set[int]:
    """The ids among ``ids`` whose call raises."""
    return {anime_id for anime_id, want in reference(ids).items() if isinstance(want, Exception)}


def compare(outcomes: dict[Any, Any], expected: dict[int, Any], where: str) -> None:
    """Raise CaseFailed unless each slug and each exception's type in ``outcomes`` is right.
    Missing ids are left to the case that counts the lost ones."""
    for anime_id, want in expected.items():
        if anime_id not in outcomes:
            continue
        got = outcomes[anime_id]
        if isinstance(got, Future):
            raise CaseFailed(f"{where}[{anime_id}] is a Future: store future.result() instead")
        if isinstance(want, str) and got != want:
            raise CaseFailed(f"{where}[{anime_id}] should be {want!r}, got {got!r}")
        if isinstance(want, Exception) and type(got) is not type(want):
            kept = type(got).__name__
            raise CaseFailed(
                f"id {anime_id} raised {type(want).__name__}, but {where} holds a {kept}: keep "
                "the exception object itself (`except Exception as error: ... = error`)"
            )


# Exercise 3.1 ----------------------------------------------------------------------------

SLUG_IDS = [100, 200, 300, 400, 600, 853, 1000, 0]  # four slugs, three AttributeError, one Lookup


def run_collect_all(
    collect_all: Any, ids: list[int], workers: int, time_limit: float
) -> tuple[dict[Any, Any], dict[Any, Any], Overlap]:
    fn = Overlap(min(workers, len(ids)))
    try:
        answer = call_bounded(collect_all, fn, list(ids), workers, time_limit=time_limit)
    except CaseFailed as failure:
        if any(f"raised {type(error).__name__}: {error}" in str(failure) for error in fn.raised):
            raise CaseFailed(
                f"{failure}, which fn raised: catch what future.result() raises and keep it "
                "in errors"
            ) from None
        raise
    require_type(answer, (tuple, list), "what collect_all returns")
    if len(answer) != 2:
        raise CaseFailed(
            f"collect_all should return two dicts, (results, errors), not {len(answer)}"
        )
    results = require_type(answer[0], dict, "results (the first dict returned)")
    errors = require_type(answer[1], dict, "errors (the second dict returned)")
    if any(isinstance(key, Future) for key in [*results, *errors]):
        raise CaseFailed("the keys are futures: map each future back to its item, and use that")
    return results, errors, fn


def require_split(results: dict[Any, Any], errors: dict[Any, Any], ids: list[int]) -> None:
    """Each id in exactly one of ``results`` and ``errors``."""
    both = sorted(set(results) & set(errors))
    if both:
        raise CaseFailed(f"ids {both} are in both results and errors: each goes in one")
    require_accounted(
        ids,
        results.keys() | errors.keys(),
        what="ids",
        failing=raising(ids),
        keep="catch the exception that future.result() raises and keep it in errors",
    )


@exercise_check("Exercise 3.1: every result and every exception")
def check_collect_all(checker: Checker, collect_all: Any, *, time_limit: float = 5.0) -> None:
    """Run ``collect_all(fn, items, max_workers)`` on ids that succeed and ids that fail."""
    results, errors, fn = run_collect_all(collect_all, SLUG_IDS, 3, time_limit)
    expected = reference(SLUG_IDS)
    with checker.case("8 ids on 3 threads: every id ends in results or in errors"):
        require_split(results, errors, SLUG_IDS)
    with checker.case("results hold the slugs of the calls that returned"):
        compare(results, {k: v for k, v in expected.items() if isinstance(v, str)}, "results")
    with checker.case("errors hold the exceptions of the calls that raised"):
        compare(errors, {k: v for k, v in expected.items() if isinstance(v, Exception)}, "errors")
    with checker.case("3 calls ran at the same time, never more"):
        if fn.peak < 3:
            raise CaseFailed(
                f"at most {fn.peak} call(s) ran at once: submit every item to a "
                "ThreadPoolExecutor(max_workers=max_workers) before waiting for any result"
            )
        if fn.peak > 3:
            raise CaseFailed(f"{fn.peak} calls ran at once: pass max_workers to the pool")
    with checker.case("when every call fails: no results, 3 errors"):
        results, errors, _ = run_collect_all(collect_all, [200, 600, 0], 2, time_limit)
        require_split(results, errors, [200, 600, 0])
        assert not results, f"results should be empty, got {results!r}"
    with checker.case("with no items: two empty dicts"):
        results, errors, _ = run_collect_all(collect_all, [], 2, time_limit)
        assert results == {} and errors == {}, f"got {results!r} and {errors!r}"


# Exercise 3.2 ----------------------------------------------------------------------------

SAME_LOCK = "inside the same `with lock:`?"


@exercise_check("Exercise 3.2: fix the bank account's race")
def check_safe_account(checker: Checker, account_class: Any, *, time_limit: float = 4.0) -> None:
    """Withdraw from the learner's class alone, then from threads under a forced interleaving."""
    account, probe = open_account(account_class, 1000, time_limit)
    with checker.case("SafeAccount(1000).withdraw(50) leaves 950"):
        refused = call_bounded(withdrawal(account, probe, 50), time_limit=time_limit)
        assert refused is None, f"withdraw(50) from 1000 was refused: {refused}"
        if probe.reads == 0:
            raise CaseFailed("withdraw() never read self.balance: keep the balance there")
        assert probe.value == 950, f"the balance should be 950, not {probe.value!r}"
    with checker.case("withdrawing 50 from 30 raises ValueError and leaves 30"):
        account, probe = open_account(account_class, 30, time_limit)
        refused = call_bounded(withdrawal(account, probe, 50), time_limit=time_limit)
        assert refused is not None, f"withdraw(50) returned, and left {probe.value!r}"
        assert probe.value == 30, f"withdraw(50) raised, but the balance became {probe.value!r}"
    with checker.case("after a refusal, withdrawing 30 from 30 still works"):
        try:
            call_bounded(withdrawal(account, probe, 30), time_limit=time_limit)
        except Hung:
            raise Hung(
                f"withdraw(30) was still running after {time_limit:g} s, after withdraw(50) was "
                "refused: is "
                "the lock released when ValueError is raised? `with lock:` releases it for you"
            ) from None
        assert probe.value == 0, f"the balance should be 0, not {probe.value!r}"
    with checker.case("4 threads withdraw 50 from 1000 at once: 800 left"):
        account, probe = open_account(account_class, 1000, time_limit)
        refused = withdraw_together(account, probe, 50, 4, time_limit)
        assert not refused, f"{refused} of 4 withdrawals of 50 from 1000 were refused"
        lost, wrong = (probe.value - 800) // 50, (probe.value - 800) % 50
        if lost > 0 and not wrong:
            raise CaseFailed(
                f"{lost} of 4 withdrawals were lost: are the read and the write {SAME_LOCK}"
            )
        assert probe.value == 800, f"the balance should be 800, not {probe.value!r}"
    with checker.case("5 threads withdraw 50 from 100 at once: 2 paid, 3 refused, 0 left"):
        account, probe = open_account(account_class, 100, time_limit)
        paid = 5 - withdraw_together(account, probe, 50, 5, time_limit)
        lost = (probe.value - (100 - 50 * paid)) // 50
        if lost > 0:
            raise CaseFailed(
                f"{lost} of {paid} withdrawals that went through were lost: are the read and "
                f"the write {SAME_LOCK}"
            )
        if probe.value < 0:
            raise CaseFailed(
                f"the balance went to {probe.value}: {paid} of 5 withdrawals went through. Are "
                f"the check (is there enough?) and the withdrawal {SAME_LOCK}"
            )
        assert paid == 2 and probe.value == 0, f"{paid} paid, and {probe.value!r} is left"


# Exercise 3.3 ----------------------------------------------------------------------------

QUEUE_IDS = [100, 200, 300, 400, 600, 853, 0, 124, 377, 826, 451, 1000]


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
            why = f"{len(deaths)} consumer(s) died of {deaths[0]}: catch what work() raises"
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
                f"died of {deaths[0]}: catch what work(item) raises and keep it as the result"
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
