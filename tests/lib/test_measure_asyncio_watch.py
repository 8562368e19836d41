"""lib.measure.asyncio_watch: watching asyncio programs, against the local server."""

from __future__ import annotations

import asyncio

import aiohttp
import pytest

from lib.anilist.clients import request_body
from lib.measure.asyncio_watch import ConnectionCounter, Samples, sample_every

# --- ConnectionCounter ----------------------------------------------------------------------


async def post_all(url: str, counter: ConnectionCounter, ids: list[int], shared: bool) -> None:
    """POST one request per id, sequentially, with one session or a new one per request."""

    async def post(session: aiohttp.ClientSession, media_id: int) -> None:
        async with session.post(url, json=request_body(media_id)) as response:
            assert response.status == 200
            await response.read()

    if shared:
        async with aiohttp.ClientSession(trace_configs=[counter.trace_config()]) as session:
            for media_id in ids:
                await post(session, media_id)
    else:
        for media_id in ids:
            async with aiohttp.ClientSession(trace_configs=[counter.trace_config()]) as session:
                await post(session, media_id)


def test_one_session_opens_one_connection_and_reuses_it(server) -> None:
    counter = ConnectionCounter()
    asyncio.run(post_all(server.url, counter, [100, 200, 300, 400], shared=True))
    assert (counter.opened, counter.reused) == (1, 3)


def test_a_session_per_request_opens_a_connection_per_request(server) -> None:
    counter = ConnectionCounter()
    asyncio.run(post_all(server.url, counter, [100, 200, 300, 400], shared=False))
    assert (counter.opened, counter.reused) == (4, 0)
    assert "opened=4" in repr(counter)


# --- sample_every -----------------------------------------------------------------------------


def test_sample_every_samples_during_the_block_and_leaves_no_task() -> None:
    counter = {"value": 0}

    async def main() -> Samples:
        async with sample_every(0.01, lambda: counter["value"]) as samples:
            for _ in range(5):
                counter["value"] += 1
                await asyncio.sleep(0.02)
        assert {task.get_name() for task in asyncio.all_tasks()} == {
            asyncio.current_task().get_name()
        }
        return samples

    samples = asyncio.run(main())
    assert len(samples.times) == len(samples.values) >= 5
    assert samples.values[0] == 0 and samples.values[-1] == 5
    assert samples.times == sorted(samples.times)
    assert samples.peak == 5


def test_sample_every_reraises_what_the_probe_raised() -> None:
    def probe() -> float:
        raise ZeroDivisionError("bad probe")

    async def main() -> None:
        async with sample_every(0.01, probe):
            await asyncio.sleep(0.03)

    with pytest.raises(ZeroDivisionError, match="bad probe"):
        asyncio.run(main())


def test_sample_every_lets_the_block_error_through() -> None:
    async def main() -> None:
        async with sample_every(0.01, lambda: 1.0):
            raise LookupError("from the block")

    with pytest.raises(LookupError, match="from the block"):
        asyncio.run(main())


def test_sample_every_needs_a_positive_interval() -> None:
    async def main() -> None:
        async with sample_every(0, lambda: 1.0):
            pass

    with pytest.raises(ValueError, match="positive"):
        asyncio.run(main())


def test_no_samples_has_no_peak() -> None:
    with pytest.raises(ValueError, match="no samples"):
        _ = Samples().peak
