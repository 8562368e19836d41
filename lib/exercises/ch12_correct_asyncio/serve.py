"""The check of exercise 12.4: request ids in a ContextVar, across tasks and a thread."""

from __future__ import annotations

import asyncio
import contextvars
import threading
from dataclasses import dataclass, field
from typing import Any

from lib.exercises._harness.async_answers import call_answer, describe_error, run_answer
from lib.exercises._harness.checking import (
    CaseFailed,
    Checker,
    Hung,
    exercise_check,
    function_name,
    require_type,
)

__all__ = [
    "RequestBench",
    "check_serve",
]

DEFAULT = "no request"


@dataclass
class RequestBench:
    """The ``handle`` and ``audit`` given to the learner, and what each of them saw."""

    current_id: contextvars.ContextVar[Any]
    handled: list[Any] = field(default_factory=list)
    wrong_reads: list[tuple[Any, Any]] = field(default_factory=list)  # (expected, seen)
    audits: list[tuple[Any, bool]] = field(default_factory=list)  # (seen, on the loop thread)
    busy: int = 0
    peak: int = 0
    loop_thread: int | None = None

    async def handle(self) -> None:
        seen = self.current_id.get()
        self.handled.append(seen)
        self.busy += 1
        self.peak = max(self.peak, self.busy)
        try:
            for step in range(3):
                await asyncio.sleep(0.005 * (1 + (hash(str(seen)) + step) % 3))
                if self.current_id.get() != seen:
                    self.wrong_reads.append((seen, self.current_id.get()))
        finally:
            self.busy -= 1

    def audit(self) -> str:
        seen = self.current_id.get()
        self.audits.append((seen, threading.get_ident() == self.loop_thread))
        return f"audited {seen}"

    async def main(self, fn: Any, ids: list[Any]) -> Any:
        self.loop_thread = threading.get_ident()
        return await call_answer(fn, list(ids), self.current_id, self.handle, self.audit)


@exercise_check("Exercise 12.4: request ids that stay with their request")
def check_serve(checker: Checker, serve: Any, *, time_limit: float = 2.0) -> None:
    """Serve 6 requests; watch the id that ``handle`` and ``audit`` see, and where."""
    name = function_name(serve)
    ids = [f"req-{n}" for n in range(1, 7)]
    bench = RequestBench(contextvars.ContextVar("current_id", default=DEFAULT))
    run = run_answer(serve, lambda: bench.main(serve, ids), time_limit=time_limit)
    if run.timed_out:
        raise Hung(f"{name}() was still running after {time_limit:g} s")
    if run.error is not None:
        raise CaseFailed(describe_error(serve, run.error))
    with checker.case("every request is handled once, with its own id set"):
        if DEFAULT in bench.handled:
            raise CaseFailed(
                "handle() ran with no request id set: set current_id to the request's id "
                "before awaiting handle()"
            )
        if sorted(bench.handled) != sorted(ids):
            raise CaseFailed(f"handle() saw the ids {bench.handled}, expected each of {ids} once")
    with checker.case("the id stays right across every await, while requests overlap"):
        if bench.wrong_reads:
            expected, seen = bench.wrong_reads[0]
            raise CaseFailed(
                f"{len(bench.wrong_reads)} reads saw another request's id (handling {expected!r}, "
                f"current_id was {seen!r}): set it inside each request's own task, where each "
                "task has its own copy of the context"
            )
        if bench.peak < 2:
            raise CaseFailed(
                "the requests were handled one at a time: run them concurrently, each in a "
                "task of its own (asyncio.gather or a TaskGroup)"
            )
    with checker.case("audit() runs in a thread, and sees its request's id"):
        if len(bench.audits) != len(ids):
            raise CaseFailed(f"audit() ran {len(bench.audits)} times for {len(ids)} requests")
        if any(on_loop for _, on_loop in bench.audits):
            raise CaseFailed(
                "audit() ran on the event loop's thread, where it blocks every request: run "
                "it with asyncio.to_thread(audit)"
            )
        if DEFAULT in [seen for seen, _ in bench.audits]:
            raise CaseFailed(
                "audit() saw no request id in its thread: run_in_executor does not carry the "
                "context into the thread; asyncio.to_thread does (or copy_context().run)"
            )
        if sorted(seen for seen, _ in bench.audits) != sorted(ids):
            raise CaseFailed(
                "audit() saw the wrong request ids: set each request's id in its own task"
            )
    with checker.case("returns each id with what audit() returned for it"):
        value = require_type(run.value, dict, f"the result of {name}()")
        expected = {request_id: f"audited {request_id}" for request_id in ids}
        if value != expected:
            raise CaseFailed(f"expected {expected}, got {value!r}")
