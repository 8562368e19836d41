"""Spans of who ran which task when, from threads, asyncio tasks and processes
(lib.measure.recorder)."""

from __future__ import annotations

import asyncio
import concurrent.futures
import multiprocessing
import threading
import time
from collections import Counter

import pytest

from lib.demos.workloads import factorial_mod
from lib.measure.recorder import Recorder, Span, current_worker, traced


def test_span_records_task_worker_and_times() -> None:
    recorder = Recorder()
    before = time.perf_counter()
    with recorder.span(7):
        time.sleep(0.02)
    after = time.perf_counter()

    [span] = recorder.spans()
    assert span.task == "7"
    assert span.worker == "MainThread"
    assert span.ok is True
    assert before <= span.start < span.end <= after
    assert span.seconds == pytest.approx(span.end - span.start)
    assert span.seconds >= 0.02


def test_explicit_worker_name_wins() -> None:
    recorder = Recorder()
    with recorder.span("t", worker="pool-A"):
        pass
    assert recorder.spans()[0].worker == "pool-A"


def test_spans_from_many_threads_are_all_recorded() -> None:
    recorder = Recorder()
    start_together = threading.Barrier(8)

    def worker() -> None:
        start_together.wait(timeout=5)
        for i in range(50):
            with recorder.span(f"{threading.current_thread().name}:{i}"):
                pass

    threads = [threading.Thread(target=worker, name=f"worker-{n}") for n in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(5)

    spans = recorder.spans()
    assert len(spans) == len(recorder) == 400
    assert Counter(span.worker for span in spans) == {f"worker-{n}": 50 for n in range(8)}
    assert all(span.task.startswith(span.worker + ":") for span in spans)
    assert len({span.task for span in spans}) == 400


def test_spans_from_asyncio_tasks_are_named_after_the_task() -> None:
    recorder = Recorder()

    async def job(n: int) -> None:
        with recorder.span(f"job {n}"):
            await asyncio.sleep(0.05)

    async def main() -> None:
        async with asyncio.TaskGroup() as group:
            for n in range(3):
                group.create_task(job(n), name=f"fetch-{n}")

    asyncio.run(main())

    spans = recorder.spans()
    # All three start before any ends: told by the spans, not by a wall-clock bound.
    assert max(span.start for span in spans) < min(span.end for span in spans), spans
    assert sorted((span.task, span.worker) for span in spans) == [
        ("job 0", "fetch-0"),
        ("job 1", "fetch-1"),
        ("job 2", "fetch-2"),
    ]
    # The span covers the await, so each lasts the whole sleep.
    assert all(span.seconds >= 0.05 for span in spans)


def test_failed_block_is_recorded_not_ok_and_the_error_propagates() -> None:
    recorder = Recorder()
    with pytest.raises(RuntimeError, match="task failed"), recorder.span("bad"):
        raise RuntimeError("task failed")
    with recorder.span("good"):
        pass

    assert [(span.task, span.ok) for span in recorder.spans()] == [("bad", False), ("good", True)]


def test_add_rejects_anything_but_a_span() -> None:
    recorder = Recorder()
    for not_a_span in (("t", "w", 0.0, 1.0), {"task": "t"}, None):
        with pytest.raises(TypeError, match="Span"):
            recorder.add(not_a_span)
    assert len(recorder) == 0


def test_spans_are_sorted_by_start_and_returned_as_a_copy() -> None:
    recorder = Recorder()
    for task, start in (("c", 3.0), ("a", 1.0), ("b", 2.0)):
        recorder.add(Span(task, "w", start, start + 0.5))

    spans = recorder.spans()
    assert [span.task for span in spans] == ["a", "b", "c"]
    spans.clear()
    assert len(recorder.spans()) == 3

    recorder.clear()
    assert recorder.spans() == [] and len(recorder) == 0


def test_span_is_immutable() -> None:
    span = Span("t", "w", 1.0, 2.5)
    assert span.seconds == 1.5
    assert span.ok is True
    with pytest.raises(AttributeError):
        span.end = 3.0  # type: ignore[misc]


def test_current_worker_names_threads_and_tasks() -> None:
    assert current_worker() == "MainThread"

    names: list[str] = []
    thread = threading.Thread(target=lambda: names.append(current_worker()), name="io-thread")
    thread.start()
    thread.join(5)
    assert names == ["io-thread"]

    async def who() -> str:
        return current_worker()

    async def main() -> str:
        return await asyncio.create_task(who(), name="t-1")

    assert asyncio.run(main()) == "t-1"


def test_traced_returns_result_and_span_in_process() -> None:
    before = time.perf_counter()
    result, span = traced(factorial_mod, "task 1", 1, 5, rounds=0)
    assert result == 120
    assert span.task == "task 1"
    assert span.worker == "MainThread"
    assert span.ok is True
    assert before <= span.start <= span.end <= time.perf_counter()


def test_traced_propagates_exceptions() -> None:
    with pytest.raises(ValueError):
        traced(factorial_mod, "bad", 0, 5, 0)


def test_traced_through_a_spawned_process_pool() -> None:
    """The span comes back from the worker process, on a clock shared with the parent."""
    recorder = Recorder()
    context = multiprocessing.get_context("spawn")
    with concurrent.futures.ProcessPoolExecutor(max_workers=2, mp_context=context) as pool:
        submitted = time.perf_counter()
        futures = [
            pool.submit(traced, factorial_mod, f"task {n}", 1, 10 + n, 1000) for n in range(4)
        ]
        outcomes = [future.result(timeout=60) for future in futures]
    finished = time.perf_counter()

    for n, (result, span) in enumerate(outcomes):
        assert result == factorial_mod(1, 10 + n, 1000)
        assert span.task == f"task {n}"
        assert "MainProcess" not in span.worker
        process_name, thread_name = span.worker.split("/")
        assert process_name.startswith("SpawnProcess-")
        assert thread_name == "MainThread"
        assert submitted <= span.start <= span.end <= finished
        recorder.add(span)
    assert len(recorder) == 4
