"""The check of exercise 2.4: hash many streams at once."""

from __future__ import annotations

import hashlib
import random
import threading
import time
from collections.abc import Iterator
from typing import Any

from lib.demos.gil import overlap_seconds
from lib.exercises._harness.checking import (
    CaseFailed,
    Checker,
    call_bounded,
    exercise_check,
    require_type,
)
from lib.exercises._harness.gil_probe import (
    gil_lockout,
    gil_verdict,
)
from lib.measure.recorder import Span

__all__ = [
    "GIL_MIN_BYTES",
    "HASH_TIME_LIMIT",
    "HASH_TRIES",
    "SMALL_SIZES",
    "Blob",
    "Read",
    "RecordingStream",
    "check_sha256_streams",
]


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
