"""lib.plumbing.stacks: every thread's stack, read from inside the process."""

from __future__ import annotations

import threading
from collections.abc import Iterator

import pytest

from lib.plumbing.stacks import format_all_stacks, thread_stacks


def parked(release: threading.Event) -> None:
    release.wait(10)  # the line the stacks must show


@pytest.fixture
def waiting_thread() -> Iterator[threading.Thread]:
    """A thread named ``stacks-test``, waiting in :func:`parked` until the test ends."""
    release, started = threading.Event(), threading.Event()

    def run() -> None:
        started.set()
        parked(release)

    thread = threading.Thread(target=run, name="stacks-test")
    thread.start()
    started.wait(5)
    yield thread
    release.set()
    thread.join(5)
    assert not thread.is_alive()


def test_each_thread_has_its_stack_innermost_call_last(waiting_thread: threading.Thread) -> None:
    stacks = thread_stacks()
    names = [frame.name for frame in stacks["stacks-test"]]
    assert names[-2:] == ["parked", "wait"] or names[-3:-1] == ["parked", "wait"]
    assert "run" in names
    mine = stacks[threading.current_thread().name]
    assert mine[-1].name == "test_each_thread_has_its_stack_innermost_call_last"


def test_skip_leaves_out_the_callers_own_frames() -> None:
    def helper() -> list[str]:
        return [frame.name for frame in thread_stacks(skip=1)[threading.current_thread().name]]

    assert helper()[-1] == "test_skip_leaves_out_the_callers_own_frames"


def test_format_names_the_thread_its_frames_and_their_lines(
    waiting_thread: threading.Thread,
) -> None:
    text = format_all_stacks(last=20, only="stacks-test")
    lines = text.splitlines()
    assert lines[0] == "Thread 'stacks-test':"
    assert "  test_plumbing_stacks.py:" in text and " in parked" in text
    assert "      release.wait(10)  # the line the stacks must show" in lines
    assert threading.current_thread().name not in text


def test_last_limits_the_frames_shown(waiting_thread: threading.Thread) -> None:
    text = format_all_stacks(last=1, only="stacks-test")
    assert len(text.splitlines()) == 3  # the thread, one frame, its line
    assert format_all_stacks(only="no such thread") == ""
