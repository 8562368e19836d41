"""The check of exercise 8.2: uvloop where it installs, asyncio's loop elsewhere.

The answer is called in a thread where no loop runs (``call_bounded``), three times: with the
check's stand-in for uvloop in ``sys.modules``, with uvloop made impossible to import (``None``
there), and with a ``main`` that raises. The stand-in's loop is asyncio's selector loop under
a name of its own, so the check works where uvloop does not install, and tells its loop from
the real uvloop's, which an import made outside the function would have kept.
"""

from __future__ import annotations

import asyncio
import importlib.machinery
import inspect
import sys
import types
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

from lib.exercises._harness.checking import (
    CaseFailed,
    Checker,
    call_bounded,
    exercise_check,
    function_name,
    require_function,
)

__all__ = [
    "PolicyRefused",
    "StandInLoop",
    "check_run_on_fastest_loop",
    "stand_in_uvloop",
    "uvloop_as",
]

POLICY_HINT = (
    "an event-loop policy (uvloop.install(), uvloop.EventLoopPolicy) changes the loop of the "
    "whole process, and is deprecated from Python 3.14: pass uvloop.new_event_loop as "
    "asyncio.Runner's loop_factory instead"
)


class StandInLoop(asyncio.SelectorEventLoop):
    """The check's stand-in for uvloop's loop: asyncio's selector loop, under its own name."""


class PolicyRefused(RuntimeError):
    """Raised by the stand-in's ``EventLoopPolicy``: the check asks for a loop factory."""


class _Record:
    policy = False  # the answer asked the stand-in for a policy, or to install one


def stand_in_uvloop(record: _Record) -> types.ModuleType:
    """A module that does what the answer may ask of uvloop, with a loop the check can tell."""
    module = types.ModuleType("uvloop", "The check's stand-in for uvloop.")
    module.__spec__ = importlib.machinery.ModuleSpec("uvloop", None)

    def install() -> None:
        record.policy = True  # recorded, not done: the process's loop stays as it is

    def event_loop_policy() -> None:
        record.policy = True
        raise PolicyRefused(POLICY_HINT)

    def run(main: Any, *, debug: bool | None = None, **_: Any) -> Any:
        with asyncio.Runner(loop_factory=StandInLoop, debug=debug) as runner:
            return runner.run(main)

    module.Loop = StandInLoop  # type: ignore[attr-defined]
    module.new_event_loop = StandInLoop  # type: ignore[attr-defined]
    module.install = install  # type: ignore[attr-defined]
    module.EventLoopPolicy = event_loop_policy  # type: ignore[attr-defined]
    module.run = run  # type: ignore[attr-defined]
    return module


@contextmanager
def uvloop_as(module: types.ModuleType | None) -> Iterator[None]:
    """``import uvloop`` gives ``module`` in the block, or fails if it is None."""
    missing = object()
    saved = sys.modules.get("uvloop", missing)
    sys.modules["uvloop"] = module  # type: ignore[assignment]
    try:
        yield
    finally:
        if saved is missing:
            del sys.modules["uvloop"]
        else:
            sys.modules["uvloop"] = saved  # type: ignore[assignment]


class _Probe:
    """A ``main`` for the answer to run: it records the loop it ran on, or raises."""

    def __init__(self, error: Exception | None = None) -> None:
        self.loops: list[asyncio.AbstractEventLoop] = []
        self.left_open = False  # a loop main ran on was still open when the answer returned
        self.answer = {"answer": 42}
        self.error = error

    def main(self) -> Callable[[], Any]:
        async def main() -> Any:
            self.loops.append(asyncio.get_running_loop())
            await asyncio.sleep(0)
            if self.error is not None:
                raise self.error
            return self.answer

        return main


def _call(fn: Any, probe: _Probe, module: types.ModuleType | None) -> tuple[str, Any]:
    def attempt() -> tuple[str, Any]:
        try:
            return ("returned", fn(probe.main()))
        except NotImplementedError:
            raise
        except Exception as error:  # what the answer raised is part of what is checked
            return ("raised", error)

    attempt.__name__ = function_name(fn)
    with uvloop_as(module):
        outcome: tuple[str, Any] = call_bounded(attempt, time_limit=5.0)
    for loop in probe.loops:
        if not loop.is_closed() and not loop.is_running():
            probe.left_open = True
            loop.close()  # the check's job then: an open loop holds its selector's sockets
    if inspect.iscoroutine(outcome[1]):
        outcome[1].close()
        raise CaseFailed(
            f"{function_name(fn)}() returned a coroutine: call runner.run(main()) (or "
            "asyncio.run) and return what it returns"
        )
    return outcome


def _loop_kind(loop: asyncio.AbstractEventLoop) -> str:
    if isinstance(loop, StandInLoop):
        return "the stand-in"
    if "uvloop" in type(loop).__module__:
        return "uvloop"
    return "asyncio"


def _require_ran_once(fn: Any, probe: _Probe, outcome: tuple[str, Any], record: _Record) -> None:
    name = function_name(fn)
    how, value = outcome
    if record.policy:
        raise CaseFailed(POLICY_HINT)
    if how == "raised" and value is not probe.error:
        if isinstance(value, ImportError):
            raise CaseFailed(
                f"{name}() raised {type(value).__name__} ({value}): where uvloop cannot be "
                "imported, catch ImportError and fall back to asyncio's own loop"
            )
        hint = f"{name}() raised {type(value).__name__}: {value}"
        # Python 3.14.10 and 3.15 say "a coroutine or an awaitable is required", earlier
        # versions (and uvloop.run) "a coroutine was expected": both name the coroutine.
        if isinstance(value, TypeError | ValueError) and "coroutine" in str(value):
            hint += ". Call main() to make the coroutine: runner.run(main())"
        raise CaseFailed(hint)
    if not probe.loops:
        raise CaseFailed("main() never ran: run it to its end with runner.run(main())")
    if len(probe.loops) > 1:
        raise CaseFailed(
            f"main() ran {len(probe.loops)} times: a fallback that catches every exception "
            "runs main again when main itself fails; catch only ImportError, around the import"
        )


@exercise_check("Exercise 8.2: uvloop where it installs, asyncio's loop elsewhere")
def check_run_on_fastest_loop(checker: Checker, run_on_fastest_loop: Any) -> None:
    """Call the learner's ``run_on_fastest_loop(main)`` with uvloop there, then not there."""
    fn = run_on_fastest_loop
    name = require_function(fn, "a plain function")
    if inspect.iscoroutinefunction(fn):
        raise CaseFailed(
            f"{name} is an `async def`: make it a plain def, which starts a loop of its own"
        )

    record, probe = _Record(), _Probe()
    outcome = _call(fn, probe, stand_in_uvloop(record))
    with checker.case("where uvloop imports: main ran on uvloop's loop, and its result came back"):
        _require_ran_once(fn, probe, outcome, record)
        kind = _loop_kind(probe.loops[0])
        if kind == "uvloop":
            raise CaseFailed(
                "main ran on the uvloop imported before the call, not on what `import uvloop` "
                "gives where the function runs: import uvloop inside the function"
            )
        if kind == "asyncio":
            raise CaseFailed(
                "main ran on asyncio's own loop although uvloop could be imported: pass "
                "uvloop.new_event_loop as asyncio.Runner's loop_factory"
            )
        if outcome[1] is not probe.answer:
            raise CaseFailed(
                f"{name}() returned {outcome[1]!r}, not what main() returned: return it"
            )
    with checker.case("the loop was closed when main ended"):
        if probe.left_open:
            raise CaseFailed(
                "the loop was left open: close it when main ends (asyncio.Runner in a with "
                "block, or asyncio.run, does)"
            )

    record, probe = _Record(), _Probe()
    outcome = _call(fn, probe, None)
    with checker.case("where uvloop does not import: main ran on asyncio's own loop"):
        _require_ran_once(fn, probe, outcome, record)
        if _loop_kind(probe.loops[0]) != "asyncio":
            raise CaseFailed(
                "main ran on uvloop although `import uvloop` fails here: import it inside "
                "the function, in a try whose except ImportError picks asyncio's own loop"
            )
        if probe.left_open:
            raise CaseFailed("asyncio's loop was left open: close it when main ends")

    record, probe = _Record(), _Probe(LookupError("the check's own error, raised by main"))
    outcome = _call(fn, probe, stand_in_uvloop(record))
    with checker.case("when main raises, it ran once and its error came out unchanged"):
        _require_ran_once(fn, probe, outcome, record)
        if outcome[0] != "raised":
            raise CaseFailed(
                f"main() raised LookupError, yet {name}() returned {outcome[1]!r}: let the "
                "error of main() come out, as asyncio.run does"
            )
