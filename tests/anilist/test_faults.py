"""Faults: with failures, hangs and a rate limit all on, every demo accounts for every request.

The server fails 30% of requests (seeded), hangs some of them far longer than any client
waits, and rate-limits the batch. The threaded, asyncio and process demos each send the same
batch and must end with successes + counted failures == requests sent, agree with the
server's own stats, and finish within a bound set by their timeouts.

Because the server draws its random numbers in a fixed order per request it admits, the
numbers of 200s, 500s, hangs and 429s do not depend on which thread sends what: they are
replayed here from the seed and checked exactly.
"""

from __future__ import annotations

import asyncio
import math
import multiprocessing
import pickle
import random
from collections import Counter
from concurrent.futures import ProcessPoolExecutor, ThreadPoolExecutor

import pytest

from lib.anilist.clients import AniListClient, ApiError, AsyncAniListClient
from lib.anilist.running import LocalAniList
from lib.anilist.server import ServerConfig
from lib.measure.timing import Stopwatch
from tests.plugins.accounting import OK, TIMEOUT, Ledger, fetch_outcome

pytestmark = pytest.mark.timeout(60)

FAULTS = ServerConfig(
    latency=0.02,
    seed=3,
    failure_rate=0.3,
    hang_rate=0.1,
    hang_seconds=60.0,  # far past any client's timeout: only the timeout can end the wait
    rate_limit=40,
    rate_window=60.0,  # the whole batch fits in one window: exactly 40 get through
)
IDS = list(range(1, 51))  # all valid ids: no 404s
CLIENT_TIMEOUT = 2.0  # a busy make test once held 50 concurrent requests past 1 s, all of them
SLACK = 5.0  # seconds for start-up and a noisy machine, on top of the timeouts


def expected_outcomes(config: ServerConfig, sent: int) -> Counter[str]:
    """Replay the server's random draws: what ``sent`` requests must end as."""
    admitted = sent if config.rate_limit is None else min(sent, config.rate_limit)
    rng = random.Random(config.seed)
    outcomes: Counter[str] = Counter({"HTTP 429": sent - admitted})
    for _ in range(admitted):
        rng.uniform(-config.jitter, config.jitter)  # the delay
        hangs = rng.random() < config.hang_rate
        fails = rng.random() < config.failure_rate
        outcomes[TIMEOUT if hangs else "HTTP 500" if fails else OK] += 1
    return +outcomes


EXPECTED = expected_outcomes(FAULTS, len(IDS))


def batch_bound(workers: int) -> float:
    """The longest a batch may take: every round of ``workers`` requests waits one timeout."""
    return math.ceil(len(IDS) / workers) * (CLIENT_TIMEOUT + FAULTS.latency) + SLACK


def check_against_server(ledger: Ledger, server: LocalAniList) -> None:
    """The client's ledger and the server's stats tell the same story."""
    ledger.check(len(IDS))
    assert ledger.counts == EXPECTED, f"{ledger} but expected {dict(EXPECTED)}"
    stats = server.stats()
    assert stats["by_status"] == ledger.http_statuses()
    assert stats["in_flight"] == ledger.counts[TIMEOUT], "each timeout is a request still hung"
    assert stats["requests"] + stats["in_flight"] == len(IDS), "every request reached the server"


@pytest.fixture
def faulty(make_server) -> LocalAniList:
    return make_server(**{f: getattr(FAULTS, f) for f in FAULTS.__dataclass_fields__})


def test_the_faults_exercise_every_outcome() -> None:
    assert set(EXPECTED) == {OK, "HTTP 500", "HTTP 429", TIMEOUT}
    assert EXPECTED[TIMEOUT] <= 6, "few hangs, so the batches stay fast"


# --- threads ------------------------------------------------------------------------------------


def fetch_with_a_client_of_its_own(url: str, media_id: int) -> dict:
    with AniListClient(url, timeout=CLIENT_TIMEOUT) as client:
        return client.fetch_media(media_id)


def test_thread_pool_accounts_for_every_request(faulty) -> None:
    workers = 5
    with Stopwatch() as watch, ThreadPoolExecutor(max_workers=workers) as pool:
        futures = [pool.submit(fetch_with_a_client_of_its_own, faulty.url, i) for i in IDS]
        ledger = Ledger().add_futures(futures, timeout=batch_bound(workers))
    assert watch.seconds < batch_bound(workers)
    check_against_server(ledger, faulty)


# --- asyncio ------------------------------------------------------------------------------------


async def gather_everything(url: str) -> Ledger:
    async with (
        asyncio.timeout(batch_bound(len(IDS))),
        AsyncAniListClient(url, timeout=CLIENT_TIMEOUT) as client,
    ):
        results = await asyncio.gather(
            *(client.fetch_media(i) for i in IDS), return_exceptions=True
        )
    return Ledger().add_all(results)


async def task_group_everything(url: str) -> Ledger:
    ledger = Ledger()

    async def one(client: AsyncAniListClient, media_id: int) -> None:
        try:
            ledger.add(await client.fetch_media(media_id))
        except (ApiError, TimeoutError) as error:  # counted; anything else is a bug
            ledger.add(error)

    async with (
        asyncio.timeout(batch_bound(len(IDS))),
        AsyncAniListClient(url, timeout=CLIENT_TIMEOUT) as client,
        asyncio.TaskGroup() as group,
    ):
        for media_id in IDS:
            group.create_task(one(client, media_id))
    return ledger


@pytest.mark.parametrize("demo", [gather_everything, task_group_everything])
def test_asyncio_accounts_for_every_request(faulty, demo) -> None:
    with Stopwatch() as watch:
        ledger = asyncio.run(demo(faulty.url))
    assert watch.seconds < batch_bound(len(IDS))
    check_against_server(ledger, faulty)


# --- processes ----------------------------------------------------------------------------------


def test_process_pool_accounts_for_every_request(faulty) -> None:
    workers = 2
    spawn = multiprocessing.get_context("spawn")  # the start method every platform has
    with Stopwatch() as watch, ProcessPoolExecutor(max_workers=workers, mp_context=spawn) as pool:
        futures = [pool.submit(fetch_outcome, faulty.url, i, CLIENT_TIMEOUT) for i in IDS]
        # The workers return each outcome as a string: nothing unpicklable comes back.
        ledger = Ledger(future.result(timeout=batch_bound(workers)) for future in futures)
    assert watch.seconds < batch_bound(workers)
    check_against_server(ledger, faulty)


def test_api_errors_survive_pickling() -> None:
    error = pickle.loads(pickle.dumps(ApiError(429, "Too Many Requests.", 3.0)))
    assert (error.status, error.message, error.retry_after) == (429, "Too Many Requests.", 3.0)
