"""The small functions chapters 4, 5 and 9 run in child processes (lib.demos.process_tasks).

Each one is run under ``spawn`` as well: that is the start method that needs them to be
importable, and the chapters rely on them working under every method.
"""

from __future__ import annotations

import multiprocessing
import os
import threading
from concurrent.futures import ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from pathlib import Path

import pytest

from lib.demos import process_tasks
from lib.demos.pipeline import join_all

SPAWN = multiprocessing.get_context("spawn")


def test_visit_counts_in_this_process_only() -> None:
    before = process_tasks.visits
    try:
        assert process_tasks.visit() == (os.getpid(), before + 1)
        assert process_tasks.visit() == (os.getpid(), before + 2)
    finally:
        process_tasks.visits = before


def test_a_spawned_worker_counts_its_own_visits() -> None:
    with ProcessPoolExecutor(max_workers=1, mp_context=SPAWN) as pool:
        answers = [pool.submit(process_tasks.visit).result(timeout=60) for _ in range(3)]
    assert [visits for _, visits in answers] == [1, 2, 3]
    assert len({pid for pid, _ in answers}) == 1
    assert answers[0][0] != os.getpid()


def test_report_visit_answers_through_a_queue() -> None:
    reports = SPAWN.Queue()
    child = SPAWN.Process(target=process_tasks.report_visit, args=(reports,))
    child.start()
    pid, visits = reports.get(timeout=60)
    join_all([child], timeout=60)
    assert (pid, visits) == (child.pid, 1)


def test_describe_child_sees_module_state_not_the_parents_changes_under_spawn(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(process_tasks, "setting", "changed in the parent")
    here = process_tasks.describe_child()
    assert here == {
        "pid": os.getpid(),
        "setting": "changed in the parent",
        "matplotlib loaded": True,
    }
    with ProcessPoolExecutor(max_workers=1, mp_context=SPAWN) as pool:
        there = pool.submit(process_tasks.describe_child).result(timeout=60)
    assert there["setting"] == "as the module defines it"
    assert there["matplotlib loaded"] is False


@pytest.mark.parametrize(
    ("payload", "length"), [(7, 1), (b"", 0), (bytes(1000), 1000), (list(range(5)), 5), ("ab", 2)]
)
def test_receive_returns_the_length(payload: object, length: int) -> None:
    assert process_tasks.receive(payload) == length


def test_double() -> None:
    assert [process_tasks.double(n) for n in (-2, 0, 21)] == [-4, 0, 42]


def test_send_stderr_to_captures_a_workers_standard_error(tmp_path: Path) -> None:
    log = tmp_path / "stderr.txt"
    with ProcessPoolExecutor(
        max_workers=1,
        mp_context=SPAWN,
        initializer=process_tasks.send_stderr_to,
        initargs=(str(log),),
    ) as pool:
        assert pool.submit(os.write, 2, b"to standard error\n").result(timeout=60) == 18
    assert log.read_text() == "to standard error\n"


def test_send_stderr_to_raises_for_an_unwritable_path(tmp_path: Path) -> None:
    with pytest.raises(OSError):
        process_tasks.send_stderr_to(str(tmp_path / "missing-directory" / "log.txt"))


def run_two(target: object, *args: object) -> None:
    processes = [SPAWN.Process(target=target, args=args) for _ in range(2)]
    for process in processes:
        process.start()
    join_all(processes, timeout=60)


def test_in_step_increments_lose_exactly_half_every_time() -> None:
    counter = SPAWN.Value("i", 0)
    run_two(process_tasks.add_one_in_step, counter, 50, SPAWN.Barrier(2))
    assert counter.value == 50


def test_in_step_gives_up_if_the_partner_never_comes() -> None:
    counter = multiprocessing.Value("i", 0)
    with pytest.raises(threading.BrokenBarrierError):
        process_tasks.add_one_in_step(counter, 1, multiprocessing.Barrier(2), timeout=0.1)
    assert counter.value == 0, "nothing is written after a broken barrier"


def test_increments_under_the_lock_all_count() -> None:
    counter = SPAWN.Value("i", 0)
    run_two(process_tasks.add_one_repeatedly, counter, 2000, True, SPAWN.Barrier(2))
    assert counter.value == 4000


def test_increments_in_one_process_all_count_even_without_the_lock() -> None:
    counter = multiprocessing.Value("i", 0)
    process_tasks.add_one_repeatedly(counter, 100, use_lock=False)
    assert counter.value == 100


def test_fill_squares_fills_disjoint_ranges() -> None:
    numbers = SPAWN.Array("q", 8, lock=False)
    fillers = [
        SPAWN.Process(target=process_tasks.fill_squares, args=(numbers, start, stop))
        for start, stop in [(0, 4), (4, 8)]
    ]
    for filler in fillers:
        filler.start()
    join_all(fillers, timeout=60)
    assert list(numbers) == [n * n for n in range(8)]


def test_fill_squares_past_the_end_raises() -> None:
    numbers = multiprocessing.Array("q", 2, lock=False)
    with pytest.raises(IndexError):
        process_tasks.fill_squares(numbers, 0, 3)


def test_exit_once_set_breaks_the_pool_only_when_told() -> None:
    """Every job queued before the event is set fails with the worker; none is refused."""
    with SPAWN.Manager() as manager, ProcessPoolExecutor(1, mp_context=SPAWN) as pool:
        queued = manager.Event()
        killer = pool.submit(process_tasks.exit_once_set, queued, 60.0)
        behind = [pool.submit(process_tasks.double, n) for n in range(3)]
        assert not killer.done(), "the worker waits for the event"
        queued.set()
        for future in [killer, *behind]:
            assert isinstance(future.exception(timeout=60), BrokenProcessPool)
        with pytest.raises(BrokenProcessPool):
            pool.submit(process_tasks.double, 1)


def test_exit_once_set_exits_after_its_timeout_if_never_told() -> None:
    with SPAWN.Manager() as manager, ProcessPoolExecutor(1, mp_context=SPAWN) as pool:
        future = pool.submit(process_tasks.exit_once_set, manager.Event(), 0.1)
        assert isinstance(future.exception(timeout=60), BrokenProcessPool)
