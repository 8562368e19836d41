"""Chapter 12's checkers: what tests/exercises/mistakes/ch12_correct_asyncio.md cannot say.

The common mistakes and their hints are data, in that file (see tests/plugins/mistakes.py):
tasks not kept, a local set, a WeakSet, failures not reported, first-done taken though it
failed, nothing cancelled, a new loop in the thread, no timeout, run_in_executor, a `yield`
inside a timeout, and others; the right answers and the starters are the chapter's own cells
(tests/plugins/answers.py). Here: other right answers, the time a hang costs, and that a
check leaves no thread or child process behind.
"""

from __future__ import annotations

import asyncio
import contextlib
import contextvars
import threading
import time
from typing import Any, ClassVar

import psutil
import pytest

from lib.exercises.ch12_correct_asyncio import (
    check_call_from_thread,
    check_child_lines,
    check_first_answer,
    check_run_in_background,
    check_serve,
)
from lib.exercises.ch12_correct_asyncio.child_lines import CHATTY, SILENT
from tests.plugins.answers import starter

CHECKS = {
    "12.1": check_run_in_background,
    "12.2": check_first_answer,
    "12.3": check_call_from_thread,
    "12.4": check_serve,
    "12.5": check_child_lines,
}


@pytest.mark.parametrize("number", list(CHECKS))
def test_the_starters_are_not_attempted(number: str) -> None:
    assert CHECKS[number](starter(number)).not_attempted
    assert CHECKS[number](...).not_attempted


# --- Exercise 12.1 ---------------------------------------------------------------------------


class Background:
    """Another right answer: a class whose set outlives every call."""

    tasks: ClassVar[set[asyncio.Task[Any]]] = set()

    @classmethod
    def start(cls, coros: list[Any], report: Any) -> None:
        for coro in coros:
            task = asyncio.get_running_loop().create_task(coro)
            cls.tasks.add(task)
            task.add_done_callback(cls.tasks.discard)
            task.add_done_callback(lambda done: report(done.exception() or done.result()))


def test_run_in_background_right_as_a_class() -> None:
    feedback = check_run_in_background(Background.start)
    assert feedback.passed, feedback
    assert str(feedback).splitlines()[-1] == "All 4 checks passed."
    assert not Background.tasks


# --- Exercise 12.2 ---------------------------------------------------------------------------


async def first_answer_with_wait_timeout(fetchers: list[Any], timeout: float) -> Any:
    """Another right answer: the deadline through asyncio.wait's own timeout."""
    tasks = {asyncio.create_task(fetch()) for fetch in fetchers}
    deadline = asyncio.get_running_loop().time() + timeout
    try:
        while tasks:
            left = deadline - asyncio.get_running_loop().time()
            if left <= 0:
                return None
            done, tasks = await asyncio.wait(
                tasks, timeout=left, return_when=asyncio.FIRST_COMPLETED
            )
            for task in done:
                if task.exception() is None:
                    return task.result()
        return None
    finally:
        for task in tasks:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)


def test_first_answer_right_with_wait_timeout() -> None:
    feedback = check_first_answer(first_answer_with_wait_timeout)
    assert feedback.passed, feedback
    assert str(feedback).splitlines()[-1] == "All 5 checks passed."


def test_first_answer_that_never_gives_up_is_a_short_hang() -> None:
    async def no_deadline(fetchers: list[Any], timeout: float) -> Any:
        tasks = {asyncio.create_task(fetch()) for fetch in fetchers}
        while tasks:
            done, tasks = await asyncio.wait(tasks, return_when=asyncio.FIRST_COMPLETED)
            for task in done:
                if task.exception() is None:
                    for other in tasks:
                        other.cancel()
                    await asyncio.gather(*tasks, return_exceptions=True)
                    return task.result()
        return None

    start = time.perf_counter()
    feedback = check_first_answer(no_deadline, time_limit=0.5)
    assert time.perf_counter() - start < 5
    assert feedback.failed_cases[-1][0].startswith("timeout=0.1")
    assert "must give up by then" in feedback.hints[-1]


# --- Exercise 12.3 ---------------------------------------------------------------------------


def call_with_wrap(
    loop: asyncio.AbstractEventLoop, coro_fn: Any, *args: Any, timeout: float
) -> Any:
    """Another right answer: the timeout inside the coroutine, with asyncio.wait_for."""
    future = asyncio.run_coroutine_threadsafe(asyncio.wait_for(coro_fn(*args), timeout), loop)
    return future.result(timeout + 1.0)


def test_call_from_thread_right_with_wait_for_and_no_thread_left() -> None:
    before = set(threading.enumerate())
    feedback = check_call_from_thread(call_with_wrap)
    assert feedback.passed, feedback
    assert str(feedback).splitlines()[-1] == "All 4 checks passed."
    time.sleep(0.05)
    left = [t.name for t in set(threading.enumerate()) - before if t.is_alive()]
    assert not left, left


def test_call_from_thread_that_waits_for_ever_costs_its_time_limit_only() -> None:
    def waits(loop: asyncio.AbstractEventLoop, coro_fn: Any, *args: Any, timeout: float) -> Any:
        return asyncio.run_coroutine_threadsafe(coro_fn(*args), loop).result()

    start = time.perf_counter()
    feedback = check_call_from_thread(waits, time_limit=0.5)
    assert time.perf_counter() - start < 4
    assert len(feedback.failed_cases) == 1, "the check stops at the hang"
    time.sleep(0.2)  # the hung call's thread ends once the check released the coroutine
    assert not any(t.name == "check-loop" for t in threading.enumerate())


# --- Exercise 12.4 ---------------------------------------------------------------------------


async def serve_with_task_group(
    ids: list[Any], current_id: contextvars.ContextVar[Any], handle: Any, audit: Any
) -> dict[Any, Any]:
    """Another right answer: a TaskGroup, and the context copied by hand for the executor."""

    async def one(request_id: Any) -> Any:
        current_id.set(request_id)
        await handle()
        context = contextvars.copy_context()
        return await asyncio.get_running_loop().run_in_executor(None, context.run, audit)

    async with asyncio.TaskGroup() as group:
        tasks = {request_id: group.create_task(one(request_id)) for request_id in ids}
    return {request_id: task.result() for request_id, task in tasks.items()}


def test_serve_right_with_a_task_group_and_copy_context() -> None:
    feedback = check_serve(serve_with_task_group)
    assert feedback.passed, feedback
    assert str(feedback).splitlines()[-1] == "All 4 checks passed."


# --- Exercise 12.5 ---------------------------------------------------------------------------


async def child_lines_by_readline(args: list[str], timeout: float) -> Any:
    """Another right answer: wait_for() on each readline(), and terminate() before kill()."""
    process = await asyncio.create_subprocess_exec(*args, stdout=asyncio.subprocess.PIPE)
    assert process.stdout is not None
    try:
        while raw := await asyncio.wait_for(process.stdout.readline(), timeout):
            yield raw.decode().removesuffix("\n")
    finally:
        if process.returncode is None:
            process.terminate()
        await process.wait()


def checks_children() -> list[psutil.Process]:
    """The children of this process that run the check's child code: only those the check's
    answers started. (Under xdist, nbval's Jupyter kernels are children of this worker too.)"""
    found = []
    for child in psutil.Process().children(recursive=True):
        with contextlib.suppress(psutil.Error):
            if {CHATTY, SILENT} & set(child.cmdline()):
                found.append(child)
    return found


def test_child_lines_right_by_readline_and_no_child_left() -> None:
    feedback = check_child_lines(child_lines_by_readline)
    assert feedback.passed, feedback
    assert str(feedback).splitlines()[-1] == "All 4 checks passed."
    assert not checks_children()


def test_child_lines_that_never_ends_its_child_leaves_none_behind() -> None:
    async def no_kill(args: list[str], timeout: float) -> Any:
        process = await asyncio.create_subprocess_exec(*args, stdout=asyncio.subprocess.PIPE)
        assert process.stdout is not None
        async for raw in process.stdout:
            yield raw.decode().rstrip("\n")

    start = time.perf_counter()
    feedback = check_child_lines(no_kill, time_limit=1.0)
    assert time.perf_counter() - start < 9  # about 4 s: 1.8 s of them the slow consumer's
    assert not feedback.passed
    assert not checks_children(), "the check kills what the answer left"
