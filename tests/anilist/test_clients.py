"""The blocking and async AniList clients (lib.anilist.clients), against the local server only."""

from __future__ import annotations

import asyncio
import math
import time

import aiohttp
import pytest
import requests

from lib.anilist.catalogue import KNOWN_TITLES
from lib.anilist.clients import (
    REAL_ANILIST_URL,
    REAL_API_SWITCH,
    AniListClient,
    ApiError,
    AsyncAniListClient,
    api_url,
    media_from,
    request_body,
)


def fetch_async(url: str, *media_ids: int, **client_kwargs) -> list[dict]:
    """Fetch ``media_ids`` concurrently with one AsyncAniListClient."""

    async def run() -> list[dict]:
        async with AsyncAniListClient(url, **client_kwargs) as client:
            return list(await asyncio.gather(*(client.fetch_media(i) for i in media_ids)))

    return asyncio.run(run())


def async_error(url: str, media_id: int, **client_kwargs) -> BaseException:
    """The exception one async fetch raises."""

    async def run() -> None:
        async with AsyncAniListClient(url, **client_kwargs) as client:
            await client.fetch_media(media_id)

    with pytest.raises(Exception) as info:
        asyncio.run(run())
    return info.value


# --- success ------------------------------------------------------------------------------


def test_sync_client_fetches_a_known_title(server) -> None:
    with AniListClient(server.url) as client:
        assert client.fetch_media(853) == {"id": 853, "title": KNOWN_TITLES[853]}
        assert client.fetch_media(7)["title"]["romaji"] == "Synthetic Title 7"


def test_sync_client_without_connection_reuse_also_works(server) -> None:
    with AniListClient(server.url, reuse_connections=False) as client:
        assert client.fetch_media(100) == {"id": 100, "title": KNOWN_TITLES[100]}


def test_async_client_fetches_known_titles(server) -> None:
    results = fetch_async(server.url, 100, 853, 5)
    assert results == [
        {"id": 100, "title": KNOWN_TITLES[100]},
        {"id": 853, "title": KNOWN_TITLES[853]},
        {"id": 5, "title": {"romaji": "Synthetic Title 5", "english": None, "native": None}},
    ]


def test_async_client_runs_requests_concurrently(make_server) -> None:
    server = make_server(latency=0.1)
    begin = time.perf_counter()
    results = fetch_async(server.url, *range(1, 11))
    elapsed = time.perf_counter() - begin
    assert [media["id"] for media in results] == list(range(1, 11))
    assert elapsed < 0.8, "ten 0.1 s requests at once should take about 0.1 s, not 1 s"
    assert server.stats()["peak_in_flight"] >= 5


def test_async_client_max_connections_limits_concurrency(make_server) -> None:
    server = make_server(latency=0.05)
    begin = time.perf_counter()
    fetch_async(server.url, *range(1, 9), max_connections=2)
    elapsed = time.perf_counter() - begin
    assert elapsed >= 4 * 0.05, "8 requests over 2 connections need 4 rounds"
    assert server.stats()["peak_in_flight"] <= 2


# --- error responses ----------------------------------------------------------------------


def test_sync_client_raises_api_error_for_404(server) -> None:
    with AniListClient(server.url) as client, pytest.raises(ApiError) as info:
        client.fetch_media(0)
    assert info.value.status == 404
    assert info.value.message == "Not Found."
    assert info.value.retry_after is None
    assert str(info.value) == "HTTP 404: Not Found."


def test_async_client_raises_api_error_for_404(server) -> None:
    error = async_error(server.url, 100_000)
    assert isinstance(error, ApiError)
    assert (error.status, error.message, error.retry_after) == (404, "Not Found.", None)


def test_sync_client_raises_api_error_for_429_with_retry_after(make_server) -> None:
    server = make_server(rate_limit=1, rate_window=60.0)
    with AniListClient(server.url) as client:
        client.fetch_media(100)
        with pytest.raises(ApiError) as info:
            client.fetch_media(100)
    assert info.value.status == 429
    assert info.value.message == "Too Many Requests."
    assert isinstance(info.value.retry_after, float)
    assert 1.0 <= info.value.retry_after <= 60.0


def test_async_client_raises_api_error_for_429_with_retry_after(make_server) -> None:
    server = make_server(rate_limit=1, rate_window=60.0)
    fetch_async(server.url, 100)
    error = async_error(server.url, 100)
    assert isinstance(error, ApiError)
    assert error.status == 429
    assert isinstance(error.retry_after, float)
    assert 1.0 <= error.retry_after <= 60.0


def test_sync_client_raises_api_error_for_500(make_server) -> None:
    server = make_server(failure_rate=1.0)
    with AniListClient(server.url) as client, pytest.raises(ApiError) as info:
        client.fetch_media(100)
    assert (info.value.status, info.value.message) == (500, "Internal Server Error.")


def test_async_client_raises_api_error_for_500(make_server) -> None:
    server = make_server(failure_rate=1.0)
    error = async_error(server.url, 100)
    assert isinstance(error, ApiError)
    assert (error.status, error.message) == (500, "Internal Server Error.")


def test_both_clients_turn_a_non_json_error_into_api_error(server) -> None:
    not_the_api = server.url + "health"  # answers POST with a plain-text 405
    with AniListClient(not_the_api) as client, pytest.raises(ApiError) as info:
        client.fetch_media(1)
    assert (info.value.status, info.value.message) == (405, "unexpected response")
    error = async_error(not_the_api, 1)
    assert isinstance(error, ApiError)
    assert (error.status, error.message) == (405, "unexpected response")


def test_media_from_reads_payloads_and_headers() -> None:
    media = {"id": 1, "title": {"romaji": "x", "english": None, "native": None}}
    assert media_from(200, {"data": {"Media": media}}, None) == media
    with pytest.raises(ApiError, match="unexpected response"):
        media_from(200, {"data": {"Media": None}}, None)
    with pytest.raises(ApiError, match="unexpected response"):
        media_from(200, None, None)
    with pytest.raises(ApiError) as info:
        media_from(429, {"errors": [{"message": "Too Many Requests."}]}, "5")
    assert info.value.retry_after == 5.0
    with pytest.raises(ApiError) as info:
        media_from(429, {"errors": [{"message": "Too Many Requests."}]}, "soon")
    assert info.value.retry_after is None


def test_request_body_asks_for_id_title_fields() -> None:
    body = request_body(42)
    assert body["variables"] == {"id": 42}
    for field in ("Media(id: $id", "romaji", "english", "native"):
        assert field in body["query"]


# --- timeouts and connection failures -----------------------------------------------------


def test_sync_client_times_out_on_a_hang(make_server) -> None:
    server = make_server(hang_rate=1.0)
    begin = time.perf_counter()
    with AniListClient(server.url, timeout=0.3) as client, pytest.raises(requests.Timeout):
        client.fetch_media(100)
    assert 0.3 <= time.perf_counter() - begin < 2.0


def test_async_client_times_out_on_a_hang(make_server) -> None:
    server = make_server(hang_rate=1.0)
    begin = time.perf_counter()
    error = async_error(server.url, 100, timeout=0.3)
    assert isinstance(error, TimeoutError)
    assert 0.3 <= time.perf_counter() - begin < 2.0


def test_clients_raise_connection_errors_when_nothing_listens(net) -> None:
    url = f"http://127.0.0.1:{net.free_port()}/"
    with AniListClient(url, timeout=2.0) as client, pytest.raises(requests.ConnectionError):
        client.fetch_media(1)
    assert isinstance(async_error(url, 1, timeout=2.0), aiohttp.ClientConnectionError)


@pytest.mark.parametrize("timeout", [0, -1, -0.5, math.nan])
def test_clients_reject_non_positive_timeouts(timeout) -> None:
    with pytest.raises(ValueError, match="timeout"):
        AniListClient("http://127.0.0.1:1/", timeout=timeout)
    with pytest.raises(ValueError, match="timeout"):
        AsyncAniListClient("http://127.0.0.1:1/", timeout=timeout)


def test_async_client_rejects_negative_max_connections() -> None:
    with pytest.raises(ValueError, match="max_connections"):
        AsyncAniListClient("http://127.0.0.1:1/", max_connections=-1)


@pytest.mark.parametrize("media_id", ["100", 100.0, True, None])
def test_clients_reject_non_int_media_ids(server, media_id) -> None:
    with AniListClient(server.url) as client, pytest.raises(TypeError, match="media_id"):
        client.fetch_media(media_id)
    assert isinstance(async_error(server.url, media_id), TypeError)
    assert server.stats()["requests"] == 0, "nothing should have been sent"


# --- async client lifecycle ---------------------------------------------------------------


def test_async_client_outside_async_with_raises(server) -> None:
    client = AsyncAniListClient(server.url)
    with pytest.raises(RuntimeError, match="async with"):
        asyncio.run(client.fetch_media(100))

    async def after_exit() -> None:
        async with client:
            await client.fetch_media(100)
        await client.fetch_media(100)

    with pytest.raises(RuntimeError, match="async with"):
        asyncio.run(after_exit())


def test_async_client_reuses_one_session_and_connection(server, net) -> None:
    async def run() -> None:
        async with AsyncAniListClient(server.url) as client:
            session = client._session
            assert session is not None
            for media_id in range(1, 6):
                await client.fetch_media(media_id)
                assert client._session is session
            # Five sequential requests went over one kept-alive connection.
            assert len(net.clients_to(server.port)) == 1
        assert session.closed
        assert client._session is None

    asyncio.run(run())
    assert server.stats()["requests"] == 5
    assert net.clients_to(server.port) == []


def test_sync_client_reuses_its_connection_only_when_asked(server, net) -> None:
    with AniListClient(server.url) as client:
        for media_id in range(1, 4):
            client.fetch_media(media_id)
        assert len(net.clients_to(server.port)) == 1
    assert net.clients_to(server.port) == []

    with AniListClient(server.url, reuse_connections=False) as client:
        for media_id in range(1, 4):
            client.fetch_media(media_id)
        assert net.clients_to(server.port) == []


# --- real-API switch ----------------------------------------------------------------------


def test_api_url_is_local_by_default(monkeypatch) -> None:
    monkeypatch.delenv(REAL_API_SWITCH, raising=False)
    assert api_url("http://127.0.0.1:1234/") == "http://127.0.0.1:1234/"


@pytest.mark.parametrize("value", ["0", "", "true", "yes"])
def test_api_url_needs_exactly_1_to_switch(monkeypatch, value) -> None:
    monkeypatch.setenv(REAL_API_SWITCH, value)
    assert api_url("http://127.0.0.1:1234/") == "http://127.0.0.1:1234/"


def test_api_url_switches_to_the_real_api_on_opt_in(monkeypatch) -> None:
    monkeypatch.setenv("BOOK_REAL_ANILIST", "1")
    assert api_url("http://127.0.0.1:1234/") == REAL_ANILIST_URL == "https://graphql.anilist.co"
