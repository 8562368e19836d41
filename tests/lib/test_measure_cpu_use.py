"""lib.measure.cpu_use: wall time and CPU time around a block, here and in another process."""

from __future__ import annotations

import os
import subprocess
import sys
import time

import pytest

from lib.measure.cpu_use import CpuMeter, CpuUse, ceiling, combined, thread_waiting

SPIN = "import time\nend = time.process_time() + 0.3\nwhile time.process_time() < end:\n    pass\n"


def spin(seconds: float) -> None:
    end = time.process_time() + seconds
    while time.process_time() < end:
        pass


def test_own_cpu_time_counts_work_and_not_sleep() -> None:
    with CpuMeter() as meter:
        spin(0.2)
        time.sleep(0.2)
    use = meter.use
    assert 0.19 < use.own < 0.35
    assert use.wall >= 0.4
    assert use.others == 0
    assert use.cores >= 1
    assert 0 < use.machine_share() <= 1.05


def test_another_process_cpu_time_is_counted() -> None:
    # The child spins once told to, says so, and ends when its input closes: alive throughout.
    script = f"import sys\nsys.stdin.readline()\n{SPIN}print('spun', flush=True)\nsys.stdin.read()"
    command = [sys.executable, "-c", script]
    with subprocess.Popen(
        command, stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True
    ) as child:
        assert child.stdin is not None and child.stdout is not None
        try:
            with CpuMeter(child.pid) as meter:
                child.stdin.write("go\n")
                child.stdin.flush()
                assert child.stdout.readline() == "spun\n"
        finally:
            child.stdin.close()
            child.wait(30)
    assert meter.use.others == pytest.approx(0.3, abs=0.1)
    assert meter.use.own < 0.2


@pytest.mark.skipif(sys.platform != "linux", reason="scheduler statistics are Linux's")
def test_waiting_for_a_core_is_measured_on_linux() -> None:
    before = thread_waiting()
    assert before is not None and before >= 0
    with CpuMeter() as meter:
        spin(0.05)
    assert meter.use.waiting is not None and 0 <= meter.use.waiting <= meter.use.wall
    after = thread_waiting()
    assert after is not None and after >= before


def test_combined_waiting_is_unknown_if_one_block_lacks_it() -> None:
    a = CpuUse(1.0, 0.5, 0.0, 1.0, 2, waiting=0.25)
    assert combined([a, a]).waiting == 0.5
    assert combined([a, CpuUse(1.0, 0.5, 0.0, 1.0, 2)]).waiting is None


def test_share_and_combined() -> None:
    a = CpuUse(wall=1.0, own=0.5, others=0.25, machine=1.0, cores=2)
    b = CpuUse(wall=3.0, own=1.5, others=0.75, machine=3.0, cores=2)
    both = combined([a, b])
    assert both == CpuUse(4.0, 2.0, 1.0, 4.0, 2)
    assert both.share(both.own) == 0.5
    assert both.machine_share() == 0.5


def test_bad_uses() -> None:
    with pytest.raises(RuntimeError, match="nothing measured"):
        CpuMeter().use  # noqa: B018
    with pytest.raises(ValueError, match="positive int"):
        CpuMeter(0)
    with pytest.raises(ValueError, match="nothing to combine"):
        combined([])
    with pytest.raises(ValueError, match="different core counts"):
        combined([CpuUse(1, 1, 0, 1, 2), CpuUse(1, 1, 0, 1, 4)])
    with pytest.raises(ValueError, match="no wall time"):
        CpuUse(0.0, 0.0, 0.0, 0.0, 2).share(1.0)


def test_the_meter_can_measure_again() -> None:
    meter = CpuMeter(os.getpid())
    with meter:
        spin(0.05)
    first = meter.use
    with meter:
        pass
    assert meter.use.wall < first.wall


def use_of(own: float, others: float, cores: int = 2) -> CpuUse:
    return CpuUse(wall=1.0, own=own, others=others, machine=own + others, cores=cores)


def test_the_ceiling_is_the_busier_side_when_the_cores_suffice() -> None:
    limit = ceiling(use_of(own=1.4, others=0.8), 10_000)  # 140 µs and 80 µs per request
    assert limit.limit == "the client's core"
    assert limit.per_second == pytest.approx(10_000 / 1.4)
    assert list(limit.bounds) == ["the client's core", "the server's core", "all 2 cores"]
    assert limit.bounds["all 2 cores"] == pytest.approx(2 * 10_000 / 2.2)
    assert ceiling(use_of(own=0.5, others=0.9), 10_000).limit == "the server's core"


def test_on_one_core_client_and_server_take_turns() -> None:
    limit = ceiling(use_of(own=1.4, others=0.8, cores=1), 10_000)
    assert limit.limit == "all 1 cores"
    assert limit.per_second == pytest.approx(10_000 / 2.2)


def test_without_a_server_the_client_alone_sets_the_ceiling() -> None:
    limit = ceiling(use_of(own=1.0, others=0.0), 5_000)
    assert limit == ceiling(use_of(own=1.0, others=0.0), 5_000)
    assert list(limit.bounds) == ["the client's core"] and limit.per_second == 5_000


@pytest.mark.parametrize(
    ("use", "requests", "message"),
    [(use_of(1.0, 1.0), 0, "requests must be at least 1"), (use_of(0.0, 1.0), 10, "no CPU")],
)
def test_the_ceiling_refuses_what_it_cannot_compute(
    use: CpuUse, requests: int, message: str
) -> None:
    with pytest.raises(ValueError, match=message):
        ceiling(use, requests)
