"""Chapter 2's checkers: what tests/exercises/mistakes/ch02_gil.md cannot say as data.

The common mistakes of exercises 2.3 and 2.4 and their hints are data, in that file (see
tests/plugins/mistakes.py); the right answers and the starters are the chapter's own cells
(tests/plugins/answers.py). Here: exercises 2.1 and 2.2, whose answers are dicts of
predictions, so that their wrong answers are the chapter's with one value changed; other right
answers, hangs and their time limits; the measuring (one core, a child Python with the GIL
on); hints given only on a build with the GIL; and what a hint alone cannot say: which cases a
mistake fails (that may depend on the kernel), or two texts in one hint.
"""

from __future__ import annotations

import contextlib
import hashlib
import os
import shutil
import sys
import time
from collections.abc import Iterator
from concurrent.futures import ProcessPoolExecutor, ThreadPoolExecutor
from typing import Any

import pytest
from test_harness_gil_probe import interpreter_state, no_probe_left

from lib.demos.gil import GilStatus, gil_status
from lib.exercises._harness.gil_probe import HOLDS_GIL
from lib.exercises.ch02_gil import (
    check_overlap_predictions,
    check_pool_for_python_work,
    check_refcount_changes,
    check_sha256_streams,
)
from lib.exercises.ch02_gil import overlap_predictions as checkers
from lib.exercises.ch02_gil import sha256_streams as hashing_checks
from lib.exercises.ch02_gil.sha256_streams import RecordingStream
from tests.plugins.answers import answer, starter
from tests.plugins.mistakes import feedback_on

#: What lib.demos.gil.gil_status reports on a free-threaded build running with the GIL off.
NO_GIL = GilStatus(free_threaded_build=True, gil_enabled=False, checked_at_run_time=True)
CHECKS = {
    "2.1": check_refcount_changes,
    "2.2": check_overlap_predictions,
    "2.3": check_pool_for_python_work,
    "2.4": check_sha256_streams,
}


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


@pytest.mark.parametrize(("number", "cases"), [("2.1", 7), ("2.2", 4), ("2.3", 7), ("2.4", 6)])
def test_the_chapters_answers_pass_every_case_and_the_starters_are_not_attempted(
    number: str, cases: int
) -> None:
    interval, before = sys.getswitchinterval(), interpreter_state()
    feedback = CHECKS[number](answer(number))
    assert feedback.passed and str(feedback).endswith(f"All {cases} checks passed.")
    assert sys.getswitchinterval() == interval and no_probe_left()
    assert interpreter_state() == before
    assert CHECKS[number](starter(number)).not_attempted


# --- 2.1 reference counts ------------------------------------------------------------------


def test_refcounts_partial_is_told_to_fill_in_every_one() -> None:
    partial = dict(answer("2.1"), **{"del pair": ...})
    assert check_refcount_changes(partial).hints == [
        "some predictions are still `...`: fill in every one"
    ]


def test_refcounts_a_wrong_one_is_explained() -> None:
    forgot_the_stored_one = dict(answer("2.1"), **{"keep(scores)": 0})
    hints = check_refcount_changes(forgot_the_stored_one).hints
    assert len(hints) == 1
    assert "by +1, not +0" in hints[0] and "kept.append" in hints[0]
    forgot_the_loop_variable = dict(answer("2.1"), **{"for item in [scores]: pass": 0})
    assert "loop variable" in check_refcount_changes(forgot_the_loop_variable).hints[0]


def test_refcounts_wrong_types_and_missing_keys() -> None:
    right = answer("2.1")
    assert "is None" in check_refcount_changes(None).hints[0]
    as_text = dict(right, **{"len(scores)": "0"})
    assert "should be an int, not str" in check_refcount_changes(as_text).hints[0]
    as_bool = dict(right, **{"len(scores)": False})
    assert "should be a number" in check_refcount_changes(as_bool).hints[0]
    missing = {k: v for k, v in right.items() if k != "del pair"}
    assert check_refcount_changes(missing).hints == ["no prediction for 'del pair': add that key"]


# --- 2.2 which calls can threads overlap? --------------------------------------------------


def test_overlaps_right_on_one_core() -> None:
    with one_core():
        assert check_overlap_predictions(answer("2.2")).passed


def test_overlaps_wrong_ones_are_explained() -> None:
    wrong = dict(answer("2.2"), **{"time.sleep(0.06)": False, "sorted(numbers)": True})
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
    right = answer("2.2")
    monkeypatch.setattr(checkers, "gil_status", lambda: NO_GIL)
    shares = checkers.lockout_shares(tries=2)
    assert set(shares) == set(right)
    assert all(isinstance(measured, list) and len(measured) == 2 for measured in shares.values())
    assert max(shares["factorial_mod(1, 50, rounds)"]) > HOLDS_GIL
    assert min(shares["time.sleep(0.06)"]) < HOLDS_GIL
    assert check_overlap_predictions(right).passed
    wrong = dict(right, **{"factorial_mod(1, 50, rounds)": True})
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


def test_overlaps_wrong_types() -> None:
    as_text = dict(answer("2.2"), **{"time.sleep(0.06)": "yes"})
    assert "should be a bool, not str" in check_overlap_predictions(as_text).hints[0]
    assert "should be a dict" in check_overlap_predictions([True] * 4).hints[0]


# --- 2.3 a pool for pure-Python work -------------------------------------------------------


def test_pool_that_reads_only_the_build_fails_only_the_gil_coming_back() -> None:
    feedback, _ = feedback_on("2.3", "Asks how Python was built, not whether the GIL is on")
    assert [case for case, _ in feedback.failed_cases] == [
        "pretend Python 3.13t, GIL turned back on (PYTHON_GIL=1)"
    ]


@pytest.mark.parametrize(
    "title",
    [
        "Calls sys._is_gil_enabled(), which Python 3.12 and older lack",
        "Imports InterpreterPoolExecutor, which only Python 3.14 has",
    ],
)
def test_pool_that_assumes_new_features_gets_both_texts_in_one_hint(title: str) -> None:
    feedback, hints = feedback_on("2.3", title)
    assert all(hint in feedback.hints[0] for hint in hints)


def test_pool_always_processes_misses_threads_and_interpreters() -> None:
    feedback, _ = feedback_on("2.3", "Always processes")
    missed = [
        "pretend Python 3.13t, GIL disabled",
        "pretend Python 3.14, default build",
        "pretend Python 3.14t, GIL disabled",
    ]
    # This kernel is judged as it is: on 3.14+ (InterpreterPoolExecutor) or with the GIL off,
    # processes are the wrong answer here too; on 3.11-3.13 with the GIL they are right.
    if answer("2.3")() is not ProcessPoolExecutor:
        missed.append("this kernel, as it really is")
    assert [case for case, _ in feedback.failed_cases] == missed


def test_pool_that_hangs_is_bounded() -> None:
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
    sizes = [(index, size) for index, _, size, _ in log]
    assert sizes == [(7, 3), (7, 4), (7, 6), (7, -1), (7, 5), (7, 6)]
    assert RecordingStream(b"xy", [], 0, repeats=2).read(None) == b"xyxy"


def test_hash_right_on_one_core() -> None:
    with one_core():
        assert check_sha256_streams(answer("2.4")).passed


def test_hash_in_small_pieces_keeps_the_gil() -> None:
    # The cases it fails, and the hint that only a build with the GIL gives.
    feedback, _ = feedback_on("2.4", "Reads of 1 KiB")
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
    feedback, _ = feedback_on("2.4", "One sha256() for every stream")
    assert len(feedback.failed_cases) == 2, "nothing else is inspected after wrong digests"


def test_hash_with_a_pool_per_stream_fails_only_on_no_streams() -> None:
    feedback, _ = feedback_on("2.4", "A pool as wide as the list of streams, which may be empty")
    assert [case for case, _ in feedback.failed_cases] == [
        "an empty list of streams gives an empty list"
    ]


def test_hash_that_hangs_is_bounded(monkeypatch: pytest.MonkeyPatch) -> None:
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
