"""Checkers for chapter 2, "The GIL".

Every reference is measured or computed here, independently of the learner's answer: the
reference counts by running each line, the digests with one plain ``hashlib`` call per
buffer, and whether code lets go of the GIL with :func:`gil_lockout`, which watches a probe
thread rather than a stopwatch. A speed-up depends on free cores, which a busy or one-core
machine lacks; a thread locked out of Python by the GIL looks the same everywhere. On a
free-threaded kernel with the GIL off, nothing is ever locked out, so exercise 2.2's calls are
measured in a child Python started with the GIL on (``-X gil=1``).
"""

from __future__ import annotations

import concurrent.futures
import hashlib
import json
import random
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import ProcessPoolExecutor, ThreadPoolExecutor
from typing import Any, TypeVar

from lib.exercises._harness.checking import (
    CaseFailed,
    Checker,
    call_bounded,
    exercise_check,
    filled_in,
    require_type,
)
from lib.exercises._harness.gil_probe import (
    PretendInterpreterPoolExecutor,
    gil_lockout,
    gil_verdict,
    pretend_interpreter,
)
from lib.gil import gil_status, overlap_seconds
from lib.recorder import Span
from lib.workloads import calibrate_rounds, factorial_mod

__all__ = [
    "CHILD_TIME_LIMIT",
    "OVERLAP_TRIES",
    "RecordingStream",
    "check_overlap_predictions",
    "check_pool_for_python_work",
    "check_refcount_changes",
    "check_sha256_streams",
    "lockout_shares",
    "overlap_shares",
]

T = TypeVar("T")


# --- 2.1 reference counts ------------------------------------------------------------------

REFCOUNT_SETUP = "kept = []\n\ndef keep(item):\n    kept.append(item)\n"

# Each line, run in order, and why it changes the count as it does (shown only on a miss).
REFCOUNT_LINES = {
    "pair = (scores, scores)": "a tuple holds one reference per slot that points at the list",
    'holder = {"a": scores, "b": [scores]}': "count every container that now points at the "
    "list, the inner one too",
    "len(scores)": "the argument's reference lasts only while the call runs",
    "keep(scores)": "the argument's reference goes when the call returns, but the one stored "
    "by kept.append(...) stays",
    "for item in [scores]: pass": "the temporary list is freed after the loop, but the loop "
    "variable still names its last item",
    "del pair": "deleting the only name of the tuple frees it, and each of its slots lets go",
    'holder["b"].clear()': "clearing a list drops every reference it held",
}


def _measured_refcount_changes() -> dict[str, int]:
    namespace: dict[str, Any] = {}
    exec(REFCOUNT_SETUP, namespace)
    scores = namespace["scores"] = [90, 75, 82]
    changes = {}
    for line in REFCOUNT_LINES:
        compiled = compile(line, "<exercise 2.1>", "exec")
        before = sys.getrefcount(scores)
        exec(compiled, namespace)
        changes[line] = sys.getrefcount(scores) - before
    return changes


@exercise_check("Exercise 2.1: count the references")
def check_refcount_changes(checker: Checker, predictions: Any) -> None:
    """Run each line on a fresh list and compare the change of its count with the prediction."""
    predictions = filled_in(predictions, "refcount_changes")
    for line, change in _measured_refcount_changes().items():
        with checker.case(f"{line} is predicted right"):
            if line not in predictions:
                raise CaseFailed(f"no prediction for {line!r}: add that key")
            guess = require_type(predictions[line], int, f"the prediction for {line!r}")
            if guess != change:
                raise CaseFailed(
                    f"it changes the count by {change:+d}, not {guess:+d}: {REFCOUNT_LINES[line]}"
                )


# --- 2.2 which calls can threads overlap? --------------------------------------------------


def _overlap_calls() -> dict[str, Callable[[], object]]:
    rounds = calibrate_rounds(target_seconds=0.06)
    generator = random.Random(2)
    numbers = [generator.random() for _ in range(400_000)]
    buffer = bytes(48 * 2**20)
    return {
        "time.sleep(0.06)": lambda: time.sleep(0.06),
        "factorial_mod(1, 50, rounds)": lambda: factorial_mod(1, 50, rounds),
        "sorted(numbers)": lambda: sorted(numbers),
        "hashlib.sha256(buffer)": lambda: hashlib.sha256(buffer).digest(),
    }


OVERLAP_TRIES = 3  # a guess is judged by the majority of this many measurements
CHILD_TIME_LIMIT = 120.0  # seconds for a child Python to measure every call OVERLAP_TRIES times


def _measured_shares(call: Callable[[], object], tries: int) -> Iterator[float]:
    for _ in range(tries):  # lazily: the checker stops once a majority agrees
        yield gil_lockout(call)[1]


def overlap_shares(tries: int = OVERLAP_TRIES) -> dict[str, list[float]]:
    """Measure here, ``tries`` times, the share of each call of exercise 2.2 that a second
    thread spends locked out of Python. What the child Python of :func:`lockout_shares` runs.
    Never raises."""
    return {name: list(_measured_shares(call, tries)) for name, call in _overlap_calls().items()}


def lockout_shares(tries: int = OVERLAP_TRIES) -> dict[str, Iterable[float]]:
    """Up to ``tries`` locked-out shares for each call of exercise 2.2, measured with a GIL.

    With the GIL on, they are measured here, one at a time as they are asked for. With it
    off (a free-threaded build), no call could lock a thread out here, so a child of this
    same Python measures them all with the GIL turned on, ``-X gil=1``.

    Raises:
        RuntimeError: if that child fails or prints no measurement.
        subprocess.TimeoutExpired: if it runs for more than ``CHILD_TIME_LIMIT`` seconds.
    """
    if gil_status().gil_enabled:
        return {name: _measured_shares(call, tries) for name, call in _overlap_calls().items()}
    script = (
        "import json; from lib.exercises.ch02_gil import overlap_shares; "
        f"print(json.dumps(overlap_shares({int(tries)})))"
    )
    child = subprocess.run(
        [sys.executable, "-X", "gil=1", "-c", script],
        capture_output=True,
        text=True,
        timeout=CHILD_TIME_LIMIT,
        check=False,
    )
    lines = child.stdout.strip().splitlines()
    if child.returncode != 0 or not lines:
        last = (child.stderr.strip().splitlines() or ["no error message"])[-1]
        raise RuntimeError(f"the child Python with the GIL on failed: {last}")
    shares: dict[str, Iterable[float]] = json.loads(lines[-1])
    return shares


@exercise_check("Exercise 2.2: which calls can threads overlap?")
def check_overlap_predictions(checker: Checker, predictions: Any) -> None:
    """Measure whether each call locks a second thread out of Python; compare with the guess.

    On a kernel without the GIL the calls are measured in a child Python with the GIL on.
    """
    predictions = filled_in(predictions, "threads_overlap")
    measured_here = gil_status().gil_enabled
    for name, shares in lockout_shares().items():
        with checker.case(f"{name} is predicted right"):
            if name not in predictions:
                raise CaseFailed(f"no prediction for {name!r}: add that key")
            guess = require_type(predictions[name], bool, f"the prediction for {name!r}")
            held, share = gil_verdict(shares, OVERLAP_TRIES)
            if held == guess:
                locked = f"a second thread was locked out of Python for {share:.0%} of the call"
                if not measured_here:
                    locked += " (measured in a child Python with the GIL on: this kernel has none)"
                if guess:
                    raise CaseFailed(
                        f"{locked}: it needs the GIL all the time it runs. Pure-Python "
                        "code does, and so does C code that works on Python objects"
                    )
                raise CaseFailed(
                    f"{locked}: it lets go of the GIL while it waits, or while C "
                    "code works on its own buffer, so threads can overlap it"
                )


# --- 2.3 a pool for pure-Python work ------------------------------------------------------

# (description, Py_GIL_DISABLED, sys._is_gil_enabled(), has InterpreterPoolExecutor)
PRETEND_INTERPRETERS = [
    ("Python 3.12: no sys._is_gil_enabled", None, None, False),
    ("Python 3.13, default build", 0, True, False),
    ("Python 3.13t, GIL disabled", 1, False, False),
    ("Python 3.13t, GIL turned back on (PYTHON_GIL=1)", 1, True, False),
    ("Python 3.14, default build", 0, True, True),
    ("Python 3.14t, GIL disabled", 1, False, True),
]

POOL_HINTS = {
    "threads": "the GIL is off here (sys._is_gil_enabled() returns False), so threads run "
    "Python code in parallel, with no copying at all",
    "back on": "this build is free-threaded, yet the GIL is on again: ask whether the GIL is "
    "on now (sys._is_gil_enabled()), not how Python was built",
    "interpreters": "the GIL is on, and concurrent.futures has InterpreterPoolExecutor: each "
    "sub-interpreter has its own GIL, and all of them live in this one process",
    "processes": "the GIL is on and there is no InterpreterPoolExecutor: only processes run "
    "Python code on several cores here",
}


def _expected_pool(gil_enabled: bool | None, interpreter_pool: Any) -> tuple[type, str]:
    if gil_enabled is False:
        return ThreadPoolExecutor, "threads"
    if interpreter_pool:
        return interpreter_pool, "interpreters"
    return ProcessPoolExecutor, "processes"


def _judge_pool(answer: Any, expected: type, hint: str) -> None:
    if isinstance(answer, concurrent.futures.Executor):
        answer.shutdown(wait=False, cancel_futures=True)
        raise CaseFailed("return the executor class itself, not a pool made from it")
    if isinstance(answer, str):
        raise CaseFailed(f"return the class (such as ThreadPoolExecutor), not the text {answer!r}")
    require_type(answer, type, "the result of pool_for_python_work()")
    if answer is not expected:
        raise CaseFailed(f"got {answer.__name__}, expected {expected.__name__}: {hint}")


def _missing_feature_hint(failure: CaseFailed) -> CaseFailed:
    text = str(failure)
    if "_is_gil_enabled" in text:
        return CaseFailed(
            f"{text} (it only exists from Python 3.13: look it up with "
            "getattr(sys, '_is_gil_enabled', None))"
        )
    if "InterpreterPoolExecutor" in text:
        return CaseFailed(
            f"{text} (it only exists from Python 3.14: look it up with "
            "getattr(concurrent.futures, 'InterpreterPoolExecutor', None))"
        )
    return failure


@exercise_check("Exercise 2.3: a pool for pure-Python work")
def check_pool_for_python_work(checker: Checker, pool_for_python_work: Any) -> None:
    """Call the learner's function on pretend interpreters, then on this one as it is."""
    for description, build, gil_enabled, has_pool in PRETEND_INTERPRETERS:
        with checker.case(f"pretend {description}"):
            with pretend_interpreter(build, gil_enabled, has_pool):
                try:
                    answer = call_bounded(pool_for_python_work, time_limit=2)
                except CaseFailed as failure:
                    raise _missing_feature_hint(failure) from None
            expected, why = _expected_pool(gil_enabled, has_pool and PretendInterpreterPoolExecutor)
            if build == 1 and gil_enabled:
                why = "back on"
            _judge_pool(answer, expected, POOL_HINTS[why])
    with checker.case("this kernel, as it really is"):
        is_enabled = getattr(sys, "_is_gil_enabled", None)
        expected, why = _expected_pool(
            None if is_enabled is None else bool(is_enabled()),
            getattr(concurrent.futures, "InterpreterPoolExecutor", None),
        )
        answer = call_bounded(pool_for_python_work, time_limit=2)
        _judge_pool(answer, expected, POOL_HINTS[why])


# --- 2.4 hash many streams at once ---------------------------------------------------------

GIL_MIN_BYTES = 2048  # hashlib lets go of the GIL for updates of at least this many bytes
BIG_STREAMS, BIG_MIB = 4, 48  # long enough that a GIL held per stream shows on any machine
SMALL_SIZES = (0, 1, 2047, 2048, 1_000_003)
HASH_TIME_LIMIT = 10.0  # seconds for one call of the learner's function
HASH_TRIES = 5  # whether the hashing let go of the GIL: the majority of this many runs
Read = tuple[int, int, int, float]  # stream number, thread ident, size asked for, time


class RecordingStream:
    """A read-only binary stream of ``data`` repeated ``repeats`` times that logs every read:
    size, thread, time. Repeating one piece makes a long stream without holding it all."""

    def __init__(self, data: bytes, log: list[Read], index: int, repeats: int = 1) -> None:
        self._data, self._size, self._position = memoryview(data), len(data) * repeats, 0
        self._log, self._index = log, index

    def _take(self, size: int) -> Iterator[memoryview]:
        self._log.append((self._index, threading.get_ident(), size, time.perf_counter()))
        end = self._size if size < 0 else min(self._size, self._position + size)
        while self._position < end:
            offset = self._position % len(self._data)
            piece = self._data[offset : offset + end - self._position]
            self._position += len(piece)
            yield piece

    def read(self, size: int | None = -1) -> bytes:
        return b"".join(self._take(-1 if size is None else size))

    def readinto(self, buffer: Any) -> int:  # what hashlib.file_digest uses
        view, filled = memoryview(buffer).cast("B"), 0
        for piece in self._take(len(view)):
            view[filled : filled + len(piece)] = piece
            filled += len(piece)
        return filled

    def readable(self) -> bool:
        return True


Blob = tuple[bytes, int]  # a stream's content: this piece, repeated this many times


def _hash_call(sha256_streams: Any, blobs: list[Blob], log: list[Read]) -> list[Any]:
    """Run the learner's function on fresh streams over ``blobs``; return its digests."""
    streams = [RecordingStream(data, log, index, n) for index, (data, n) in enumerate(blobs)]
    answer = call_bounded(sha256_streams, streams, time_limit=HASH_TIME_LIMIT)
    if isinstance(answer, Iterator):
        raise CaseFailed("the result of sha256_streams is an iterator: wrap it in list(...)")
    digests: list[Any] = require_type(answer, list, "the result of sha256_streams")
    return digests


def _hashing_lockout(sha256_streams: Any, blobs: list[Blob]) -> float:
    """Hash ``blobs`` with the learner's function under the probe; return the locked-out
    share of the hashing itself, first read to last: no pool start-up or shutdown."""
    reads: list[Read] = []

    def hashing() -> tuple[float, float]:
        moments = [moment for *_, moment in reads] or [0.0]
        return min(moments), max(moments)

    return gil_lockout(lambda: _hash_call(sha256_streams, blobs, reads), hashing)[1]


def _sha256_of_blob(data: bytes, repeats: int) -> str:
    digest = hashlib.sha256()
    for _ in range(repeats):
        digest.update(data)
    return digest.hexdigest()


def _compare_digests(answer: list[Any], blobs: list[Blob]) -> None:
    expected = [_sha256_of_blob(data, repeats) for data, repeats in blobs]
    if len(answer) != len(expected):
        raise CaseFailed(f"{len(answer)} digests for {len(expected)} streams: one per stream")
    for index, (got, want) in enumerate(zip(answer, expected, strict=True)):
        if isinstance(got, bytes):
            raise CaseFailed("the digests are bytes: return digest.hexdigest(), a str")
        if got in expected and got != want:
            raise CaseFailed(f"digest {index} belongs to another stream: keep the input's order")
        if got != want:
            raise CaseFailed(
                f"the digest of stream {index} is wrong: is every piece of it fed, once, to "
                "a sha256() of its own?"
            )


@exercise_check("Exercise 2.4: hash many streams at once")
def check_sha256_streams(checker: Checker, sha256_streams: Any) -> None:
    """Hash recorded streams with the learner's function; judge digests, reads and the GIL."""
    block = random.Random(4).randbytes(2**20)
    small = [((block * 2)[:size], 1) for size in SMALL_SIZES]
    big = [(bytes([index]) * 9 + block[9:], BIG_MIB) for index in range(BIG_STREAMS)]
    log: list[Read] = []
    with checker.case("an empty list of streams gives an empty list"):
        answer = _hash_call(sha256_streams, [], [])
        if answer != []:
            raise CaseFailed(f"got {answer!r} for no streams at all")
    with checker.case("streams from 0 bytes to about 1 MiB hash right, odd sizes included"):
        _compare_digests(_hash_call(sha256_streams, small, []), small)
    big_right = False
    with checker.case(f"{BIG_STREAMS} streams of {BIG_MIB} MiB hash right, in order"):
        _compare_digests(_hash_call(sha256_streams, big, log), big)
        big_right = True
    if not big_right or not log:
        return  # wrong digests: how they were computed is not worth inspecting yet
    smallest = min(size for _, _, size, _ in log)
    with checker.case("every read asks for more than 2047 bytes"):
        if smallest < 0:
            raise CaseFailed(
                "read() without a size loads a whole stream into memory: read pieces of one "
                "size (1 MiB, say) until read returns b''"
            )
        if smallest < GIL_MIN_BYTES:
            raise CaseFailed(
                f"read({smallest}) asks for pieces that hashlib hashes with the GIL held "
                "(2047 bytes or fewer), so the threads take turns: ask for 1 MiB, say"
            )
    with checker.case("several threads read the streams at the same time"):
        moments: dict[int, list[float]] = {}
        for index, _, _, moment in log:
            moments.setdefault(index, []).append(moment)
        spans = [Span(str(i), f"stream {i}", min(m), max(m)) for i, m in moments.items()]
        if sum(span.seconds > 0 for span in spans) >= 2 and overlap_seconds(spans) <= 0:
            raise CaseFailed(
                "the streams were read one after another: submit every stream to a "
                "ThreadPoolExecutor before you wait for any result"
            )
        if len({ident for _, ident, _, _ in log}) < 2:
            raise CaseFailed(
                f"one thread read all {BIG_STREAMS} streams: hash each one in a task of its "
                "own on a ThreadPoolExecutor"
            )
    if smallest < 0:
        return  # whole reads: this stream copies them in Python, so the GIL says nothing here
    with checker.case("the hashing let go of the GIL: other Python threads kept running"):
        measured = (_hashing_lockout(sha256_streams, big) for _ in range(HASH_TRIES))
        held, share = gil_verdict(measured, HASH_TRIES)
        if held:
            why = (
                "hash pieces of more than 2047 bytes, so that hashlib lets go of the GIL"
                if smallest < GIL_MIN_BYTES
                else "is every update() fed more than 2047 bytes, and no byte touched in Python?"
            )
            raise CaseFailed(
                f"another thread was locked out of Python for {share:.0%} of the hashing: {why}"
            )
