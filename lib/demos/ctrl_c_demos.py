"""Small programs that chapter 11 runs as child processes, to interrupt them with Ctrl-C.

Run one with ``python -m lib.demos.ctrl_c_demos NAME``. Each prints ``working`` once its work has
started (the moment :func:`lib.demos.interrupt_child.run_child` sends SIGINT), then one line about
how it ended. The names:

- ``thread_pool``: a ``with ThreadPoolExecutor`` block, interrupted: it finishes every task
  first; ``thread_pool_fixed``: cancels the waiting tasks and stops the running ones.
- ``process_pool``: the same with a ``ProcessPoolExecutor``, whose workers get Ctrl-C too;
  ``process_pool_fixed``: workers that ignore SIGINT, a shared event that stops the running
  tasks, and the waiting tasks cancelled.
- ``asyncio_run``: ``asyncio.run`` turns Ctrl-C into cancelling the main task.
- ``daemon``: a daemon thread killed half-way through an item at exit; ``daemon_fixed``: the
  worker asked to stop, and joined.
"""

from __future__ import annotations

import asyncio
import multiprocessing
import signal
import sys
import threading
import time
from collections.abc import Callable
from concurrent.futures import Future, ProcessPoolExecutor, ThreadPoolExecutor, as_completed
from typing import Any

__all__ = ["DEMOS", "TASKS", "TASK_SECONDS", "main"]

TASKS = 4  # tasks each pool demo submits, on 2 workers
TASK_SECONDS = 1.0  # how long each task takes, unless stopped
_started: Any = None  # in a pool's worker process: where a task says it has started
_stop: Any = None  # in a pool's worker process: the event that asks its task to stop


def say(line: str) -> None:
    print(line, flush=True)


def sleepy_task(number: int) -> int:
    if _started is not None:
        _started.put(number)
    if _stop is not None and _stop.wait(TASK_SECONDS):
        raise InterruptedError(f"task {number} stopped early")
    if _stop is None:
        time.sleep(TASK_SECONDS)
    return number


def _worker_setup(started: Any, stop: Any = None) -> None:
    global _started, _stop
    _started, _stop = started, stop
    if stop is not None:
        signal.signal(signal.SIGINT, signal.SIG_IGN)  # Ctrl-C is the main process's to handle


def thread_pool() -> None:
    finished = 0
    try:
        with ThreadPoolExecutor(max_workers=2) as pool:
            futures = [pool.submit(sleepy_task, n) for n in range(TASKS)]
            say("working")
            for future in as_completed(futures):
                future.result()
                finished += 1
    except KeyboardInterrupt:
        ran = sum(future.done() and not future.cancelled() for future in futures)
        say(f"KeyboardInterrupt reached main once {ran} of {TASKS} tasks had run")
        raise


def thread_pool_fixed() -> None:
    stop = threading.Event()

    def stoppable_task(number: int) -> str:
        return "stopped early" if stop.wait(TASK_SECONDS) else "finished"

    pool = ThreadPoolExecutor(max_workers=2)
    futures = [pool.submit(stoppable_task, n) for n in range(TASKS)]
    try:
        say("working")
        for future in as_completed(futures):
            future.result()
    except KeyboardInterrupt:
        pool.shutdown(wait=False, cancel_futures=True)  # the waiting tasks never start
        stop.set()  # the running ones notice, and return at once
        pool.shutdown(wait=True)
        say(f"KeyboardInterrupt: {_outcomes(futures)}")
        raise
    finally:
        pool.shutdown(wait=True)


def _outcomes(futures: list[Future[str]]) -> str:
    cancelled = sum(future.cancelled() for future in futures)
    results = [future.result() for future in futures if not future.cancelled()]
    counts = {outcome: results.count(outcome) for outcome in sorted(set(results))}
    parts = [f"{count} {outcome}" for outcome, count in counts.items()]
    return ", ".join([*parts, f"{cancelled} cancelled"])


def process_pool() -> None:
    started = multiprocessing.get_context().Queue()
    try:
        with ProcessPoolExecutor(2, initializer=_worker_setup, initargs=(started,)) as pool:
            futures = [pool.submit(sleepy_task, n) for n in range(TASKS)]
            _wait_until_started(started)
            say("working")
            for future in as_completed(futures):
                future.result()
    except KeyboardInterrupt:
        say(f"KeyboardInterrupt reached main: {_results(futures)}")
        raise


def process_pool_fixed() -> None:
    context = multiprocessing.get_context()
    started, stop = context.Queue(), context.Event()
    pool = ProcessPoolExecutor(2, initializer=_worker_setup, initargs=(started, stop))
    futures = [pool.submit(sleepy_task, n) for n in range(TASKS)]
    try:
        _wait_until_started(started)
        say("working")
        for future in as_completed(futures):
            future.result()
    except KeyboardInterrupt:
        stop.set()  # an event all the processes share: the running tasks stop
        pool.shutdown(wait=True, cancel_futures=True)  # and the waiting ones never start
        finished = sum(not f.cancelled() and f.exception() is None for f in futures)
        say(
            f"KeyboardInterrupt reached main: {finished} finished, "
            f"{TASKS - finished} stopped early or cancelled"
        )
        raise
    finally:
        pool.shutdown(wait=True)


def _wait_until_started(started: Any) -> None:
    """Until both workers are inside a task."""
    for _ in range(2):
        started.get(timeout=30)


def _results(futures: list[Future[int]]) -> str:
    cancelled = sum(future.cancelled() for future in futures)
    done = [future for future in futures if future.done() and not future.cancelled()]
    errors = [type(future.exception()).__name__ for future in done if future.exception()]
    raised = ", ".join(f"{errors.count(name)} raised {name}" for name in sorted(set(errors)))
    return ", ".join(
        part
        for part in (f"{len(done) - len(errors)} finished", raised, f"{cancelled} cancelled")
        if part
    )


def asyncio_run() -> None:
    cleaned = 0

    async def request(number: int) -> None:
        nonlocal cleaned
        try:
            await asyncio.sleep(TASK_SECONDS)
        finally:
            cleaned += 1  # runs on cancellation too

    async def main() -> None:
        try:
            async with asyncio.TaskGroup() as group:
                for number in range(TASKS):
                    group.create_task(request(number))
                await asyncio.sleep(0)
                say("working")
        except asyncio.CancelledError:
            say(f"main task cancelled; {cleaned} of {TASKS} tasks ran their finally")
            raise

    asyncio.run(main())


def _saving_worker(stop: threading.Event, second_started: threading.Event) -> None:
    for item in (1, 2, 3):
        if stop.is_set():
            say("worker: asked to stop")
            return
        say(f"item {item}: writing")
        if item == 2:
            second_started.set()
        time.sleep(0.2)  # the slow part of saving one item
        say(f"item {item}: saved")


def daemon() -> None:
    stop, second_started = threading.Event(), threading.Event()
    worker = threading.Thread(target=_saving_worker, args=(stop, second_started), daemon=True)
    say("working")
    worker.start()
    second_started.wait(10)
    say("main: done, exiting")


def daemon_fixed() -> None:
    stop, second_started = threading.Event(), threading.Event()
    worker = threading.Thread(target=_saving_worker, args=(stop, second_started))
    say("working")
    worker.start()
    second_started.wait(10)
    stop.set()  # ask the worker to stop after the item in hand
    worker.join(timeout=5)
    say(f"main: worker stopped: {not worker.is_alive()}, exiting")


DEMOS: dict[str, Callable[[], None]] = {
    "thread_pool": thread_pool,
    "thread_pool_fixed": thread_pool_fixed,
    "process_pool": process_pool,
    "process_pool_fixed": process_pool_fixed,
    "asyncio_run": asyncio_run,
    "daemon": daemon,
    "daemon_fixed": daemon_fixed,
}


def main(argv: list[str]) -> None:
    """Run the demo named ``argv[0]``.

    Raises:
        SystemExit: with a usage message, for a missing or unknown name.
    """
    if len(argv) != 1 or argv[0] not in DEMOS:
        raise SystemExit(f"usage: python -m lib.demos.ctrl_c_demos {{{','.join(DEMOS)}}}")
    DEMOS[argv[0]]()


if __name__ == "__main__":
    # A program started by a shell as a background job (`&`, without job control) inherits
    # Ctrl-C ignored. These demos are about a program in a terminal, which gets it.
    signal.signal(signal.SIGINT, signal.default_int_handler)
    main(sys.argv[1:])
