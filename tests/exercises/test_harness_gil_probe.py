"""lib.exercises._harness.gil_probe: whether a call holds the GIL, and pretend interpreters."""

from __future__ import annotations

import concurrent.futures
import sys
import sysconfig
import threading
import time
from collections.abc import Iterator
from typing import Any

import pytest

from lib.demos.gil import gil_status
from lib.demos.workloads import factorial_mod
from lib.exercises._harness.gil_probe import (
    HOLDS_GIL,
    gil_lockout,
    gil_verdict,
    pretend_interpreter,
)


def no_probe_left() -> bool:
    return not any(thread.name == "gil-probe" for thread in threading.enumerate())


def interpreter_state() -> tuple[Any, ...]:
    return (
        sysconfig.get_config_var("Py_GIL_DISABLED"),
        getattr(sys, "_is_gil_enabled", None),
        getattr(concurrent.futures, "InterpreterPoolExecutor", None),
    )


def test_gil_lockout_tells_holding_from_letting_go() -> None:
    interval = sys.getswitchinterval()
    result, held = gil_lockout(lambda: factorial_mod(1, 50, 300_000))
    assert result == factorial_mod(1, 50, 300_000)
    if gil_status().gil_enabled:
        assert held > HOLDS_GIL
    else:  # a free-threaded build: the probe keeps running beside pure-Python code
        assert held < HOLDS_GIL
    assert gil_lockout(lambda: time.sleep(0.05))[1] < HOLDS_GIL
    assert sys.getswitchinterval() == interval and no_probe_left()


def test_gil_lockout_cleans_up_after_an_error() -> None:
    interval = sys.getswitchinterval()

    def fails() -> None:
        raise KeyError("boom")

    with pytest.raises(KeyError):
        gil_lockout(fails)
    assert sys.getswitchinterval() == interval and no_probe_left()


def test_gil_verdict_takes_the_majority_and_reads_no_more_than_it_needs() -> None:
    read: list[float] = []

    def shares(*values: float) -> Iterator[float]:
        for value in values:
            read.append(value)
            yield value

    assert gil_verdict(shares(0.9, 0.3, 0.95, 1.0, 0.0), 5) == (True, pytest.approx(0.925))
    assert read == [0.9, 0.3, 0.95, 1.0]  # 3 of 4 held: the fifth cannot change it
    read.clear()
    assert gil_verdict(shares(0.9, 0.3, 0.95, 0.1, 0.0), 5) == (False, 0.3)
    assert len(read) == 5
    read.clear()
    assert gil_verdict(shares(0.0, 0.02, 1.0, 1.0), 3) == (False, 0.01)  # one stray is outvoted
    assert read == [0.0, 0.02]
    assert gil_verdict(iter([1.0, 0.99, 0.0]), 3) == (True, pytest.approx(0.995))
    assert gil_verdict(iter([0.79]), 1) == (False, 0.79)  # HOLDS_GIL is the boundary
    assert gil_verdict(iter([0.8]), 1) == (True, 0.8)


@pytest.mark.parametrize("tries", [0, 2, -1])
def test_gil_verdict_refuses_an_even_or_empty_vote(tries: int) -> None:
    with pytest.raises(ValueError, match="positive odd number"):
        gil_verdict(iter([1.0] * 5), tries)


def test_gil_verdict_says_when_the_shares_run_out() -> None:
    with pytest.raises(ValueError, match="2 shares for a majority of 5"):
        gil_verdict(iter([1.0, 0.0]), 5)


def test_pretend_interpreter_restores_even_after_an_error() -> None:
    before = interpreter_state()
    with pytest.raises(RuntimeError), pretend_interpreter(1, False, True):
        assert sysconfig.get_config_var("Py_GIL_DISABLED") == 1
        assert sys._is_gil_enabled() is False  # type: ignore[attr-defined]
        assert concurrent.futures.InterpreterPoolExecutor.__name__ == "InterpreterPoolExecutor"
        raise RuntimeError
    assert interpreter_state() == before
