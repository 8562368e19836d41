"""lib.demos.interrupt_child and lib.demos.ctrl_c_demos: Ctrl-C pressed on real child programs."""

from __future__ import annotations

import sys

import pytest

from lib.demos.ctrl_c_demos import DEMOS, main
from lib.demos.interrupt_child import ChildRun, run_child

pytestmark = pytest.mark.skipif(sys.platform == "win32", reason="SIGINT to a process group")


def test_a_fixed_thread_pool_stops_at_once_on_ctrl_c() -> None:
    run = run_child("thread_pool_fixed")
    assert run.lines == ["KeyboardInterrupt: 2 stopped early, 2 cancelled"]
    assert run.returncode == -2 and not run.killed
    report = run.report(within=5)
    assert "exit code -2 (ended by SIGINT)" in report and "(within 5 s: yes)" in report


def test_asyncio_run_cancels_the_main_task() -> None:
    run = run_child("asyncio_run")
    assert run.lines == ["main task cancelled; 4 of 4 tasks ran their finally"]
    assert run.returncode == -2


def test_a_daemon_thread_is_killed_mid_item() -> None:
    run = run_child("daemon", interrupt=False)
    assert run.lines[-2:] == ["item 2: writing", "main: done, exiting"]
    assert run.returncode == 0
    assert "ended" not in run.report()


def test_bad_arguments_are_refused() -> None:
    with pytest.raises(ValueError):
        run_child("daemon", time_limit=0)
    with pytest.raises(SystemExit, match="usage"):
        main(["nonsense"])
    assert "thread_pool" in DEMOS


def test_the_report_says_when_windows_sent_no_ctrl_c() -> None:
    run = ChildRun("thread_pool", lines=["done"], returncode=0, signal_skipped=True)
    assert "no Ctrl-C sent" in run.report()
    assert "no Ctrl-C sent" not in ChildRun("thread_pool", returncode=0).report()
