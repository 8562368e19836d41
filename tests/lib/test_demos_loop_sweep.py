"""lib.demos.loop_sweep: the same batches on each loop, every request counted, uvloop skipped
cleanly."""

from __future__ import annotations

import asyncio
import gc
import os
import threading
from collections.abc import Iterator

import pytest

from lib.anilist.clients import AsyncAniListClient
from lib.anilist.running import LocalAniList
from lib.demos.gc_tuning import YOUNG_THRESHOLD
from lib.demos.loop_sweep import loops_here, sweep
from lib.plumbing import event_loops


@pytest.fixture(scope="module")
def server() -> Iterator[LocalAniList]:
    with LocalAniList(latency=0.01) as running:
        yield running


@pytest.mark.parametrize("loop", event_loops.available_loops())
def test_each_batch_is_sent_measured_and_counted_in_order(server: LocalAniList, loop: str) -> None:
    result = sweep(server.url, loop, {5: 10, 1: 3}, connections=5, server_pid=os.getpid())
    assert result.loop == loop and result.profile is None
    assert [(b.level, b.requests, b.answered, b.errors) for b in result.batches] == [
        (5, 10, 10, []),
        (1, 3, 3, []),
    ]
    batch = result.batch(1)
    assert batch.use.wall >= 3 * 0.01  # one at a time: three rounds of the latency at least
    assert batch.throughput == pytest.approx(3 / batch.use.wall)
    with pytest.raises(KeyError, match="no batch at level 2"):
        result.batch(2)


def test_the_tuned_batch_goes_last_inside_fewer_collections_and_only_it(
    server: LocalAniList, monkeypatch: pytest.MonkeyPatch
) -> None:
    thresholds = []  # the young threshold as each request went out
    fetch = AsyncAniListClient.fetch_media

    async def noting(self: AsyncAniListClient, anime_id: int) -> object:
        thresholds.append(gc.get_threshold()[0])
        return await fetch(self, anime_id)

    monkeypatch.setattr(AsyncAniListClient, "fetch_media", noting)
    before = gc.get_threshold()
    result = sweep(server.url, "asyncio", {2: 4}, connections=3, tuned_requests=6)
    assert gc.get_threshold() == before
    assert result.tuned is not None and result.batches[-1].level == 2
    tuned = result.tuned
    assert (tuned.level, tuned.requests, tuned.answered, tuned.errors) == (3, 6, 6, [])
    assert thresholds == [before[0]] * (3 + 4) + [YOUNG_THRESHOLD] * 6  # warm-up, batch, tuned
    for batch in (*result.batches, tuned):
        assert batch.collector.count >= 0 and batch.collector.seconds >= 0
    assert sweep(server.url, "asyncio", {1: 1}, connections=1).tuned is None


def test_each_batch_counts_the_collections_made_while_it_ran(server: LocalAniList) -> None:
    gc.collect()
    before = gc.get_threshold()
    gc.set_threshold(1, *before[1:])  # a collection at nearly every allocation
    try:
        result = sweep(server.url, "asyncio", {2: 4}, connections=2, tuned_requests=2)
    finally:
        gc.set_threshold(*before)
    assert result.batch(2).collector.count >= 10
    assert (
        result.tuned is not None and result.tuned.collector.count < result.batch(2).collector.count
    )


def _busy_elsewhere(stop: threading.Event) -> None:
    """Python code running in another thread of this process while the profile is taken."""
    while not stop.is_set():
        sum(range(1000))


def test_the_profiled_batch_sees_the_client_and_nothing_of_other_threads(
    server: LocalAniList,
) -> None:
    # Since 3.12 cProfile sees every thread: profiled here, this thread's and the server's calls
    # would be mixed in, each timed on another thread's clock, some own times below zero.
    stop = threading.Event()
    busy = threading.Thread(target=_busy_elsewhere, args=(stop,))
    busy.start()
    try:
        result = sweep(server.url, "asyncio", {2: 2}, connections=2, profile_requests=20)
    finally:
        stop.set()
        busy.join(10)
    assert result.profile is not None and result.profiled_requests == 20
    assert result.profile_errors == []
    stats = result.profile.stats  # type: ignore[attr-defined]
    names = {function for _file, _line, function in stats}
    assert "fetch_media" in names
    assert "_busy_elsewhere" not in names and "_answer" not in names
    assert min(own for _calls, _primitive, own, *_rest in stats.values()) >= 0


def test_the_profiled_batch_counts_its_failed_requests() -> None:
    with LocalAniList(latency=0.0, failure_rate=1.0) as failing:
        result = sweep(failing.url, "asyncio", {1: 1}, connections=2, profile_requests=4)
    assert result.profile is not None and result.profile_errors == ["ApiError"] * 4


def test_failed_requests_are_counted_not_raised() -> None:
    with LocalAniList(latency=0.0, failure_rate=1.0) as failing:
        result = sweep(failing.url, "asyncio", {3: 6}, connections=3)
    batch = result.batch(3)
    assert batch.answered == 0 and batch.errors == ["ApiError"] * 6


@pytest.mark.parametrize(
    ("batches", "connections", "options", "message"),
    [
        ({}, 10, {}, "no batches"),
        ({20: 40}, 10, {}, "between 1 and connections=10"),
        ({0: 5}, 10, {}, "between 1 and connections"),
        ({5: 0}, 10, {}, "requests must be at least 1"),
        ({5: 5}, 10, {"profile_requests": -1}, "profile_requests must be >= 0"),
        ({5: 5}, 10, {"tuned_requests": -1}, "tuned_requests must be >= 0"),
        ({5: 5}, 10, {"loop": "trio"}, "loop must be one of"),
    ],
)
def test_bad_arguments_are_refused_before_anything_runs(
    batches: dict[int, int], connections: int, options: dict, message: str
) -> None:
    loop = options.pop("loop", "asyncio")
    with pytest.raises(ValueError, match=message):
        sweep("http://127.0.0.1:9/", loop, batches, connections=connections, **options)


def test_a_url_that_is_not_http_is_refused() -> None:
    with pytest.raises(ValueError, match="http://"):
        sweep("127.0.0.1:9", "asyncio", {1: 1}, connections=1)


def test_inside_a_running_loop_it_says_to_use_a_thread() -> None:
    async def main() -> None:
        sweep("http://127.0.0.1:9/", "asyncio", {1: 1}, connections=1)

    with pytest.raises(RuntimeError, match="thread of its own"):
        asyncio.run(main())


def test_without_uvloop_only_asyncio_runs_and_uvloop_is_skipped_with_the_reason(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(event_loops, "has_uvloop", lambda: False)
    runnable, skipped = loops_here()
    assert runnable == ["asyncio"]
    assert list(skipped) == ["uvloop"] and "no Windows build" in skipped["uvloop"]
    with pytest.raises(ModuleNotFoundError, match="uvloop"):
        sweep("http://127.0.0.1:9/", "uvloop", {1: 1}, connections=1)


@pytest.mark.skipif(not event_loops.has_uvloop(), reason="uvloop is not installed here")
def test_with_uvloop_both_loops_run() -> None:
    assert loops_here() == (["asyncio", "uvloop"], {})
    assert loops_here(["uvloop"]) == (["uvloop"], {})


def test_an_unknown_loop_name_is_refused() -> None:
    with pytest.raises(ValueError, match="unknown loops"):
        loops_here(["asyncio", "trio"])
