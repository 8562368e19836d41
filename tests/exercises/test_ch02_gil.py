"""Chapter 2's checkers: what tests/exercises/mistakes/ch02_gil.md cannot say as data.

The common mistakes of exercises 2.3 and 2.4 and their hints are data, in that file (see
test_mistakes.py). Here: the answers of 2.1 and 2.2, which are dicts of predictions, not
functions; other right answers, the starters, hangs and their time limits; the measuring
(the GIL probe, one core, a child Python with the GIL on); hints given only on a build with
the GIL; and what a hint alone cannot say: which cases a mistake fails (that may depend on
the kernel), or two texts in one hint.
"""

from __future__ import annotations

import concurrent.futures
import contextlib
import hashlib
import os
import shutil
import sys
import sysconfig
import threading
import time
from collections.abc import Iterator
from concurrent.futures import ProcessPoolExecutor, ThreadPoolExecutor
from typing import Any

import pytest

from lib.demos.gil import GilStatus, gil_status
from lib.demos.workloads import factorial_mod
from lib.exercises._harness.gil_probe import (
    HOLDS_GIL,
    gil_lockout,
    gil_verdict,
    pretend_interpreter,
)
from lib.exercises.ch02_gil import (
    check_overlap_predictions,
    check_pool_for_python_work,
    check_refcount_changes,
    check_sha256_streams,
)
from lib.exercises.ch02_gil import overlap_predictions as checkers
from lib.exercises.ch02_gil import sha256_streams as hashing_checks
from lib.exercises.ch02_gil.sha256_streams import RecordingStream

#: What lib.demos.gil.gil_status reports on a free-threaded build running with the GIL off.
NO_GIL = GilStatus(free_threaded_build=True, gil_enabled=False, checked_at_run_time=True)


@contextlib.contextmanager
def one_core() -> Iterator[None]:
    """Pin this thread, and every thread it starts, to a single core."""
    if not hasattr(os, "sched_setaffinity"):
        pytest.skip("no sched_setaffinity on this platform")
    before = os.sched_getaffinity(0)
    os.sched_setaffinity(0, {min(before)})
    try:
        yield
    finally:
        os.sched_setaffinity(0, before)


def no_probe_left() -> bool:
    return not any(thread.name == "gil-probe" for thread in threading.enumerate())


# --- 2.1 reference counts ------------------------------------------------------------------

RIGHT_REFCOUNTS = {
    "pair = (scores, scores)": 2,
    'holder = {"a": scores, "b": [scores]}': 2,
    "len(scores)": 0,
    "keep(scores)": 1,
    "for item in [scores]: pass": 1,
    "del pair": -2,
    'holder["b"].clear()': -1,
}


def test_refcounts_right() -> None:
    feedback = check_refcount_changes(RIGHT_REFCOUNTS)
    assert feedback.passed and str(feedback).endswith("All 7 checks passed.")


def test_refcounts_starter_and_partial() -> None:
    assert check_refcount_changes(dict.fromkeys(RIGHT_REFCOUNTS, ...)).not_attempted
    partial = dict(RIGHT_REFCOUNTS, **{"del pair": ...})
    assert check_refcount_changes(partial).hints == [
        "some predictions are still `...`: fill in every one"
    ]


def test_refcounts_a_wrong_one_is_explained() -> None:
    forgot_the_stored_one = dict(RIGHT_REFCOUNTS, **{"keep(scores)": 0})
    hints = check_refcount_changes(forgot_the_stored_one).hints
    assert len(hints) == 1
    assert "by +1, not +0" in hints[0] and "kept.append" in hints[0]
    forgot_the_loop_variable = dict(RIGHT_REFCOUNTS, **{"for item in [scores]: pass": 0})
    assert "loop variable" in check_refcount_changes(forgot_the_loop_variable).hints[0]


def test_refcounts_wrong_types_and_missing_keys() -> None:
    assert "is None" in check_refcount_changes(None).hints[0]
    as_text = dict(RIGHT_REFCOUNTS, **{"len(scores)": "0"})
    assert "should be an int, not str" in check_refcount_changes(as_text).hints[0]
    as_bool = dict(RIGHT_REFCOUNTS, **{"len(scores)": False})
    assert "should be a number" in check_refcount_changes(as_bool).hints[0]
    missing = {k: v for k, v in RIGHT_REFCOUNTS.items() if k != "del pair"}
    assert check_refcount_changes(missing).hints == ["no prediction for 'del pair': add that key"]


# --- measuring the GIL ---------------------------------------------------------------------


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


# --- 2.2 which calls can threads overlap? --------------------------------------------------

RIGHT_OVERLAPS = {
    "time.sleep(0.06)": True,
    "factorial_mod(1, 50, rounds)": False,
    "sorted(numbers)": False,
    "hashlib.sha256(buffer)": True,
}


def test_overlaps_right() -> None:
    assert check_overlap_predictions(RIGHT_OVERLAPS).passed


def test_overlaps_right_on_one_core() -> None:
    with one_core():
        assert check_overlap_predictions(RIGHT_OVERLAPS).passed


def test_overlaps_wrong_ones_are_explained() -> None:
    wrong = dict(
        RIGHT_OVERLAPS,
        **{"time.sleep(0.06)": False, "sorted(numbers)": True},
    )
    feedback = check_overlap_predictions(wrong)
    assert [case for case, _ in feedback.failed_cases] == [
        "time.sleep(0.06) is predicted right",
        "sorted(numbers) is predicted right",
    ]
    sleep_hint, sorted_hint = feedback.hints
    assert "lets go of the GIL while it waits" in sleep_hint
    assert "needs the GIL all the time" in sorted_hint and "Python objects" in sorted_hint


def test_overlaps_measured_in_a_child_with_the_gil_where_the_kernel_has_none(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # Pretend this kernel runs without the GIL: the shares then come from a child Python
    # started with -X gil=1 (accepted by default builds too), all at once.
    monkeypatch.setattr(checkers, "gil_status", lambda: NO_GIL)
    shares = checkers.lockout_shares(tries=2)
    assert set(shares) == set(RIGHT_OVERLAPS)
    assert all(isinstance(measured, list) and len(measured) == 2 for measured in shares.values())
    assert max(shares["factorial_mod(1, 50, rounds)"]) > HOLDS_GIL
    assert min(shares["time.sleep(0.06)"]) < HOLDS_GIL
    assert check_overlap_predictions(RIGHT_OVERLAPS).passed
    wrong = dict(RIGHT_OVERLAPS, **{"factorial_mod(1, 50, rounds)": True})
    [hint] = check_overlap_predictions(wrong).hints
    assert "measured in a child Python with the GIL on" in hint
    assert "needs the GIL all the time" in hint


def test_overlaps_child_that_fails_is_an_error(monkeypatch: pytest.MonkeyPatch) -> None:
    false = shutil.which("false")
    if false is None:
        pytest.skip("no `false` command here")
    monkeypatch.setattr(checkers, "gil_status", lambda: NO_GIL)
    monkeypatch.setattr(checkers.sys, "executable", false)
    with pytest.raises(RuntimeError, match="child Python with the GIL on failed"):
        checkers.lockout_shares()


def test_overlaps_starter_and_wrong_types() -> None:
    assert check_overlap_predictions(dict.fromkeys(RIGHT_OVERLAPS, ...)).not_attempted
    as_text = dict(RIGHT_OVERLAPS, **{"time.sleep(0.06)": "yes"})
    assert "should be a bool, not str" in check_overlap_predictions(as_text).hints[0]
    assert "should be a dict" in check_overlap_predictions([True] * 4).hints[0]


# --- 2.3 a pool for pure-Python work -------------------------------------------------------


def pool_for_python_work() -> type:
    is_gil_enabled = getattr(sys, "_is_gil_enabled", None)
    if is_gil_enabled is not None and not is_gil_enabled():
        return ThreadPoolExecutor
    interpreters = getattr(concurrent.futures, "InterpreterPoolExecutor", None)
    return interpreters if interpreters is not None else ProcessPoolExecutor


def interpreter_state() -> tuple[Any, ...]:
    return (
        sysconfig.get_config_var("Py_GIL_DISABLED"),
        getattr(sys, "_is_gil_enabled", None),
        getattr(concurrent.futures, "InterpreterPoolExecutor", None),
    )


def test_pool_right_and_state_restored() -> None:
    before = interpreter_state()
    feedback = check_pool_for_python_work(pool_for_python_work)
    assert feedback.passed and len(feedback.passed_cases) == 7
    assert interpreter_state() == before


def test_pretend_interpreter_restores_even_after_an_error() -> None:
    before = interpreter_state()
    with pytest.raises(RuntimeError), pretend_interpreter(1, False, True):
        assert sysconfig.get_config_var("Py_GIL_DISABLED") == 1
        assert sys._is_gil_enabled() is False  # type: ignore[attr-defined]
        assert concurrent.futures.InterpreterPoolExecutor.__name__ == "InterpreterPoolExecutor"
        raise RuntimeError
    assert interpreter_state() == before


def test_pool_that_reads_only_the_build_fails_only_the_gil_coming_back() -> None:
    # Its hint is in ch02_gil.md; here, the one case it fails.
    def by_build() -> type:
        if sysconfig.get_config_var("Py_GIL_DISABLED") == 1:
            return ThreadPoolExecutor
        interpreters = getattr(concurrent.futures, "InterpreterPoolExecutor", None)
        return interpreters or ProcessPoolExecutor

    feedback = check_pool_for_python_work(by_build)
    assert [case for case, _ in feedback.failed_cases] == [
        "pretend Python 3.13t, GIL turned back on (PYTHON_GIL=1)"
    ]


def test_pool_that_assumes_new_features_gets_both_texts_in_one_hint() -> None:
    # Their hints are in ch02_gil.md; here, that both texts are in the same hint.
    def assumes_3_13() -> type:
        return ProcessPoolExecutor if sys._is_gil_enabled() else ThreadPoolExecutor  # type: ignore[attr-defined]

    hint = check_pool_for_python_work(assumes_3_13).hints[0]
    assert "AttributeError" in hint and "getattr(sys, '_is_gil_enabled', None)" in hint

    def assumes_3_14() -> type:
        from concurrent.futures import InterpreterPoolExecutor  # type: ignore[attr-defined]

        return InterpreterPoolExecutor

    hints = check_pool_for_python_work(assumes_3_14).hints
    assert "ImportError" in hints[0] and "'InterpreterPoolExecutor', None" in hints[0]


def test_pool_always_processes_misses_threads_and_interpreters() -> None:
    # Its hints are in ch02_gil.md; here, the cases it fails, which depend on this kernel.
    feedback = check_pool_for_python_work(lambda: ProcessPoolExecutor)
    missed = [
        "pretend Python 3.13t, GIL disabled",
        "pretend Python 3.14, default build",
        "pretend Python 3.14t, GIL disabled",
    ]
    # This kernel is judged as it is: on 3.14+ (InterpreterPoolExecutor) or with the GIL off,
    # processes are the wrong answer here too; on 3.11-3.13 with the GIL they are right.
    if pool_for_python_work() is not ProcessPoolExecutor:
        missed.append("this kernel, as it really is")
    assert [case for case, _ in feedback.failed_cases] == missed


def test_pool_starter_and_hang() -> None:
    def starter() -> type:
        raise NotImplementedError("replace this line with your solution")

    assert check_pool_for_python_work(starter).not_attempted
    before = interpreter_state()

    def hangs() -> type:
        time.sleep(2.5)
        return ProcessPoolExecutor

    start = time.perf_counter()
    feedback = check_pool_for_python_work(hangs)
    assert "still running" in feedback.hints[0] and len(feedback.failed_cases) == 1
    assert time.perf_counter() - start < 4
    assert interpreter_state() == before


# --- 2.4 hash many streams at once ---------------------------------------------------------


def sha256_of(stream: Any, piece_bytes: int = 2**20) -> str:
    digest = hashlib.sha256()
    while piece := stream.read(piece_bytes):
        digest.update(piece)
    return digest.hexdigest()


def sha256_streams(streams: list) -> list[str]:
    with ThreadPoolExecutor(max_workers=4) as pool:
        return list(pool.map(sha256_of, streams))


def test_hash_right() -> None:
    interval = sys.getswitchinterval()
    feedback = check_sha256_streams(sha256_streams)
    assert feedback.passed and str(feedback).endswith("All 6 checks passed.")
    assert sys.getswitchinterval() == interval and no_probe_left()


def test_hash_with_file_digest_is_right_too() -> None:
    def with_file_digest(streams: list) -> list[str]:
        with ThreadPoolExecutor(max_workers=4) as pool:
            futures = [pool.submit(hashlib.file_digest, s, "sha256") for s in streams]
            return [future.result().hexdigest() for future in futures]

    assert check_sha256_streams(with_file_digest).passed


def test_recording_stream_repeats_its_piece_and_logs_every_read() -> None:
    log: list = []
    stream = RecordingStream(b"abcde", log, 7, repeats=3)
    assert stream.read(3) == b"abc" and stream.read(4) == b"deab"  # across a repeat
    buffer = bytearray(6)
    assert stream.readinto(buffer) == 6 and buffer == b"cdeabc"
    assert stream.read() == b"de" and stream.read(5) == b"" and stream.readinto(buffer) == 0
    assert [(index, size) for index, _, size, _ in log] == [
        (7, 3),
        (7, 4),
        (7, 6),
        (7, -1),
        (7, 5),
        (7, 6),
    ]
    assert RecordingStream(b"xy", [], 0, repeats=2).read(None) == b"xyxy"


def test_hash_right_on_one_core() -> None:
    with one_core():
        assert check_sha256_streams(sha256_streams).passed


def test_hash_in_small_pieces_keeps_the_gil() -> None:
    # Its first hint is in ch02_gil.md; here, the cases it fails and the hint that only a
    # build with the GIL gives.
    def small_pieces(streams: list) -> list[str]:
        with ThreadPoolExecutor(max_workers=4) as pool:
            return list(pool.map(lambda stream: sha256_of(stream, 1024), streams))

    feedback = check_sha256_streams(small_pieces)
    failed = ["every read asks for more than 2047 bytes"]
    if gil_status().gil_enabled:  # without a GIL, small pieces lock no thread out
        failed.append("the hashing let go of the GIL: other Python threads kept running")
    assert [case for case, _ in feedback.failed_cases] == failed
    if gil_status().gil_enabled:
        assert "hash pieces of more than 2047 bytes" in feedback.hints[1]


def test_hash_big_reads_but_small_updates_keeps_the_gil() -> None:
    def sliced(stream: Any) -> str:
        digest = hashlib.sha256()
        while piece := stream.read(2**20):
            for start in range(0, len(piece), 1024):
                digest.update(piece[start : start + 1024])
        return digest.hexdigest()

    def sliced_streams(streams: list) -> list[str]:
        with ThreadPoolExecutor(max_workers=4) as pool:
            return list(pool.map(sliced, streams))

    feedback = check_sha256_streams(sliced_streams)
    if not gil_status().gil_enabled:  # no GIL to keep: small updates run in parallel too
        assert feedback.passed
        return
    assert len(feedback.hints) == 1 and "every update() fed more than" in feedback.hints[0]


def test_hash_with_one_shared_digest_inspects_nothing_else() -> None:
    # Its hint is in ch02_gil.md; here, that the check stops at the wrong digests.
    def shared_digest(streams: list) -> list[str]:
        digest = hashlib.sha256()
        results = []
        for stream in streams:
            while piece := stream.read(2**20):
                digest.update(piece)
            results.append(digest.hexdigest())
        return results

    feedback = check_sha256_streams(shared_digest)
    assert len(feedback.failed_cases) == 2, "nothing else is inspected after wrong digests"


def test_hash_with_a_pool_per_stream_fails_only_on_no_streams() -> None:
    # Its hint is in ch02_gil.md; here, the one case it fails.
    def pool_per_stream(streams: list) -> list[str]:
        with ThreadPoolExecutor(max_workers=len(streams)) as pool:
            return list(pool.map(sha256_of, streams))

    feedback = check_sha256_streams(pool_per_stream)
    assert [case for case, _ in feedback.failed_cases] == [
        "an empty list of streams gives an empty list"
    ]


def test_hash_starter_and_hang(monkeypatch: pytest.MonkeyPatch) -> None:
    def starter(streams: list) -> list[str]:
        raise NotImplementedError("replace this line with your solution")

    assert check_sha256_streams(starter).not_attempted
    monkeypatch.setattr(hashing_checks, "HASH_TIME_LIMIT", 0.5)
    interval = sys.getswitchinterval()

    def hangs(streams: list) -> list[str]:
        time.sleep(1.5)
        return []

    start = time.perf_counter()
    feedback = check_sha256_streams(hangs)
    assert "still running" in feedback.hints[0] and len(feedback.failed_cases) == 1
    assert time.perf_counter() - start < 1.5
    assert sys.getswitchinterval() == interval and no_probe_left()
