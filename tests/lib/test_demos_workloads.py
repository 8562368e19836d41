"""The CPU-bound workload and the CPU-bound/I/O-bound classifier (lib.demos.workloads)."""

from __future__ import annotations

import math
import multiprocessing
import os
import time

import pytest

from lib.demos.workloads import MODULUS, WorkloadProfile, calibrate_rounds, classify, factorial_mod


def expected(start: int, end: int, rounds: int) -> int:
    """The documented result, computed independently of lib.demos.workloads."""
    value = math.prod(range(start, end + 1)) % 1_000_000_007
    for _ in range(rounds):
        value = (value * 31 + 7) % 1_000_000_007
    return value


# --- factorial_mod ------------------------------------------------------------------------


def test_modulus_is_the_documented_prime() -> None:
    assert MODULUS == 1_000_000_007
    assert all(MODULUS % divisor for divisor in range(2, math.isqrt(MODULUS) + 1))


@pytest.mark.parametrize(
    ("start", "end", "rounds", "value"),
    [
        (1, 1, 0, 1),
        (1, 5, 0, 120),
        (3, 5, 0, 60),
        (1, 5, 1, 120 * 31 + 7),
        (1, 5, 2, (120 * 31 + 7) * 31 + 7),
        (7, 7, 0, 7),
    ],
)
def test_factorial_mod_small_known_values(start, end, rounds, value) -> None:
    assert factorial_mod(start, end, rounds) == value


@pytest.mark.parametrize(
    ("start", "end", "rounds"), [(1, 20, 0), (1, 50, 0), (5, 60, 10), (1, 13, 1000)]
)
def test_factorial_mod_matches_an_independent_computation(start, end, rounds) -> None:
    assert factorial_mod(start, end, rounds) == expected(start, end, rounds)


def test_factorial_mod_reduces_large_products() -> None:
    assert factorial_mod(1, 20, 0) == math.factorial(20) % 1_000_000_007
    assert factorial_mod(1, 20, 0) < 1_000_000_007 < math.factorial(20)


@pytest.mark.parametrize(
    "args", [(1.0, 5, 0), (1, "5", 0), (1, 5, None), (True, 5, 0), (1, 5, False)]
)
def test_factorial_mod_rejects_non_ints(args) -> None:
    with pytest.raises(TypeError, match="must be an int"):
        factorial_mod(*args)


@pytest.mark.parametrize(
    ("args", "message"),
    [((0, 5, 0), "start"), ((-3, 5, 0), "start"), ((5, 4, 0), "end"), ((1, 5, -1), "rounds")],
)
def test_factorial_mod_rejects_bad_values(args, message) -> None:
    with pytest.raises(ValueError, match=message):
        factorial_mod(*args)


# --- calibrate_rounds ---------------------------------------------------------------------


def test_calibrate_rounds_hits_roughly_the_target() -> None:
    # Calibrated and checked on this thread's CPU time, not the wall time: with other tests on
    # every core (make test runs two workers per core), a probe timed on the wall can take
    # three times as long as when it ran alone, and the calls then come out a third as long.
    rounds = calibrate_rounds(0.1, clock=time.thread_time)
    assert isinstance(rounds, int) and rounds > 0

    begin = time.thread_time()
    factorial_mod(1, 50, rounds)
    elapsed = time.thread_time() - begin
    assert 0.03 <= elapsed <= 0.3, f"{rounds} rounds took {elapsed:.3f} s of CPU, target 0.1 s"


def test_calibrate_rounds_scales_with_the_target() -> None:
    short, long = calibrate_rounds(0.05), calibrate_rounds(0.5)
    assert 2 <= long / short <= 50  # ten times the target, measured loosely


def test_calibrate_rounds_times_its_probes_on_the_clock_given() -> None:
    # A clock three times as fast, as a busy machine's wall clock is to the work done, asks for
    # about a third of the rounds: the checks that need work, not wall time, pass thread_time.
    normal = calibrate_rounds(0.05, clock=time.thread_time)
    fast = calibrate_rounds(0.05, clock=lambda: 3 * time.thread_time())
    assert 1.5 <= normal / fast <= 6


@pytest.mark.parametrize("target", [0, -0.1, math.nan])
def test_calibrate_rounds_rejects_non_positive_targets(target) -> None:
    with pytest.raises(ValueError, match="target_seconds"):
        calibrate_rounds(target)


# --- classify and WorkloadProfile ---------------------------------------------------------


def test_classify_calls_factorial_mod_cpu_bound() -> None:
    """Short calls, best of five: on a machine busy with other processes, a call that runs
    longer than a scheduler time slice shares its core and looks "mixed"."""
    rounds = calibrate_rounds(0.02)
    profiles = []
    for _ in range(5):
        profiles.append(classify(factorial_mod, 1, 50, rounds))
        if profiles[-1].kind == "CPU-bound":
            break
    best = max(profiles, key=lambda profile: profile.cpu_share)
    assert best.kind == "CPU-bound", [str(profile) for profile in profiles]
    assert best.cpu_share >= 0.7
    assert best.wall_seconds > 0.005


def test_classify_calls_sleep_io_bound() -> None:
    profile = classify(time.sleep, 0.2)
    assert profile.kind == "I/O-bound"
    assert profile.wall_seconds >= 0.2
    assert profile.cpu_seconds < 0.05


def test_classify_passes_keyword_arguments_and_propagates_errors() -> None:
    seen = {}
    classify(lambda *, x: seen.update(x=x), x=3)
    assert seen == {"x": 3}
    with pytest.raises(ValueError):
        classify(factorial_mod, 0, 1, 0)


@pytest.mark.parametrize(
    ("wall", "cpu", "kind"),
    [
        (1.0, 1.0, "CPU-bound"),
        (1.0, 0.7, "CPU-bound"),
        (1.0, 0.69, "mixed"),
        (1.0, 0.5, "mixed"),
        (1.0, 0.31, "mixed"),
        (1.0, 0.3, "I/O-bound"),
        (1.0, 0.0, "I/O-bound"),
        (0.0, 0.0, "I/O-bound"),
    ],
)
def test_workload_profile_kind_thresholds(wall, cpu, kind) -> None:
    assert WorkloadProfile(wall, cpu).kind == kind


def test_workload_profile_cpu_share_and_text() -> None:
    profile = WorkloadProfile(wall_seconds=2.0, cpu_seconds=0.5)
    assert profile.cpu_share == 0.25
    assert WorkloadProfile(0.0, 0.1).cpu_share == 0.0
    assert str(profile) == "wall 2.000 s, CPU 0.500 s (25% busy): I/O-bound"


def test_time_spent_waiting_for_a_core_is_not_counted_as_waiting_for_io() -> None:
    profile = WorkloadProfile(wall_seconds=2.0, cpu_seconds=0.9, queued_seconds=1.0)
    assert profile.cpu_share == pytest.approx(0.9)
    assert profile.kind == "CPU-bound"
    assert WorkloadProfile(2.0, 0.9).kind == "mixed", "without the queue time, it looks mixed"


def _spin(seconds: float) -> None:
    end = time.perf_counter() + seconds
    while time.perf_counter() < end:
        pass


@pytest.mark.skipif(not hasattr(os, "sched_setaffinity"), reason="needs Linux CPU affinity")
def test_classify_calls_cpu_work_cpu_bound_while_another_process_holds_its_core() -> None:
    core = min(os.sched_getaffinity(0))
    rival = multiprocessing.get_context("spawn").Process(target=_spin, args=(10.0,), daemon=True)
    rival.start()
    mine = os.sched_getaffinity(0)
    try:
        os.sched_setaffinity(rival.pid, {core})
        os.sched_setaffinity(0, {core})  # this thread and the rival now share one core
        time.sleep(0.2)
        profile = classify(_spin, 0.3)
    finally:
        os.sched_setaffinity(0, mine)
        rival.terminate()
        rival.join(timeout=10)
    assert profile.queued_seconds > 0.05, f"the rival held the core, yet {profile}"
    assert profile.kind == "CPU-bound", profile
