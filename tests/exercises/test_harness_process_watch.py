"""lib.exercises._harness.process_watch: the processes an answer started, stopped if left
running, and the start method a check sets for a while."""

from __future__ import annotations

import multiprocessing
import time

from lib.exercises._harness.process_watch import NewProcesses, default_start_method


def test_new_processes_stops_what_is_left() -> None:
    with NewProcesses() as new:
        sleeper = multiprocessing.Process(target=time.sleep, args=(30,))
        sleeper.start()
        assert new.alive() == [sleeper]
        assert new.still_running(0.1) == [sleeper]
    assert not sleeper.is_alive() and sleeper.exitcode is not None
    assert sleeper not in multiprocessing.active_children()


def test_default_start_method_is_put_back() -> None:
    before = multiprocessing.get_start_method(allow_none=True)
    with default_start_method("spawn"):
        assert multiprocessing.get_start_method() == "spawn"
    assert multiprocessing.get_start_method(allow_none=True) == before
