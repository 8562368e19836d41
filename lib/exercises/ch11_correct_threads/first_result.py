"""The check of exercise 11.2: the first answer.

The learner's ``first_result(fns, timeout)`` gets stand-ins for slow requests: each waits its
delay on an event (so the check can end them all at once when a case is over), then returns
its value or raises. The check times how long the answer took to return, and counts the calls
that began after it returned, or after it raised TimeoutError: those the answer should have
cancelled. Two cases give it more calls than any pool of a sensible size has threads, so that
calls wait in the pool's queue: after the first result, and on the timeout.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Sequence
from typing import Any

from lib.exercises._harness.checking import (
    CaseFailed,
    Checker,
    call_bounded,
    exercise_check,
    function_name,
    require_function,
)

__all__ = ["Calls", "check_first_result"]

SLOW = 2.0  # seconds a slow call takes, unless the case ends it first
QUICK_ENOUGH = 0.5  # seconds within which the first success must come back
# After this many seconds the case ends every call still waiting, so that an answer which
# waits for all of them comes back soon, and is told it was late (it cannot be back before).
# The timeout cases leave the calls their full SLOW seconds instead: ended early, they would
# return before a right answer's timeout ran out on a busy machine, where starting the pool's
# threads alone can take most of a second.
END_AFTER = QUICK_ENOUGH + 0.1
# One quick call, then more slow ones than any default pool has threads (at most 32), so
# that some calls must wait in the pool's queue: the answer should cancel those.
MANY_SLOW = 39
# Once the answer has returned, a thread that took a call from the queue just before it was
# cancelled is given this long to begin it, before the slow calls are let go.
GRACE = 0.1


class Calls:
    """Stand-ins for requests: ``make(value, delay, error)`` is a function of no arguments.

    Every call waits ``delay`` seconds (or until :meth:`end`), then raises ``error`` or
    returns ``value``. ``started`` counts the calls that began, ``starts`` holds when
    (``time.monotonic()``).
    """

    def __init__(self) -> None:
        self._over = threading.Event()
        self._lock = threading.Lock()
        self.started = 0
        self.starts: list[float] = []

    def make(
        self, value: Any, delay: float, error: BaseException | None = None
    ) -> Callable[[], Any]:
        def call() -> Any:
            with self._lock:
                self.started += 1
                self.starts.append(time.monotonic())
            self._over.wait(delay)
            if error is not None:
                raise error
            return value

        call.__name__ = f"call_{value}"
        return call

    def end(self) -> None:
        """Let every call still waiting finish now."""
        self._over.set()


def _timed(
    first_result: Any, fns: list[Callable[[], Any]], timeout: float, time_limit: float
) -> tuple[Any, BaseException | None, float]:
    """The learner's value or the exception it raised, and the seconds it took.

    Raises:
        NotAttempted: for the starter.
        Hung: if it runs past ``time_limit``.
    """

    def attempt() -> tuple[Any, BaseException | None, float]:
        start = time.monotonic()
        try:
            value = first_result(fns, timeout)
        except NotImplementedError:
            raise
        except Exception as error:  # the cases look at what it raised
            return None, error, time.monotonic() - start
        return value, None, time.monotonic() - start

    attempt.__name__ = function_name(first_result)
    outcome: tuple[Any, BaseException | None, float] = call_bounded(attempt, time_limit=time_limit)
    return outcome


def _run(
    first_result: Any,
    specs: Sequence[tuple[Any, float, BaseException | None]],
    timeout: float,
    time_limit: float,
    end_after: float = END_AFTER,
) -> tuple[Any, BaseException | None, float]:
    calls = Calls()
    ender = threading.Timer(end_after, calls.end)
    ender.name = "exercise-ender"
    ender.start()
    try:
        return _timed(first_result, [calls.make(*spec) for spec in specs], timeout, time_limit)
    finally:
        ender.cancel()
        calls.end()
        ender.join()
        _let_threads_end()


def _started_after_return(first_result: Any, time_limit: float) -> tuple[Any, int]:
    """What the answer returned for a quick call and many slow ones, and how many calls began
    after it returned (after :data:`GRACE`, before the slow calls were let go).

    Raises:
        CaseFailed: if the answer raised.
    """
    value, error, late = _late_starts(
        first_result, with_quick=True, timeout=5.0, time_limit=time_limit
    )
    if error is not None:
        raise CaseFailed(f"first_result() raised {_named(error)}")
    return value, late


def _late_starts(
    first_result: Any,
    *,
    with_quick: bool,
    timeout: float,
    time_limit: float,
    end_after: float = END_AFTER,
) -> tuple[Any, BaseException | None, int]:
    """Call the answer with :data:`MANY_SLOW` slow calls (after a quick one, ``with_quick``):
    what it returned or raised, and how many calls began after it had (after :data:`GRACE`,
    before the slow calls were let go)."""
    calls = Calls()
    fns = [calls.make("near", 0.02)] if with_quick else []
    fns += [calls.make("slow", SLOW) for _ in range(MANY_SLOW)]
    ender = threading.Timer(end_after, calls.end)  # for an answer that waits for them all
    ender.name = "exercise-ender"
    ender.start()
    try:
        value, error, _ = _timed(first_result, fns, timeout, time_limit)
        time.sleep(GRACE)
        mark = time.monotonic()
    finally:
        ender.cancel()
        calls.end()  # now the slow calls end, and a call left in a queue would begin
        ender.join()
        _let_threads_end()
    with calls._lock:
        late = sum(start > mark for start in calls.starts)
    return value, error, late


def _let_threads_end() -> None:
    """Give the pools the learner left behind a moment to end their threads."""
    deadline = time.monotonic() + 1.0
    for thread in threading.enumerate():
        if thread.name.startswith("ThreadPoolExecutor"):
            thread.join(max(0.0, deadline - time.monotonic()))


def _named(error: BaseException) -> str:
    """``ValueError: broken``, or just ``StopIteration`` when there is no message."""
    return f"{type(error).__name__}: {error}" if str(error) else type(error).__name__


@exercise_check("Exercise 11.2: the first answer")
def check_first_result(checker: Checker, first_result: Any, *, time_limit: float = 5.0) -> None:
    """Call the learner's ``first_result`` with fast, slow and failing stand-ins."""
    require_function(first_result)
    Spec = tuple[Any, float, BaseException | None]
    with checker.case("two slow calls and a quick one: the quick one's result, at once"):
        specs: list[Spec] = [("far", SLOW, None), ("farther", SLOW, None), ("near", 0.05, None)]
        value, error, seconds = _run(first_result, specs, 5.0, time_limit)
        if error is not None:
            raise CaseFailed(f"first_result() raised {_named(error)}")
        if value in ("far", "farther"):
            raise CaseFailed(
                f"it returned {value!r}: did it wait for the calls in order? Use "
                "wait(..., return_when=FIRST_COMPLETED)"
            )
        assert value == "near", f"it returned {value!r}, not the quick call's 'near'"
        if seconds > QUICK_ENOUGH:
            raise CaseFailed(
                f"it returned after {seconds:.1f} s, though 'near' was ready after 0.05 s: it "
                "waited for the slow calls. Are the calls run at the same time? Does a `with` "
                "block wait for them? Shut the pool down with wait=False"
            )
    with checker.case(f"a quick call, then {MANY_SLOW} slow ones: the calls not started cancelled"):
        value, late = _started_after_return(first_result, time_limit)
        assert value == "near", f"it returned {value!r}, not the quick call's 'near'"
        if late > 1:
            raise CaseFailed(
                f"{late} calls began after first_result() had returned: they waited in the "
                "pool's queue, and nothing cancelled them. Cancel the calls that have not "
                "started: pool.shutdown(wait=False, cancel_futures=True)"
            )
    with checker.case("the quickest call raises: the next one's result"):
        specs = [("ok", 0.2, None), ("broken", 0.02, ValueError("broken")), ("slow", SLOW, None)]
        value, error, seconds = _run(first_result, specs, 5.0, time_limit)
        if error is not None:
            raise CaseFailed(
                f"first_result() raised {_named(error)}: a call that raises does not count; "
                "wait for the next one"
            )
        assert value == "ok", f"it returned {value!r}, not 'ok'"
        if seconds > QUICK_ENOUGH:
            raise CaseFailed(
                f"it returned after {seconds:.1f} s, though 'ok' was ready after 0.2 s: it "
                "waited for the slow call"
            )
    with checker.case("every call raises: the exception is raised"):
        specs = [(n, 0.02 * n, LookupError(f"no answer {n}")) for n in (1, 2, 3)]
        value, error, _ = _run(first_result, specs, 5.0, time_limit)
        if error is None:
            raise CaseFailed(f"it returned {value!r}: when every call fails, raise the exception")
        if not isinstance(error, LookupError):
            raise CaseFailed(
                f"it raised {_named(error)}, not the calls' LookupError: raise the last "
                "call's exception"
            )
    with checker.case("no call ends within the timeout: TimeoutError, in time"):
        value, error, seconds = _run(
            first_result, [("slow", SLOW, None)] * 2, 0.2, time_limit, end_after=SLOW
        )
        if error is None:
            raise CaseFailed(f"it returned {value!r}: raise TimeoutError after `timeout` seconds")
        if not isinstance(error, TimeoutError):
            raise CaseFailed(
                f"it raised {_named(error)}, not TimeoutError: when wait() returns no done "
                "future, the time is up"
            )
        if seconds > QUICK_ENOUGH:
            raise CaseFailed(
                f"TimeoutError came after {seconds:.1f} s, for a timeout of 0.2 s: did a `with` "
                "block wait for the slow calls? Shut the pool down with wait=False"
            )
    with checker.case(
        f"{MANY_SLOW} slow calls, none within the timeout: TimeoutError, and the calls not "
        "started cancelled"
    ):
        _, error, late = _late_starts(
            first_result, with_quick=False, timeout=0.2, time_limit=time_limit, end_after=SLOW
        )
        if not isinstance(error, TimeoutError):
            got = "it returned" if error is None else f"it raised {_named(error)}"
            raise CaseFailed(f"{got}, not TimeoutError, when no call ended within the timeout")
        if late > 1:
            raise CaseFailed(
                f"{late} calls began after first_result() had raised TimeoutError: they waited "
                "in the pool's queue, and nothing cancelled them on that way out. Cancel the "
                "calls that have not started whichever way the function ends: "
                "pool.shutdown(wait=False, cancel_futures=True) in a `finally`"
            )
