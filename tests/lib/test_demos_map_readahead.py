"""lib.demos.map_readahead: counting what map reads ahead, with and without buffersize (Python
3.14)."""

from __future__ import annotations

import itertools
import sys
import threading
import time
import tracemalloc
from concurrent.futures import ThreadPoolExecutor

import pytest

from lib.demos.map_readahead import HAS_BUFFERSIZE, Drawn, first_result

needs_buffersize = pytest.mark.skipif(not HAS_BUFFERSIZE, reason="buffersize is new in 3.14")


def square(number: int) -> int:
    return number * number


def test_has_buffersize_from_python_3_14() -> None:
    assert (sys.version_info >= (3, 14)) == HAS_BUFFERSIZE


def test_drawn_counts_the_items_taken_and_not_the_end() -> None:
    drawn = Drawn("abc")
    assert drawn.count == 0
    assert next(drawn) == "a" and drawn.count == 1
    assert list(drawn) == ["b", "c"]
    assert drawn.count == 3
    assert list(drawn) == [] and drawn.count == 3


def test_without_buffersize_map_reads_every_item_first() -> None:
    with ThreadPoolExecutor(max_workers=2) as pool:
        first = first_result(pool, square, range(3, 503))
    assert first.value == 9
    assert first.drawn == 500
    assert first.peak_bytes > 0 and first.seconds > 0


@needs_buffersize
def test_with_buffersize_map_reads_only_that_far_ahead() -> None:
    with ThreadPoolExecutor(max_workers=2) as pool:
        eager = first_result(pool, square, range(2_000))
        lazy = first_result(pool, square, range(2_000), buffersize=8)
    assert lazy.value == eager.value == 0
    assert lazy.drawn == 9, "the 8 submitted first, and one more for the result handed back"
    assert eager.drawn == 2_000
    assert lazy.peak_bytes < eager.peak_bytes / 10


@needs_buffersize
def test_with_buffersize_an_endless_input_works() -> None:
    with ThreadPoolExecutor(max_workers=2) as pool:
        first = first_result(pool, square, itertools.count(7), buffersize=3, timeout=10)
    assert first == first._replace(value=49, drawn=4)


@pytest.mark.skipif(HAS_BUFFERSIZE, reason="this Python has buffersize")
def test_buffersize_before_python_3_14_is_refused() -> None:
    with (
        ThreadPoolExecutor(max_workers=1) as pool,
        pytest.raises(TypeError, match=r"new in Python 3\.14"),
    ):
        first_result(pool, square, range(5), buffersize=2)


def test_the_tasks_not_started_are_cancelled() -> None:
    calls = itertools.count()  # next() on it is atomic in CPython's C code
    started: list[int] = []

    def slow(number: int) -> int:
        started.append(next(calls))
        time.sleep(0.02)
        return number

    begin = time.perf_counter()
    with ThreadPoolExecutor(max_workers=2) as pool:
        assert first_result(pool, slow, range(300)).value == 0
    assert len(started) < 30, f"{len(started)} of 300 calls ran: the rest were to be cancelled"
    assert time.perf_counter() - begin < 3


def test_errors_and_empty_input() -> None:
    with ThreadPoolExecutor(max_workers=1) as pool:
        with pytest.raises(ZeroDivisionError):
            first_result(pool, lambda n: 1 / n, [0, 1])
        with pytest.raises(ValueError, match="no items"):
            first_result(pool, square, [])
        if HAS_BUFFERSIZE:
            with pytest.raises(ValueError, match="buffersize"):
                first_result(pool, square, [1], buffersize=0)


def test_a_slow_first_result_times_out() -> None:
    release = threading.Event()
    with ThreadPoolExecutor(max_workers=1) as pool:
        begin = time.perf_counter()
        with pytest.raises(TimeoutError):
            first_result(pool, lambda n: release.wait(5), [1], timeout=0.2)
        release.set()
    assert time.perf_counter() - begin < 3


@pytest.mark.parametrize("already_tracing", [False, True])
def test_tracemalloc_is_left_as_it_was(already_tracing: bool) -> None:
    if already_tracing:
        tracemalloc.start()
    try:
        with ThreadPoolExecutor(max_workers=1) as pool:
            first_result(pool, square, range(10))
        assert tracemalloc.is_tracing() == already_tracing
    finally:
        tracemalloc.stop()
