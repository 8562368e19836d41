"""Timers that are right for plain functions and for coroutines (lib.measure.timing)."""

from __future__ import annotations

import asyncio
import inspect
import time
from collections.abc import Callable

import pytest

from lib.measure.timing import (
    MEASURE_VARIABLE,
    Stopwatch,
    Timed,
    best_of,
    best_of_each,
    measure,
    measure_async,
    repeats,
    timed,
)


class Reports:
    """A ``report`` callback that keeps what it was told."""

    def __init__(self) -> None:
        self.calls: list[tuple[str, float]] = []

    def __call__(self, name: str, seconds: float) -> None:
        self.calls.append((name, seconds))


# --- timed --------------------------------------------------------------------------------


def test_timed_async_function_includes_the_await() -> None:
    """The trap: a naive decorator times creating the coroutine, about 0 s, not running it."""
    reports = Reports()

    @timed(report=reports)
    async def nap(value: int) -> int:
        await asyncio.sleep(0.2)
        return value * 2

    assert inspect.iscoroutinefunction(nap)
    assert asyncio.run(nap(21)) == 42
    [(name, seconds)] = reports.calls
    assert name == "nap"
    assert 0.2 <= seconds < 0.5


def test_timed_async_functions_run_concurrently_each_timed() -> None:
    reports = Reports()

    @timed(report=reports)
    async def nap(seconds: float) -> None:
        await asyncio.sleep(seconds)

    async def main() -> None:
        await asyncio.gather(nap(0.1), nap(0.2))

    begin = time.perf_counter()
    asyncio.run(main())
    assert time.perf_counter() - begin < 0.35
    short, long = sorted(seconds for _, seconds in reports.calls)
    assert 0.1 <= short < 0.2 <= long < 0.3


def test_timed_sync_function_with_default_report_prints(capsys) -> None:
    @timed
    def work(a: int, b: int = 0) -> int:
        time.sleep(0.05)
        return a + b

    assert work(1, b=2) == 3
    assert work.__name__ == "work"
    output = capsys.readouterr().out.strip()
    assert output.startswith("work took ")
    assert output.endswith(" s")
    assert 0.05 <= float(output.split()[2]) < 0.5


def test_timed_with_report_callback_on_sync_function() -> None:
    reports = Reports()

    @timed(report=reports)
    def work() -> str:
        time.sleep(0.1)
        return "done"

    assert work() == "done"
    assert work() == "done"
    assert [name for name, _ in reports.calls] == ["work", "work"]
    assert all(0.1 <= seconds < 0.4 for _, seconds in reports.calls)


def test_timed_reports_and_reraises_when_sync_function_fails() -> None:
    reports = Reports()

    @timed(report=reports)
    def broken() -> None:
        time.sleep(0.05)
        raise KeyError("boom")

    with pytest.raises(KeyError, match="boom"):
        broken()
    [(name, seconds)] = reports.calls
    assert name == "broken" and seconds >= 0.05


def test_timed_reports_and_reraises_when_async_function_fails() -> None:
    reports = Reports()

    @timed(report=reports)
    async def broken() -> None:
        await asyncio.sleep(0.05)
        raise ConnectionError("gone")

    with pytest.raises(ConnectionError, match="gone"):
        asyncio.run(broken())
    [(name, seconds)] = reports.calls
    assert name == "broken" and seconds >= 0.05


# --- measure and measure_async ------------------------------------------------------------


def test_measure_times_a_plain_call_with_arguments() -> None:
    def add_after(delay: float, a: int, *, b: int) -> int:
        time.sleep(delay)
        return a + b

    result = measure(add_after, 0.1, 2, b=3)
    assert isinstance(result, Timed)
    assert result.result == 5
    assert 0.1 <= result.seconds < 0.4


def test_measure_rejects_a_coroutine_function_without_leaving_it_unawaited() -> None:
    """filterwarnings=error turns a 'coroutine was never awaited' warning into a failure."""
    ran = []

    async def fetch() -> None:
        ran.append(True)

    with pytest.raises(TypeError, match="measure_async"):
        measure(fetch)
    assert ran == [], "the coroutine body must not have run"


def test_measure_rejects_other_awaitables() -> None:
    class Later:
        def __await__(self):
            yield from ()

    with pytest.raises(TypeError, match="awaitable"):
        measure(Later)


def test_measure_async_awaits_inside_the_timing() -> None:
    async def nap(seconds: float, *, value: str) -> str:
        await asyncio.sleep(seconds)
        return value

    result = asyncio.run(measure_async(nap, 0.2, value="ok"))
    assert result.result == "ok"
    assert 0.2 <= result.seconds < 0.5


def test_measure_async_rejects_a_sync_function() -> None:
    with pytest.raises(TypeError, match="not async"):
        asyncio.run(measure_async(lambda: 42))


def test_measure_async_propagates_exceptions() -> None:
    async def broken() -> None:
        raise ValueError("bad")

    with pytest.raises(ValueError, match="bad"):
        asyncio.run(measure_async(broken))


# --- Stopwatch ----------------------------------------------------------------------------


def test_stopwatch_around_an_await() -> None:
    async def main() -> float:
        with Stopwatch() as watch:
            await asyncio.sleep(0.15)
        return watch.seconds

    assert 0.15 <= asyncio.run(main()) < 0.4


def test_stopwatch_runs_inside_the_block_and_freezes_after() -> None:
    with Stopwatch() as watch:
        time.sleep(0.02)
        inside_early = watch.seconds
        time.sleep(0.02)
        inside_late = watch.seconds
    assert 0.02 <= inside_early < inside_late
    total = watch.seconds
    time.sleep(0.02)
    assert watch.seconds == total
    assert total >= inside_late


def test_stopwatch_restarts_when_reused() -> None:
    watch = Stopwatch()
    with watch:
        time.sleep(0.1)
    with watch:
        pass
    assert watch.seconds < 0.05


def test_stopwatch_before_start_raises() -> None:
    with pytest.raises(RuntimeError, match="not been started"):
        _ = Stopwatch().seconds


def test_stopwatch_keeps_the_time_when_the_block_raises() -> None:
    watch = Stopwatch()
    with pytest.raises(ZeroDivisionError), watch:
        time.sleep(0.05)
        _ = 1 / 0
    assert 0.05 <= watch.seconds < 0.3


# --- best_of, best_of_each ------------------------------------------------------------------


@pytest.fixture
def full(monkeypatch: pytest.MonkeyPatch) -> None:
    """Full measurements, whatever make test set for the notebooks."""
    monkeypatch.setenv(MEASURE_VARIABLE, "full")


@pytest.mark.usefixtures("full")
def test_best_of_keeps_the_shortest_run() -> None:
    pauses = iter([0.06, 0.01, 0.04])
    assert best_of(3, lambda: time.sleep(next(pauses))) == pytest.approx(0.01, abs=0.02)
    with pytest.raises(ValueError, match="at least 1"):
        best_of(0, time.sleep, 0)


@pytest.mark.usefixtures("full")
def test_best_of_each_takes_turns_and_keeps_each_ones_shortest() -> None:
    order: list[str] = []

    def contender(name: str, seconds: float) -> Callable[[], None]:
        return lambda: (order.append(name), time.sleep(seconds))[0]

    best = best_of_each(2, {"short": contender("short", 0.0), "long": contender("long", 0.05)})
    assert order == ["short", "long", "short", "long"], "rounds, not one contender after another"
    assert best["short"] < 0.04 <= best["long"]
    with pytest.raises(ValueError, match="no contenders"):
        best_of_each(1, {})


def test_best_of_refuses_a_coroutine_function() -> None:
    async def nap() -> None:
        await asyncio.sleep(0)

    with pytest.raises(TypeError, match="measure_async"):
        best_of(1, nap)


def test_quick_measurements_run_once(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(MEASURE_VARIABLE, "quick")
    calls: list[int] = []
    best_of(3, calls.append, 1)
    best_of_each(3, {"a": lambda: calls.append(2), "b": lambda: calls.append(3)})
    assert calls == [1, 2, 3]
    assert repeats(5) == 1
    monkeypatch.setenv(MEASURE_VARIABLE, "full")
    assert repeats(5) == 5
    monkeypatch.delenv(MEASURE_VARIABLE)
    assert repeats(5) == 5, "full unless asked"


def test_repeats_refuses_nonsense(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(MEASURE_VARIABLE, "fast")
    with pytest.raises(ValueError, match="'full' or 'quick'"):
        repeats(3)
    monkeypatch.setenv(MEASURE_VARIABLE, "full")
    with pytest.raises(ValueError, match="at least 1"):
        repeats(0)
