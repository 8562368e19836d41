"""One blocking fetch that threads, processes and asyncio can share (lib.demos.blocking_fetch)."""

from __future__ import annotations

import asyncio
import pickle
import time
from concurrent.futures import ThreadPoolExecutor

import pytest
import requests

from lib.anilist.clients import ApiError
from lib.demos.blocking_fetch import fetch_one


def test_fetch_one_returns_the_media(server) -> None:
    media = fetch_one(server.url, 853, timeout=5.0)
    assert media["id"] == 853
    assert media["title"]["english"] == "Ouran High School Host Club"


def test_fetch_one_closes_its_connection(server, net) -> None:
    fetch_one(server.url, 100, timeout=5.0)
    assert net.clients_to(server.port) == []


def test_fetch_one_is_safe_from_many_threads(server) -> None:
    ids = list(range(1, 21))
    with ThreadPoolExecutor(max_workers=8) as pool:
        media = list(pool.map(lambda i: fetch_one(server.url, i, 5.0), ids))
    assert [m["id"] for m in media] == ids
    assert server.stats()["by_status"] == {"200": len(ids)}


def test_fetch_one_runs_from_an_event_loop_through_a_thread(server) -> None:
    async def main() -> list[int]:
        loop = asyncio.get_running_loop()
        with ThreadPoolExecutor(max_workers=4) as pool:
            futures = [loop.run_in_executor(pool, fetch_one, server.url, i, 5.0) for i in (1, 2)]
            return [m["id"] for m in await asyncio.gather(*futures)]

    assert asyncio.run(main()) == [1, 2]


def test_fetch_one_pickles_by_name_for_process_pools() -> None:
    assert pickle.loads(pickle.dumps(fetch_one)) is fetch_one


def test_fetch_one_raises_api_errors(server) -> None:
    with pytest.raises(ApiError) as caught:
        fetch_one(server.url, 0, timeout=5.0)
    assert caught.value.status == 404


def test_fetch_one_bounds_the_wait(make_server) -> None:
    slow = make_server(latency=0.6)
    with pytest.raises(requests.Timeout):
        fetch_one(slow.url, 1, timeout=0.1)
    # let the server finish the abandoned request, so stopping it cancels nothing
    deadline = time.monotonic() + 5.0
    while slow.stats()["in_flight"] and time.monotonic() < deadline:
        time.sleep(0.05)


@pytest.mark.parametrize(("args", "error"), [((1.5,), TypeError), ((1, 0.0), ValueError)])
def test_fetch_one_checks_its_arguments(server, args, error) -> None:
    with pytest.raises(error):
        fetch_one(server.url, *args)
