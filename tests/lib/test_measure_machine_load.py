"""How busy other programs kept the machine (lib.measure.machine_load): ours is not theirs."""

from __future__ import annotations

import time
from concurrent.futures import ProcessPoolExecutor

import pytest

from lib.measure import machine_load
from lib.measure.machine_load import MachineLoad, busy_seconds, own_tree_seconds


def burn(cpu_seconds: float) -> None:
    """Use this much CPU time, however busy the machine is."""
    end = time.process_time() + cpu_seconds
    while time.process_time() < end:
        pass


def test_a_reading_before_the_block_ends_is_refused() -> None:
    load = MachineLoad()
    with pytest.raises(RuntimeError, match="after its `with` block"):
        _ = load.others_share


def test_the_counters_only_grow() -> None:
    busy, own = busy_seconds(), own_tree_seconds()
    burn(0.05)
    assert busy_seconds() >= busy and own_tree_seconds() >= own


def test_a_pool_worker_that_ended_in_the_block_counts_as_ours() -> None:
    """Its CPU time reaches this process when the pool waits for it, so it is not theirs."""
    before = own_tree_seconds()
    with ProcessPoolExecutor(max_workers=1) as pool:
        pool.submit(burn, 0.4).result(timeout=60)
    assert own_tree_seconds() - before >= 0.35


def test_others_share_is_the_machine_less_our_own(monkeypatch: pytest.MonkeyPatch) -> None:
    """On a 2-core machine, 1 s long: 1.5 CPU seconds busy, 0.5 of them ours, is 50% theirs."""
    clocks = iter([(10.0, 100.0, 5.0), (11.0, 101.5, 5.5)])
    readings = {"perf": 0.0, "busy": 0.0, "own": 0.0}

    def advance() -> None:
        readings["perf"], readings["busy"], readings["own"] = next(clocks)

    monkeypatch.setattr(machine_load, "perf_counter", lambda: readings["perf"])
    monkeypatch.setattr(machine_load, "busy_seconds", lambda: readings["busy"])
    monkeypatch.setattr(machine_load, "own_tree_seconds", lambda: readings["own"])
    load = MachineLoad()
    load.cores = 2
    advance()
    with load:
        advance()
    assert load.wall_seconds == pytest.approx(1.0)
    assert load.others_share == pytest.approx(0.5)
    assert load.describe() == "other programs used 50% of the CPU during this measurement"
