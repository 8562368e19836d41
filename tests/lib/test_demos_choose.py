"""The rule of thumb as a function (lib.demos.choose)."""

from __future__ import annotations

import math

import pytest

from lib.demos.choose import (
    CPU_BOUND_SHARE,
    DEFAULT_MAX_IN_FLIGHT,
    DEFAULT_MAX_THREADS,
    IO_BOUND_SHARE,
    MODELS,
    Recommendation,
    Workload,
    choose_model,
)
from lib.demos.workloads import WorkloadProfile, kind_of

# --- the rule -----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("workload", "cores", "model", "workers"),
    [
        # one task: nothing to overlap, whatever it is
        (Workload(0.0, 1), 8, "sequential", 1),
        (Workload(1.0, 1, async_libraries=True), 8, "sequential", 1),
        # CPU-bound: processes, one per core at most; one core: sequential
        (Workload(0.99, 4), 2, "processes", 2),
        (Workload(0.99, 20), 8, "processes", 8),
        (Workload(0.99, 3), 8, "processes", 3),
        (Workload(0.95, 4, async_libraries=True), 4, "processes", 4),
        (Workload(0.99, 4), 1, "sequential", 1),
        # I/O-bound with blocking libraries: threads, capped
        (Workload(0.02, 16), 2, "threads", 16),
        (Workload(0.02, 5000), 2, "threads", DEFAULT_MAX_THREADS),
        # I/O-bound with async libraries: asyncio, bounded too
        (Workload(0.02, 16, async_libraries=True), 2, "asyncio", 16),
        (Workload(0.02, 5000, async_libraries=True), 2, "asyncio", DEFAULT_MAX_IN_FLIGHT),
        # mixed: a process pool for the computing beside the waiting side
        (Workload(0.5, 40, async_libraries=True), 2, "asyncio + processes", 2),
        (Workload(0.5, 40), 4, "threads + processes", 4),
        (Workload(0.5, 40), 1, "threads + processes", 1),
        # CPU-bound, more tasks than cores, more machines: a cluster, a worker thread a core
        (Workload(0.99, 40, machines=4), 8, "cluster", 32),
        (Workload(0.99, 10, machines=4), 8, "cluster", 10),
        (Workload(0.99, 8, machines=4), 8, "processes", 8),  # fits one machine: no network
        (Workload(0.02, 5000, machines=4), 2, "threads", DEFAULT_MAX_THREADS),  # I/O: no
    ],
)
@pytest.mark.parametrize("gil", [True, False])
def test_choose_model_follows_the_rule(workload, cores, model, workers, gil) -> None:
    # the model and its size are the same with or without the GIL; the reasons differ
    recommendation = choose_model(workload, cores=cores, gil=gil)
    assert recommendation.model == model
    assert recommendation.workers == workers
    assert recommendation.model in MODELS
    assert recommendation.reasons and all(isinstance(r, str) for r in recommendation.reasons)


@pytest.mark.parametrize(
    ("share", "kind"),
    [
        (0.0, "I/O-bound"),
        (IO_BOUND_SHARE, "I/O-bound"),
        (0.31, "mixed"),
        (0.69, "mixed"),
        (CPU_BOUND_SHARE, "CPU-bound"),
        (1.0, "CPU-bound"),
    ],
)
def test_kind_uses_the_same_thresholds_as_lib_workloads(share, kind) -> None:
    assert Workload(share, 2).kind == kind
    assert WorkloadProfile(wall_seconds=1.0, cpu_seconds=share).kind == kind
    assert kind_of(share) == kind


def test_the_boundaries_pick_the_documented_models() -> None:
    assert choose_model(Workload(CPU_BOUND_SHARE, 4), cores=4).model == "processes"
    assert choose_model(Workload(IO_BOUND_SHARE, 4), cores=4).model == "threads"


def test_the_thread_cap_is_explained_only_when_it_bites() -> None:
    capped = choose_model(Workload(0.0, 500), cores=2, max_threads=100)
    assert capped.workers == 100
    assert any("cap the pool at 100 threads" in reason for reason in capped.reasons)
    uncapped = choose_model(Workload(0.0, 50), cores=2, max_threads=100)
    assert uncapped.workers == 50
    assert not any("cap the pool" in reason for reason in uncapped.reasons)


def test_processes_never_get_more_workers_than_cores() -> None:
    for cores in (2, 3, 8, 64):
        for concurrency in (2, 7, 100):
            rec = choose_model(Workload(1.0, concurrency), cores=cores)
            assert rec.workers == min(cores, concurrency)


@pytest.mark.parametrize(
    ("workload", "word"),
    [
        (Workload(0.0, 8, shared_state=True), "threading.Lock"),
        (Workload(0.0, 8, async_libraries=True, shared_state=True), "asyncio.Lock"),
        (Workload(1.0, 8, shared_state=True), "share no memory"),
        (Workload(0.5, 8, async_libraries=True, shared_state=True), "asyncio.Lock"),
    ],
)
def test_shared_state_adds_the_right_warning(workload, word) -> None:
    reasons = choose_model(workload, cores=4).reasons
    assert any(word in reason for reason in reasons)
    plain = Workload(workload.cpu_share, workload.concurrency, workload.async_libraries)
    assert not any(word in reason for reason in choose_model(plain, cores=4).reasons)


def test_cores_default_to_the_usable_ones(monkeypatch) -> None:
    monkeypatch.setattr("lib.demos.choose.usable_cpus", lambda: 1)
    assert choose_model(Workload(1.0, 4)).model == "sequential"
    monkeypatch.setattr("lib.demos.choose.usable_cpus", lambda: 6)
    assert choose_model(Workload(1.0, 10)).workers == 6


def test_recommendation_prints_model_and_reasons() -> None:
    text = str(Recommendation("threads", 5, ("one", "two")))
    assert text.splitlines() == ["threads (5 at once)", "  - one", "  - two"]


# --- from a measured profile --------------------------------------------------------------


def test_from_profile_takes_the_measured_share() -> None:
    profile = WorkloadProfile(wall_seconds=0.2, cpu_seconds=0.004)
    workload = Workload.from_profile(profile, concurrency=16)
    assert workload.cpu_share == pytest.approx(0.02)
    assert choose_model(workload, cores=2).model == "threads"


def test_from_profile_caps_a_share_above_one() -> None:
    # CPU time can exceed wall time by a hair (clock resolution): still a valid workload
    workload = Workload.from_profile(WorkloadProfile(0.100, 0.101), concurrency=4)
    assert workload.cpu_share == 1.0


def test_from_profile_refuses_other_objects() -> None:
    with pytest.raises(TypeError, match="WorkloadProfile"):
        Workload.from_profile({"cpu_share": 0.5}, concurrency=4)  # type: ignore[arg-type]


# --- bad input ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("kwargs", "error", "message"),
    [
        ({"cpu_share": "high", "concurrency": 2}, TypeError, "cpu_share"),
        ({"cpu_share": True, "concurrency": 2}, TypeError, "cpu_share"),
        ({"cpu_share": -0.1, "concurrency": 2}, ValueError, "cpu_share"),
        ({"cpu_share": 1.5, "concurrency": 2}, ValueError, "cpu_share"),
        ({"cpu_share": math.nan, "concurrency": 2}, ValueError, "cpu_share"),
        ({"cpu_share": 0.5, "concurrency": 0}, ValueError, "concurrency"),
        ({"cpu_share": 0.5, "concurrency": 2.0}, TypeError, "concurrency"),
        ({"cpu_share": 0.5, "concurrency": True}, TypeError, "concurrency"),
        ({"cpu_share": 0.5, "concurrency": 2, "async_libraries": "yes"}, TypeError, "async"),
        ({"cpu_share": 0.5, "concurrency": 2, "shared_state": 1}, TypeError, "shared_state"),
    ],
)
def test_workload_rejects_bad_fields(kwargs, error, message) -> None:
    with pytest.raises(error, match=message):
        Workload(**kwargs)


def test_an_int_share_is_a_number() -> None:
    assert Workload(1, 2).kind == "CPU-bound"


@pytest.mark.parametrize(
    ("kwargs", "error"),
    [
        ({"cores": 0}, ValueError),
        ({"cores": 2.5}, TypeError),
        ({"max_threads": 0}, ValueError),
        ({"max_threads": "many"}, TypeError),
        ({"max_in_flight": 0}, ValueError),
        ({"max_in_flight": 1.5}, TypeError),
    ],
)
def test_choose_model_rejects_bad_limits(kwargs, error) -> None:
    with pytest.raises(error):
        choose_model(Workload(0.0, 4), **kwargs)


def test_gil_must_be_a_bool_or_none() -> None:
    with pytest.raises(TypeError, match="gil"):
        choose_model(Workload(1.0, 4), cores=2, gil=1)  # type: ignore[arg-type]


def test_choose_model_rejects_other_objects() -> None:
    with pytest.raises(TypeError, match="Workload"):
        choose_model({"cpu_share": 0.0, "concurrency": 4})  # type: ignore[arg-type]


def test_pool_sizes_are_spelled_with_their_unit() -> None:
    one_core = choose_model(Workload(0.5, 40), cores=1).reasons
    assert any("a pool of 1 process:" in reason for reason in one_core)
    assert any("one usable core" in reason for reason in one_core)
    cpu = choose_model(Workload(1.0, 40), cores=4).reasons
    assert any("at most 4 processes" in reason for reason in cpu)


def test_cluster_reasons_name_the_network_and_shared_state() -> None:
    choice = choose_model(Workload(1.0, 40, shared_state=True, machines=3), cores=4)
    assert choice.model == "cluster" and choice.workers == 12
    assert any("round trip to the scheduler" in reason for reason in choice.reasons)
    assert any("share no memory" in reason for reason in choice.reasons)


@pytest.mark.parametrize(
    ("machines", "error"), [(0, ValueError), (True, TypeError), (1.5, TypeError)]
)
def test_machines_must_be_a_positive_count(machines, error) -> None:
    with pytest.raises(error, match="machines"):
        Workload(1.0, 4, machines=machines)


# --- bounds, free-threaded builds, interpreter pools ----------------------------------------


@pytest.mark.parametrize(
    "workload",
    [
        Workload(0.0, 10**6),
        Workload(0.0, 10**6, async_libraries=True),
        Workload(0.5, 10**6),
        Workload(0.5, 10**6, async_libraries=True),
        Workload(1.0, 10**6),
        Workload(1.0, 10**6, machines=3),
    ],
)
def test_no_model_fans_out_to_every_task(workload) -> None:
    choice = choose_model(workload, cores=4)
    assert choice.workers < workload.concurrency
    assert choice.workers <= max(DEFAULT_MAX_THREADS, DEFAULT_MAX_IN_FLIGHT, 4 * 3)


def test_asyncio_names_its_bound_and_the_cap_follows_max_in_flight() -> None:
    many = choose_model(Workload(0.01, 5000, async_libraries=True), cores=4, max_in_flight=300)
    assert many.model == "asyncio" and many.workers == 300
    assert any("asyncio.Semaphore(300)" in reason for reason in many.reasons)
    assert any("300 of the 5000 tasks" in reason for reason in many.reasons)
    few = choose_model(Workload(0.01, 16, async_libraries=True), cores=4, max_in_flight=300)
    assert few.workers == 16
    assert any("asyncio.Semaphore(16)" in reason for reason in few.reasons)


def test_the_mixed_models_bound_their_waiting_side() -> None:
    choice = choose_model(Workload(0.5, 5000, async_libraries=True), cores=4)
    assert any(f"at most {DEFAULT_MAX_IN_FLIGHT} tasks waiting" in r for r in choice.reasons)
    threads = choose_model(Workload(0.5, 5000), cores=4, max_threads=50)
    assert any("at most 50 tasks waiting at once on the threads side" in r for r in threads.reasons)


def test_with_the_gil_cpu_work_is_told_about_interpreter_pools() -> None:
    reasons = choose_model(Workload(1.0, 8), cores=4, gil=True).reasons
    assert any("under the GIL" in reason for reason in reasons)
    assert any("InterpreterPoolExecutor of 4 interpreters" in reason for reason in reasons)
    assert not any("without the GIL" in reason for reason in reasons)
    mixed = choose_model(Workload(0.5, 8, async_libraries=True), cores=4, gil=True).reasons
    assert any("InterpreterPoolExecutor" in reason for reason in mixed)


def test_without_the_gil_cpu_work_is_told_that_threads_compute_in_parallel() -> None:
    choice = choose_model(Workload(1.0, 8), cores=4, gil=False)
    assert choice.model == "processes" and choice.workers == 4
    assert any("without the GIL: a pool of 4 threads" in r for r in choice.reasons)
    assert not any("under the GIL" in reason for reason in choice.reasons)
    mixed = choose_model(Workload(0.5, 8), cores=4, gil=False).reasons
    assert any("without the GIL, a thread pool" in reason for reason in mixed)


def test_one_core_mentions_no_parallel_pool() -> None:
    for gil in (True, False):
        reasons = " ".join(choose_model(Workload(0.5, 8), cores=1, gil=gil).reasons)
        assert "InterpreterPoolExecutor" not in reasons and "thread pool" not in reasons
        assert choose_model(Workload(1.0, 8), cores=1, gil=gil).model == "sequential"


def test_gil_defaults_to_the_running_interpreter(monkeypatch) -> None:
    from lib.demos.gil import GilStatus

    def status(enabled: bool) -> GilStatus:
        return GilStatus(not enabled, gil_enabled=enabled, checked_at_run_time=True)

    monkeypatch.setattr("lib.demos.choose.gil_status", lambda: status(False))
    assert any("without the GIL" in r for r in choose_model(Workload(1.0, 4), cores=2).reasons)
    monkeypatch.setattr("lib.demos.choose.gil_status", lambda: status(True))
    assert any("under the GIL" in r for r in choose_model(Workload(1.0, 4), cores=2).reasons)
