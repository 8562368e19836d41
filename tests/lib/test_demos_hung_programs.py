"""lib.demos.hung_programs: the programs that hang for real, in-process and as child programs."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Callable

import pytest

from lib.demos.hung_child import HungChild
from lib.demos.hung_programs import (
    GAVE_UP,
    PROGRAMS,
    Account,
    Books,
    _second_acquire,
    _until_stuck,
    audit,
    main,
    pay,
    transfer,
    transfer_ordered,
    transfer_patient,
)


def no_pause() -> None:
    return None


def run_program(*args: str, timeout: float = 20.0) -> subprocess.CompletedProcess[str]:
    """Run ``python -m lib.demos.hung_programs ARGS`` to its end, its input kept open (it
    exits when its input closes); always reaped."""
    reading, writing = os.pipe()
    try:
        return subprocess.run(
            [sys.executable, "-m", "lib.demos.hung_programs", *args],
            stdin=reading,
            capture_output=True,
            text=True,
            timeout=timeout,
            check=False,
        )
    finally:
        os.close(reading)
        os.close(writing)


def test_one_transfer_moves_the_money() -> None:
    a, b = Account(1, 100), Account(2, 100)
    transfer(a, b, 30, no_pause)
    transfer_ordered(b, a, 10, no_pause)
    assert (a.balance, b.balance) == (80, 120)


def test_opposite_transfers_in_one_order_never_deadlock() -> None:
    a, b = Account(1, 1_000), Account(2, 1_000)

    def many(source: Account, target: Account) -> None:
        for _ in range(300):
            transfer_ordered(source, target, 1, no_pause)

    threads = [threading.Thread(target=many, args=p, daemon=True) for p in ((a, b), (b, a))]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(10)
    assert not any(thread.is_alive() for thread in threads)
    assert a.balance + b.balance == 2_000


def test_a_patient_transfer_gives_up_instead_of_deadlocking() -> None:
    a, b = Account(1, 100), Account(2, 100)
    both_hold_one = threading.Barrier(2, timeout=5)
    done: list[bool] = []

    def run(source: Account, target: Account) -> None:
        done.append(transfer_patient(source, target, 10, both_hold_one.wait, 0.2))

    threads = [threading.Thread(target=run, args=p, daemon=True) for p in ((a, b), (b, a))]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(5)
    assert False in done  # at least one gave up; the other may then have gone through
    assert a.balance + b.balance == 200


def test_pay_and_audit_agree_on_the_total() -> None:
    books = Books()
    pay(books, 50, no_pause)
    assert (books.owed, books.paid) == (950, 50)
    assert audit(books, no_pause) == 1_000


def test_an_unknown_name_is_refused() -> None:
    with pytest.raises(SystemExit):
        main(["nonsense"])
    assert sorted(PROGRAMS) == ["deadlock", "deadlock_fixed", "payroll", "tasks"]


def test_the_fixed_program_ends_by_itself() -> None:
    done = run_program("deadlock_fixed", "--watchdog", "10")
    assert done.returncode == 0, done.stderr
    assert done.stdout.splitlines() == ["ready", "done: balances 1000 and 1000, total 2000"]


def test_the_watchdog_dumps_the_deadlock_and_exits() -> None:
    done = run_program("deadlock", "--watchdog", "0.5")
    assert done.returncode == 1
    assert done.stdout == "ready\n"
    assert done.stderr.count("in transfer") == 2, done.stderr


def test_the_time_limit_ends_a_program_that_hangs() -> None:
    done = run_program("payroll", "--limit", "0.5")
    assert done.returncode == GAVE_UP
    assert "gave up after 0.5 s" in done.stderr


def test_closing_its_input_ends_the_tasks_that_await_each_other() -> None:
    process = subprocess.Popen(
        [sys.executable, "-m", "lib.demos.hung_programs", "tasks"],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert process.stdout is not None
        assert process.stdout.readline() == "ready\n"
        with pytest.raises(subprocess.TimeoutExpired):
            process.wait(0.3)  # the two tasks await each other: it never ends by itself
        assert process.stdin is not None
        process.stdin.close()
        assert process.wait(10) == 0
    finally:
        if process.poll() is None:
            process.kill()
        process.wait(10)
        process.stdout.close()  # type: ignore[union-attr]


@pytest.mark.skipif(not hasattr(signal, "SIGUSR1"), reason="no SIGUSR1 on Windows")
@pytest.mark.parametrize(
    ("name", "second_acquires"),
    [("deadlock", [transfer, transfer]), ("payroll", [pay, audit])],
)
def test_a_dump_at_ready_shows_every_thread_on_its_second_acquire(
    name: str, second_acquires: list[Callable[..., object]]
) -> None:
    with HungChild(name) as child:
        os.kill(child.pid, signal.SIGUSR1)  # at once: "ready" has just been read
        assert child.wait_for_dump(marker="in _wait", timeout=10.0) is not None, child.stderr
    for fn in second_acquires:
        line = f'hung_programs.py", line {_second_acquire(fn)} in {fn.__name__}'
        assert line in child.stderr, child.stderr


def take_both(first: threading.Lock, second: threading.Lock, pause: Callable[[], object]) -> None:
    with first:
        pause()
        with second:
            pass


def test_ready_waits_for_a_thread_slow_to_reach_its_second_acquire() -> None:
    held = threading.Lock()
    held.acquire()
    pause = lambda: time.sleep(0.3)  # noqa: E731
    slow = threading.Thread(target=take_both, args=(threading.Lock(), held, pause))
    slow.start()
    try:
        start = time.monotonic()
        _until_stuck([slow], [take_both])
        assert time.monotonic() - start >= 0.3
        frame = sys._current_frames()[slow.ident]  # type: ignore[index]
        assert frame.f_lineno == _second_acquire(take_both) == take_both.__code__.co_firstlineno + 3
    finally:
        held.release()
        slow.join(timeout=5)
    assert not slow.is_alive()
