"""lib.demos.hung_child: a hung program started, looked into, and always stopped."""

from __future__ import annotations

import os
import signal
import sys

import psutil
import pytest

from lib.demos.hung_child import HOUSEKEEPING, HungChild, columns, run_tool, trim

FAULTHANDLER_DUMP = """\
Thread 0x00007f1 [transfer-2] (most recent call first):
  File "/usr/lib/python3.14/threading.py", line 1012 in run
  File "/book/lib/demos/hung_programs.py", line 74 in transfer
  File "/usr/lib/python3.14/threading.py", line 1075 in _bootstrap_inner

Thread 0x00007f2 (most recent call first):
  File "/book/lib/demos/hung_programs.py", line 239 in _watch_stdin
  File "/usr/lib/python3.14/threading.py", line 1012 in run

Current thread 0x00007f3 (most recent call first):
  File "/usr/lib/python3.14/threading.py", line 1150 in join
  File "/book/lib/demos/hung_programs.py", line 130 in _wait
"""

PS_TABLE = """\
tid      task id    task name    coroutine stack    awaiter chain    awaiter name    awaiter id
------------------------------------------------------------------------------------------------
1        0x1        orders       take_order         charge_card      payments        0x2
1        0x2        payments     charge_card        take_order       orders          0x1
"""


def reaped(pid: int) -> bool:
    """Whether ``pid`` is no longer a child of this process (it ended and was waited for)."""
    return pid not in {child.pid for child in psutil.Process().children()}


def test_a_hung_program_runs_until_its_block_ends() -> None:
    with HungChild("deadlock") as child:
        pid = child.pid
        assert child.wait(timeout=0.3) is None  # still running: it is stuck
        assert child.ready_at > 0
    assert child.returncode == 0  # its input closed: it exited by itself
    assert reaped(pid)
    with pytest.raises(RuntimeError, match="not running"):
        _ = child.pid


def test_a_program_that_ends_before_it_is_ready_is_reported_and_reaped() -> None:
    child = HungChild("no_such_program", timeout=10)
    with pytest.raises(RuntimeError, match="invalid choice"):
        child.__enter__()
    assert child.returncode == 2  # argparse's status


def test_the_watchdogs_dump_arrives_and_the_program_exits() -> None:
    with HungChild("deadlock", "--watchdog", "0.3") as child:
        arrived = child.wait_for_dump(timeout=10)
        status = child.wait(timeout=10)
    assert arrived is not None and arrived >= child.ready_at
    assert status == 1
    assert child.stderr.count("in transfer") == 2


@pytest.mark.skipif(not hasattr(signal, "SIGUSR1"), reason="no SIGUSR1 here")
def test_sigusr1_dumps_the_stacks_and_the_program_goes_on() -> None:
    with HungChild("payroll") as child:
        os.kill(child.pid, signal.SIGUSR1)
        assert child.wait_for_dump(timeout=10) is not None
        assert child.wait(timeout=0.2) is None
    assert "in pay" in child.stderr and "in audit" in child.stderr


def test_no_dump_means_none_after_the_timeout() -> None:
    with HungChild("deadlock") as child:
        assert child.wait_for_dump(timeout=0.2) is None


def test_run_tool_reports_what_it_printed_and_never_raises() -> None:
    done = run_tool([sys.executable, "-c", "print('hello')"])
    assert done.ok and done.text == "hello" and done.seconds > 0
    failed = run_tool([sys.executable, "-c", "raise SystemExit(4)"])
    assert not failed.ok and failed.text == "exit status 4"
    missing = run_tool(["no-such-tool-here"])
    assert not missing.ok and "not installed" in missing.text
    slow = run_tool([sys.executable, "-c", "import time; time.sleep(10)"], timeout=0.3)
    assert not slow.ok and "took more than 0.3 s" in slow.text


def test_trim_keeps_the_programs_frames_and_drops_housekeeping() -> None:
    assert trim(FAULTHANDLER_DUMP) == (
        "Thread <TID> (most recent call first):\n"
        "    ...\n"
        '  File "hung_programs.py", line 74 in transfer\n'
        "    ...\n"
        "Current thread <TID> (most recent call first):\n"
        "    ...\n"
        '  File "hung_programs.py", line 130 in _wait'
    )
    assert "_watch_stdin" in HOUSEKEEPING
    assert trim(FAULTHANDLER_DUMP, threads_in="transfer").count("Thread") == 1


def test_trim_reads_py_spys_format() -> None:
    dump = (
        'Thread 4242 (idle): "transfer-1"\n'
        "    _bootstrap (threading.py:1030)\n"
        "    transfer (hung_programs.py:74)\n"
    )
    assert trim(dump).splitlines() == [
        'Thread <TID> (idle): "transfer-1"',
        "    ...",
        "    transfer (hung_programs.py:74)",
    ]


def test_columns_keeps_the_named_columns_in_order() -> None:
    assert columns(PS_TABLE, ["task name", "awaiter name"]).splitlines() == [
        "task name  awaiter name",
        "orders     payments",
        "payments   orders",
    ]
    with pytest.raises(ValueError, match="no column"):
        columns(PS_TABLE, ["owner"])
