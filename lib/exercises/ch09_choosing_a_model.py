"""Checkers for chapter 9, "Choosing a model".

The two async exercises are run beside a *heartbeat*: a task on the same event loop that asks
to wake every 10 ms and records how late it wakes. A loop kept busy by computing, or blocked
by a call that waits, wakes it late by as long as the work takes; a free loop wakes it within
a few milliseconds. The bound (:data:`LATE_LIMIT`) is several times what a free loop showed on
a two-core machine under four extra busy processes, and well below what the blocking versions
of these exercises cause (0.6 s and more). Two choices keep the free loop's lateness low:

- the process pool of exercise 9.2 is started, and its workers are warmed up, before the
  heartbeat starts (starting and stopping a pool inside the loop blocks it briefly);
- the server of exercise 9.3 runs in a process of its own: inside this process its thread
  would compete with the answer's threads for the GIL, and on a loaded machine that alone
  made a free loop's heartbeat half a second late.

Where the CPU time went is *counted* (``time.thread_time``, ``time.process_time``), not timed,
so the hints "computing in the event loop" and "computing on threads" are immune to load. So
is whether the jobs of 9.2 ran together: the check's pool counts the jobs in it at once.
"""

from __future__ import annotations

import time
from typing import Any

from lib.anilist.catalogue import lookup_media
from lib.anilist.running import ServerProcess
from lib.demos.choose import MODELS, Workload, choose_model
from lib.demos.workloads import MODULUS, calibrate_rounds, factorial_mod
from lib.exercises._harness.checking import (
    CaseFailed,
    Checker,
    NotAttempted,
    exercise_check,
    require_accounted,
    require_function,
    require_type,
)
from lib.exercises._harness.heartbeat import (
    IN_PROCESS_SHARE,
    LATE_LIMIT,
    require_free_loop,
    run_with_heartbeat,
)
from lib.exercises._harness.process_watch import CountingPool

__all__ = [
    "JOB_ENDS",
    "JOB_SECONDS",
    "MODEL_CASES",
    "POOL_WORKERS",
    "STRETCH_IDS",
    "STRETCH_SERVER",
    "check_fetch_all",
    "check_model_choices",
    "check_score_all",
    "expected_factorial_mod",
]

# --- Exercise 9.1: name the model -----------------------------------------------------------

# Each case: the key the learner answers under, the workload it describes, usable cores.
MODEL_CASES: dict[str, tuple[Workload, int]] = {
    "resize 400 photos in pure Python, 4 cores": (Workload(1.0, 400), 4),
    "resize 400 photos in pure Python, 1 core": (Workload(1.0, 400), 1),
    "download 60 pages with requests": (Workload(0.02, 60), 4),
    "upload 2,000 files with a blocking SDK": (Workload(0.03, 2000), 4),
    "hold 5,000 chat connections with an async library": (
        Workload(0.01, 5000, async_libraries=True),
        4,
    ),
    "crawl 300 pages with aiohttp, parsing half the time": (
        Workload(0.5, 300, async_libraries=True),
        4,
    ),
    "compute one long report": (Workload(1.0, 1), 4),
}


def _normalise_model(answer: str) -> str:
    """'Asyncio+Processes ' -> 'asyncio + processes': spacing and case do not matter."""
    return " + ".join(part.strip() for part in answer.strip().lower().split("+"))


@exercise_check("Exercise 9.1: name the model")
def check_model_choices(checker: Checker, choices: Any) -> None:
    """Compare each of the learner's models with what ``choose_model`` recommends."""
    choices = require_type(choices, dict, "choices")
    if choices and all(value is Ellipsis for value in choices.values()):
        raise NotAttempted
    for name, (workload, cores) in MODEL_CASES.items():
        with checker.case(name):
            if name not in choices:
                raise CaseFailed("no answer for this one: keep the keys of the starter")
            answer = choices[name]
            if answer is Ellipsis:
                raise CaseFailed("still `...`: fill in a model")
            if not isinstance(answer, str) or _normalise_model(answer) not in MODELS:
                raise CaseFailed(f"{answer!r} is not a model: use one of {', '.join(MODELS)}")
            recommendation = choose_model(workload, cores=cores)
            if _normalise_model(answer) != recommendation.model:
                raise CaseFailed(f"not {answer!r}: " + "; ".join(recommendation.reasons))


# --- Exercise 9.2: keep the heartbeat on time ------------------------------------------------

JOB_SECONDS = 0.3  # each job's target CPU time: waiting on all four blocks for 0.6 s or more
JOB_ENDS = (20, 30, 40, 50)  # the jobs differ, so results in the wrong order are caught
POOL_WORKERS = 2  # the check's pool: 4 jobs in 2 rounds, so waiting on them blocks for 2 jobs


def expected_factorial_mod(start: int, end: int, rounds: int) -> int:
    """What ``factorial_mod`` returns, computed another way: in microseconds, not seconds.

    Each round maps x to 31x + 7 (mod a prime), so ``rounds`` of them give
    31^r x + 7 (31^r - 1) / 30, with the division done by the inverse of 30.
    """
    product = 1
    for factor in range(start, end + 1):
        product = product * factor % MODULUS
    power = pow(31, rounds, MODULUS)
    return (product * power + 7 * (power - 1) * pow(30, -1, MODULUS)) % MODULUS


def _score_jobs(
    checker: Checker,
    score_all: Any,
    pool: CountingPool,
    jobs: list[Any],
    *,
    job_seconds: float,
    time_limit: float,
) -> None:
    expected = [expected_factorial_mod(*job) for job in jobs]
    pool.recount()
    run = run_with_heartbeat(score_all, pool, list(jobs), time_limit=time_limit)
    sent, together = pool.sent, pool.peak  # counted, not timed: immune to the machine's load
    with checker.case(f"{len(jobs)} jobs: the right results, in order"):
        if run.error is not None:
            raise CaseFailed(f"score_all() raised {type(run.error).__name__}: {run.error}")
        answer = list(require_type(run.value, (list, tuple), "the result of score_all"))
        if len(answer) != len(jobs):
            raise CaseFailed(f"{len(answer)} results for {len(jobs)} jobs: one per job, please")
        if answer != expected:
            if sorted(map(repr, answer)) == sorted(map(repr, expected)):
                raise CaseFailed(
                    "the right results in the wrong order: keep the order of the jobs "
                    "(asyncio.gather does; as_completed does not)"
                )
            wrong = sum(a != e for a, e in zip(answer, expected, strict=True))
            raise CaseFailed(
                f"{wrong} of {len(jobs)} results differ from factorial_mod(*job): "
                "call factorial_mod with each job's three numbers"
            )
    with checker.case("the jobs ran in the pool's processes, and the heartbeat kept time"):
        # CPU time is counted, not timed, so these two verdicts do not depend on the machine's
        # load: the jobs take about job_seconds of CPU each, wherever they run.
        in_this_process = IN_PROCESS_SHARE * job_seconds * len(jobs)
        if run.loop_cpu >= in_this_process:
            raise CaseFailed(
                f"the event loop's own thread spent {run.loop_cpu:.1f} s computing, and the "
                f"heartbeat was up to {run.worst_late:.1f} s late: is the CPU work running in "
                "the event loop? Hand it to the pool with loop.run_in_executor"
            )
        if run.process_cpu - run.loop_cpu >= in_this_process:
            raise CaseFailed(
                "the jobs ran on threads of this process (asyncio.to_thread?): pure-Python "
                "work holds the GIL, which the event loop needs too, so the loop lags behind "
                f"(here the heartbeat was up to {run.worst_late:.1f} s late). Send each job "
                "to the process pool with loop.run_in_executor"
            )
        if run.worst_late > LATE_LIMIT:
            # An answer that blocks the loop is late on every run; a right one made late by a
            # busy machine (0.4 s once, in a CI run sharing 2 cores) is rarely late twice.
            run = run_with_heartbeat(score_all, pool, list(jobs), time_limit=time_limit)
        require_free_loop(run, "pool.map or future.result()")
    if sent >= len(jobs):  # the jobs went to the pool (where they ran is the case above)
        with checker.case(f"the {len(jobs)} jobs were in the pool together, not one by one"):
            if together < 2:
                raise CaseFailed(
                    f"the pool had only {together} job at a time: each was awaited before the "
                    "next was sent, so they ran one after another. Send them all first, then "
                    "await them together (asyncio.gather does, and keeps their order)"
                )


@exercise_check("Exercise 9.2: keep the heartbeat on time")
def check_score_all(
    checker: Checker, score_all: Any, job_seconds: float = JOB_SECONDS, time_limit: float = 10.0
) -> None:
    """Await ``score_all(pool, jobs)`` beside a heartbeat, with a pool started beforehand."""
    require_function(score_all)
    # In CPU time: calibrated on a busy machine in wall time, the jobs came out short, and an
    # answer that blocks the loop on them blocked it for less than LATE_LIMIT (a CI run).
    rounds = calibrate_rounds(target_seconds=job_seconds, clock=time.thread_time)
    jobs = [(1, end, rounds) for end in JOB_ENDS]
    pool = CountingPool(max_workers=POOL_WORKERS)
    try:
        # Start the workers before the heartbeat does: a long-running program keeps its pool.
        list(pool.map(factorial_mod, [1] * POOL_WORKERS, [1] * POOL_WORKERS, [0] * POOL_WORKERS))
        _score_jobs(checker, score_all, pool, jobs, job_seconds=job_seconds, time_limit=time_limit)
        with checker.case("no jobs: returns an empty list"):
            empty = run_with_heartbeat(score_all, pool, [], time_limit=time_limit)
            if empty.error is not None:
                raise CaseFailed(
                    f"score_all(pool, []) raised {type(empty.error).__name__}: {empty.error}"
                )
            if list(require_type(empty.value, (list, tuple), "score_all(pool, [])")) != []:
                raise CaseFailed(f"score_all(pool, []) returned {empty.value!r}, not []")
        with checker.case("an invalid job raises factorial_mod's ValueError"):
            bad = run_with_heartbeat(
                score_all, pool, [(1, 10, 0), (5, 1, 0)], time_limit=time_limit
            )
            if bad.error is None:
                raise CaseFailed(
                    f"returned {bad.value!r}: the job (5, 1, 0) is invalid (end < start), and "
                    "its ValueError should reach the caller, not be swallowed"
                )
            if not isinstance(bad.error, ValueError):
                raise CaseFailed(
                    f"raised {type(bad.error).__name__}: {bad.error}; expected "
                    "factorial_mod's ValueError for the job (5, 1, 0)"
                )
    finally:
        pool.shutdown(wait=True, cancel_futures=True)


# --- Exercise 9.3: a blocking client inside asyncio -----------------------------------------

STRETCH_IDS = [100, 200, 300, 400, 600, 700, 853, 124, 0, 1_000_000]  # the last two: no such id
STRETCH_SERVER: dict[str, Any] = {
    "latency": 0.3,
    "failure_rate": 0.2,
    "seed": 8,
}  # some requests fail with 500


@exercise_check("Exercise 9.3: a blocking client inside asyncio")
def check_fetch_all(checker: Checker, fetch_all: Any, time_limit: float = 10.0) -> None:
    """Await ``fetch_all(url, ids)`` beside a heartbeat, against a server process of its own;
    compare the result with the server's counts of requests, failures and peak in flight."""
    require_function(fetch_all)
    with ServerProcess(**STRETCH_SERVER) as server:
        run = run_with_heartbeat(fetch_all, server.url, list(STRETCH_IDS), time_limit=time_limit)
        stats = server.stats()
    if run.error is not None:
        raise CaseFailed(
            f"fetch_all() raised {type(run.error).__name__}: {run.error}. One failed request "
            "must not sink the others: did you gather with return_exceptions=True?"
        )
    answer = require_type(run.value, dict, "the result of fetch_all")
    failed_at_server = stats["requests"] - stats["by_status"].get("200", 0)
    with checker.case("every request ends as a result or an exception"):
        require_accounted(
            STRETCH_IDS,
            answer,
            what="requests",
            keep="did you keep the exceptions of the requests that failed?",
        )
    with checker.case("each result is fetch_one's answer for its id"):
        for media_id in STRETCH_IDS:
            value = answer.get(media_id)
            if media_id not in answer or isinstance(value, BaseException):
                continue  # a lost request is the case above; a failed one the case below
            media = lookup_media(media_id)
            if media is None:
                raise CaseFailed(f"id {media_id} does not exist, yet it maps to {value!r}")
            if value != media:
                raise CaseFailed(
                    f"id {media_id} should map to what fetch_one returns, {media!r}; got {value!r}"
                )
    with checker.case("each id is requested once, and every failure is kept"):
        if stats["requests"] != len(STRETCH_IDS):
            raise CaseFailed(
                f"the server saw {stats['requests']} requests for {len(STRETCH_IDS)} ids: "
                "request each id once (no retries in this exercise)"
            )
        kept = sum(isinstance(value, BaseException) for value in answer.values())
        if kept != failed_at_server:
            raise CaseFailed(
                f"the server failed {failed_at_server} requests, but {kept} exceptions are in "
                "the result: map each failed id to the exception its request raised"
            )
    with checker.case("the requests overlapped"):
        if stats["peak_in_flight"] < 3:
            raise CaseFailed(
                f"at most {stats['peak_in_flight']} request(s) were in flight at once: run each "
                "fetch_one on a thread (asyncio.to_thread) and await them together"
            )
    with checker.case("the event loop stayed free while the requests waited"):
        if run.worst_late > LATE_LIMIT:
            # As in 9.2: an answer that blocks the loop is late on every run; a right one made
            # late by a busy machine (0.3 s once, beside make test's notebooks) rarely twice.
            with ServerProcess(**STRETCH_SERVER) as again:
                run = run_with_heartbeat(
                    fetch_all, again.url, list(STRETCH_IDS), time_limit=time_limit
                )
        require_free_loop(run, "fetch_one, pool.map or future.result()")
