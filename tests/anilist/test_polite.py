"""A polite client: a semaphore, backoff and Retry-After (lib.anilist.polite), and the trace
that watches it from outside (lib.anilist.polite_trace)."""

from __future__ import annotations

import asyncio
import inspect
import random
import time

import pytest

from lib.anilist.clients import ApiError, AsyncAniListClient
from lib.anilist.polite import RetryPolicy, Tally, backoff_delay, fetch_all_politely, polite_fetch
from lib.anilist.polite_trace import PoliteTrace

FAST = RetryPolicy(max_attempts=4, base_delay=0.001, max_delay=0.01)


class Flaky:
    """A fake ``fetch`` that fails with the given errors first, then answers."""

    def __init__(self, *errors: ApiError) -> None:
        self.errors = list(errors)
        self.calls = 0

    async def __call__(self, media_id: int) -> dict:
        self.calls += 1
        await asyncio.sleep(0)
        if self.errors:
            raise self.errors.pop(0)
        return {"id": media_id}


# --- RetryPolicy and backoff_delay ------------------------------------------------------------


def test_policy_rejects_nonsense() -> None:
    with pytest.raises(ValueError, match="max_attempts"):
        RetryPolicy(max_attempts=0)
    with pytest.raises(ValueError, match="base_delay"):
        RetryPolicy(base_delay=2.0, max_delay=1.0)


def test_backoff_grows_exponentially_up_to_the_cap() -> None:
    policy = RetryPolicy(base_delay=0.1, max_delay=0.5)
    rng = random.Random(1)
    for attempt, ceiling in [(1, 0.1), (2, 0.2), (3, 0.4), (4, 0.5), (9, 0.5)]:
        delays = [backoff_delay(policy, attempt, None, rng) for _ in range(200)]
        assert min(delays) >= 0 and max(delays) <= ceiling
        assert max(delays) > ceiling * 0.8  # full jitter spreads over the whole range


def test_backoff_never_waits_less_than_retry_after() -> None:
    rng = random.Random(2)
    assert all(backoff_delay(FAST, 1, 1.0, rng) == 1.0 for _ in range(50))


def test_backoff_rejects_bad_arguments() -> None:
    with pytest.raises(ValueError, match="count from 1"):
        backoff_delay(FAST, 0, None, random.Random())
    with pytest.raises(ValueError, match="retry_after"):
        backoff_delay(FAST, 1, -1.0, random.Random())


# --- polite_fetch -----------------------------------------------------------------------------


def run_polite(fetch: Flaky, policy: RetryPolicy = FAST) -> tuple[dict, PoliteTrace]:
    trace = PoliteTrace()

    async def main() -> dict:
        return await polite_fetch(
            trace.watch(fetch),
            7,
            limit=asyncio.Semaphore(1),
            policy=policy,
            rng=random.Random(0),
            on_retry=trace.on_retry,
        )

    return asyncio.run(main()), trace


def test_retryable_errors_are_retried_until_success() -> None:
    fetch = Flaky(ApiError(429, "Too Many Requests.", 0.02), ApiError(500, "Internal."))
    result, trace = run_polite(fetch)
    assert result == {"id": 7}
    assert trace.attempts == fetch.calls == 3
    assert trace.retries == {429: 1, 500: 1}
    assert trace.waits[0] == (0.02, 0.02)  # Retry-After was honoured exactly
    assert [span.ok for span in trace.spans()] == [False, False, True]
    assert {span.task for span in trace.spans()} == {"7"}
    assert "attempts=3" in repr(trace)


def test_without_a_hook_nothing_is_recorded_and_the_result_is_the_same() -> None:
    fetch = Flaky(ApiError(429, "Too Many Requests.", 0.01))

    async def main() -> dict:
        return await polite_fetch(fetch, 7, limit=asyncio.Semaphore(1), policy=FAST)

    assert asyncio.run(main()) == {"id": 7}
    assert fetch.calls == 2


def test_a_404_is_not_retried() -> None:
    fetch = Flaky(ApiError(404, "Not Found."))
    with pytest.raises(ApiError, match="404"):
        run_polite(fetch)
    assert fetch.calls == 1


def test_the_last_error_is_raised_when_attempts_run_out() -> None:
    fetch = Flaky(*[ApiError(500, f"failure {n}") for n in range(10)])
    with pytest.raises(ApiError, match="failure 3"):
        run_polite(fetch)
    assert fetch.calls == FAST.max_attempts


def test_a_request_waiting_to_retry_holds_no_slot() -> None:
    """While one request sleeps off a Retry-After, another gets through the semaphore."""
    finished: list[str] = []

    async def fetch(media_id: int) -> dict:
        if media_id == 1 and not finished:
            raise ApiError(429, "Too Many Requests.", 0.2)
        finished.append(str(media_id))
        return {"id": media_id}

    async def main() -> None:
        limit = asyncio.Semaphore(1)
        await asyncio.gather(
            polite_fetch(fetch, 1, limit=limit, policy=FAST),
            polite_fetch(fetch, 2, limit=limit, policy=FAST),
        )

    asyncio.run(main())
    assert finished == ["2", "1"]


# --- fetch_all_politely -----------------------------------------------------------------------


def test_every_request_ends_as_a_result_or_a_counted_error() -> None:
    async def fetch(media_id: int) -> dict:
        await asyncio.sleep(0)
        if media_id % 3 == 0:
            raise ApiError(404, "Not Found.")
        if media_id % 5 == 0:
            raise TimeoutError()
        return {"id": media_id}

    done: list[int] = []
    tally = asyncio.run(
        fetch_all_politely(
            fetch,
            range(1, 31),
            limit=asyncio.Semaphore(4),
            policy=FAST,
            on_done=lambda: done.append(1),
        )
    )
    assert tally.sent == 30 == len(done)
    assert len(tally.results) + len(tally.errors) == 30
    assert tally.error_kinds() == {"HTTP 404": 10, "TimeoutError": 4}


def test_an_uncounted_error_is_a_bug_and_is_raised() -> None:
    async def fetch(media_id: int) -> dict:
        raise KeyError(media_id)

    with pytest.raises(ExceptionGroup) as caught:
        asyncio.run(fetch_all_politely(fetch, [1, 2], limit=asyncio.Semaphore(2)))
    assert caught.group_contains(KeyError)


def test_ids_must_be_unique() -> None:
    async def fetch(media_id: int) -> dict:
        return {}

    with pytest.raises(ValueError, match="only once"):
        asyncio.run(fetch_all_politely(fetch, [1, 1], limit=asyncio.Semaphore(1)))


def test_against_the_server_failures_are_retried_and_the_totals_add_up(make_server) -> None:
    server = make_server(failure_rate=0.4, seed=3)
    ids = list(range(1, 41))
    trace = PoliteTrace()

    async def main() -> Tally:
        async with AsyncAniListClient(server.url, timeout=5.0) as client:
            return await fetch_all_politely(
                trace.watch(client.fetch_media),
                ids,
                limit=asyncio.Semaphore(8),
                policy=RetryPolicy(max_attempts=3, base_delay=0.001, max_delay=0.01),
                rng=random.Random(0),
                on_retry=trace.on_retry,
            )

    tally = asyncio.run(main())
    stats = server.stats()["by_status"]
    assert tally.sent == len(ids)
    assert stats.get("200", 0) == len(tally.results)
    assert stats.get("500", 0) == trace.retries[500] + len(tally.errors)
    assert trace.attempts == stats.get("200", 0) + stats.get("500", 0)


def test_against_the_server_a_rate_limit_is_waited_out(make_server) -> None:
    server = make_server(rate_limit=3, rate_window=1.0)
    trace = PoliteTrace()

    async def main() -> Tally:
        async with AsyncAniListClient(server.url, timeout=5.0) as client:
            return await fetch_all_politely(
                trace.watch(client.fetch_media),
                range(1, 6),
                limit=asyncio.Semaphore(2),
                policy=FAST,
                on_retry=trace.on_retry,
            )

    start = time.perf_counter()
    tally = asyncio.run(main())
    assert len(tally.results) == 5 and not tally.errors
    assert trace.retries[429] >= 1 and server.stats()["by_status"]["429"] == trace.retries[429]
    assert all(waited >= asked for waited, asked in trace.waits if asked is not None)
    assert time.perf_counter() - start >= 0.9  # a 429 says Retry-After: 1, and it was obeyed


def test_the_functions_the_chapter_shows_hold_no_recording() -> None:
    """Chapter 7 shows these two with show_source: watching them is the trace's job."""
    for function in (polite_fetch, fetch_all_politely):
        source = inspect.getsource(function)
        for word in ("trace", "Recorder", "span", "attempts +=", "waits.append"):
            assert word not in source, f"{function.__name__} records {word!r}"
