"""The local AniList-compatible API (lib.anilist.server), served in-process by LocalAniList:
what a request gets back, and when (answers, latency and jitter, failures and hangs, the rate
limit). Its stats and knobs are in test_server_config.py, its sockets, threads and command line
in test_server_lifecycle.py."""

from __future__ import annotations

import concurrent.futures
import threading
import time

import pytest
import requests

from lib.anilist.catalogue import KNOWN_TITLES, MAX_MEDIA_ID
from lib.anilist.clients import MEDIA_QUERY
from lib.anilist.running import STOP_TIMEOUT, LocalAniList
from lib.anilist.server import ServerConfig, ServerState

NOT_FOUND = {"errors": [{"message": "Not Found.", "status": 404}], "data": {"Media": None}}


# --- answers -------------------------------------------------------------------------------


def test_exactly_six_known_titles_are_served() -> None:
    assert sorted(KNOWN_TITLES) == [100, 200, 300, 400, 600, 853]


@pytest.mark.parametrize("media_id", sorted(KNOWN_TITLES))
def test_known_title_comes_back_in_anilist_shape(server, query, media_id) -> None:
    response = query(server.url, media_id)

    assert response.status_code == 200
    assert response.headers["Content-Type"].startswith("application/json")
    assert response.json() == {"data": {"Media": {"id": media_id, "title": KNOWN_TITLES[media_id]}}}
    assert set(response.json()["data"]["Media"]["title"]) == {"romaji", "english", "native"}


def test_known_title_values_are_the_real_ones(server, query) -> None:
    title = query(server.url, 853).json()["data"]["Media"]["title"]
    assert title == {
        "romaji": "Ouran Koukou Host Club",
        "english": "Ouran High School Host Club",
        "native": "桜蘭高校ホスト部",
    }
    assert query(server.url, 200).json()["data"]["Media"]["title"]["english"] is None


@pytest.mark.parametrize("media_id", [1, 101, 854, MAX_MEDIA_ID])
def test_other_ids_get_a_plainly_synthetic_title(server, query, media_id) -> None:
    response = query(server.url, media_id)

    assert response.status_code == 200
    assert response.json() == {
        "data": {
            "Media": {
                "id": media_id,
                "title": {"romaji": f"Synthetic Title {media_id}", "english": None, "native": None},
            }
        }
    }


@pytest.mark.parametrize("media_id", [0, -1, MAX_MEDIA_ID + 1, 10**12])
def test_unknown_id_is_404_in_anilist_shape(server, query, media_id) -> None:
    response = query(server.url, media_id)

    assert response.status_code == 404
    assert response.json() == NOT_FOUND


@pytest.mark.parametrize(
    ("request_kwargs", "message_part"),
    [
        ({"raw": b'{"query": "x", '}, "not valid JSON"),
        ({"raw": b""}, "not valid JSON"),
        ({"body": [1, 2, 3]}, "JSON object"),
        ({"body": "just a string"}, "JSON object"),
        ({"body": {"variables": {"id": 1}}}, '"query"'),
        ({"body": {"query": "   ", "variables": {"id": 1}}}, '"query"'),
        ({"body": {"query": 42, "variables": {"id": 1}}}, '"query"'),
        ({"body": {"query": MEDIA_QUERY}}, '"$id"'),
        ({"body": {"query": MEDIA_QUERY, "variables": {}}}, '"$id"'),
        ({"body": {"query": MEDIA_QUERY, "variables": [1]}}, '"$id"'),
        ({"body": {"query": MEDIA_QUERY, "variables": {"id": "100"}}}, '"100"'),
        ({"body": {"query": MEDIA_QUERY, "variables": {"id": True}}}, "true"),
        ({"body": {"query": MEDIA_QUERY, "variables": {"id": 1.5}}}, "1.5"),
        ({"body": {"query": MEDIA_QUERY, "variables": {"id": None}}}, "null"),
    ],
    ids=[
        "malformed-json",
        "empty-body",
        "array-body",
        "string-body",
        "missing-query",
        "blank-query",
        "non-string-query",
        "missing-variables",
        "missing-id",
        "variables-not-object",
        "string-id",
        "boolean-id",
        "float-id",
        "null-id",
    ],
)
def test_bad_request_is_400_with_a_message(server, query, request_kwargs, message_part) -> None:
    response = query(server.url, **request_kwargs)

    assert response.status_code == 400
    payload = response.json()
    assert payload["data"] == {"Media": None}
    [error] = payload["errors"]
    assert error["status"] == 400
    assert message_part in error["message"]


def test_bad_requests_are_answered_without_waiting_for_latency(make_server, query) -> None:
    server = make_server(latency=1.0)
    begin = time.perf_counter()
    response = query(server.url, body={"query": MEDIA_QUERY, "variables": {"id": "1"}})
    assert response.status_code == 400
    assert time.perf_counter() - begin < 0.8, "a bad request waited for the 1 s latency"


def test_health_endpoint(server) -> None:
    with requests.Session() as session:
        response = session.get(server.url + "health", timeout=5)
    assert response.status_code == 200
    assert response.json() == {"status": "ok", "loop": "asyncio"}


# --- latency and jitter -------------------------------------------------------------------


def test_latency_is_honoured_for_each_request(make_server, query) -> None:
    server = make_server(latency=0.2)
    times = []
    for media_id in (100, 7, 100):
        begin = time.perf_counter()
        response = query(server.url, media_id)
        times.append(time.perf_counter() - begin)
        assert response.status_code == 200
    # Every request waits its 0.2 s; a busy machine only adds, so the quickest one tells
    # whether the server waited once (about 0.2 s) or more.
    assert min(times) >= 0.2 and min(times) < 0.35, times


def test_zero_latency_server_is_fast(server, query) -> None:
    times = []
    for _ in range(5):
        begin = time.perf_counter()
        assert query(server.url, 100).status_code == 200
        times.append(time.perf_counter() - begin)
    assert min(times) < 0.09, f"below the smallest latency a chapter sets (0.1 s): {times}"


def _delays(server: LocalAniList, count: int) -> list[float]:
    """Time ``count`` sequential requests on one kept-alive connection."""
    delays = []
    with requests.Session() as session:
        for media_id in range(1, count + 1):
            begin = time.perf_counter()
            response = session.post(
                server.url, json={"query": MEDIA_QUERY, "variables": {"id": media_id}}, timeout=5
            )
            delays.append(time.perf_counter() - begin)
            assert response.status_code == 200
    return delays


def test_seeded_jitter_replays_the_same_delays(make_server) -> None:
    """Two servers with one seed delay their requests alike; another seed delays differently.

    A busy machine only ever adds to a measured delay, and can add 0.1 s to one request, so
    the comparison gets three tries on fresh servers. Unseeded or shared random numbers would
    still fail all three: five draws from 0.2 s of jitter never agree to 0.04 s by chance.
    """
    knobs = {"latency": 0.1, "jitter": 0.1}
    tries = []
    for _ in range(3):
        servers = [make_server(seed=seed, **knobs) for seed in (1, 1, 2)]
        with concurrent.futures.ThreadPoolExecutor(len(servers)) as pool:
            first, again, other = pool.map(lambda s: _delays(s, 5), servers)
        tries.append((first, again, other))
        if all(abs(a - b) < 0.04 for a, b in zip(first, again, strict=True)):
            break
    else:
        raise AssertionError(f"one seed gave different delays in every try: {tries}")

    assert max(first) - min(first) > 0.08, "jitter did not spread the delays"
    assert max(abs(a - b) for a, b in zip(first, other, strict=True)) > 0.08, (first, other)
    assert min(first + again + other) < 0.2, "every delay was longer than latency + jitter"


def test_jitter_never_makes_a_negative_delay(make_server, query) -> None:
    server = make_server(latency=0.0, jitter=0.05, seed=3)
    for media_id in range(1, 6):
        assert query(server.url, media_id).status_code == 200


def test_reconfigure_restarts_the_random_stream() -> None:
    state = ServerState(ServerConfig(jitter=0.1, seed=5))
    draws = [state.rng.random() for _ in range(3)]
    state.apply(state.config.replace(latency=0.3))
    assert [state.rng.random() for _ in range(3)] == draws
    state.apply(state.config.replace(seed=6))
    assert [state.rng.random() for _ in range(3)] != draws


# --- failures and hangs -------------------------------------------------------------------


def test_failure_rate_one_gives_500_in_anilist_shape(make_server, query) -> None:
    server = make_server(failure_rate=1.0)
    for media_id in (100, 5):
        response = query(server.url, media_id)
        assert response.status_code == 500
        assert response.json() == {
            "errors": [{"message": "Internal Server Error.", "status": 500}],
            "data": {"Media": None},
        }
    assert server.stats()["by_status"] == {"500": 2}


def test_failure_rate_half_fails_some_but_not_all(make_server, query) -> None:
    server = make_server(failure_rate=0.5, seed=0)
    statuses = [query(server.url, 100).status_code for _ in range(20)]
    assert set(statuses) == {200, 500}


def test_hang_times_out_client_and_server_still_stops_promptly(make_server, query) -> None:
    server = make_server(hang_rate=1.0)
    begin = time.perf_counter()
    with pytest.raises(requests.Timeout):
        query(server.url, 100, timeout=0.2)
    assert time.perf_counter() - begin < 1.5

    assert server.stats()["in_flight"] == 1, "the hung request should still be in flight"
    thread = server._thread
    begin = time.perf_counter()
    server.stop()
    # Releasing the hang takes milliseconds; without it, shutdown would wait a whole second.
    assert time.perf_counter() - begin < 0.9 < STOP_TIMEOUT
    assert thread is not None and not thread.is_alive()
    assert server.stats()["in_flight"] == 0


def test_stop_releases_a_client_still_waiting_on_a_hang(make_server) -> None:
    server = make_server(hang_rate=1.0)
    outcome: list[object] = []

    def wait_on_hang() -> None:
        try:
            with requests.Session() as session:
                outcome.append(
                    session.post(
                        server.url, json={"query": "q", "variables": {"id": 1}}, timeout=8.0
                    ).status_code
                )
        except requests.RequestException as exc:
            outcome.append(exc)

    client = threading.Thread(target=wait_on_hang)
    client.start()
    deadline = time.monotonic() + 2.0
    while server.stats()["in_flight"] == 0 and time.monotonic() < deadline:
        time.sleep(0.01)
    assert server.stats()["in_flight"] == 1

    begin = time.perf_counter()
    server.stop()
    client.join(5.0)
    assert time.perf_counter() - begin < 0.9, "stop waited for the hang instead of releasing it"
    assert not client.is_alive()
    assert len(outcome) == 1


# --- rate limit ---------------------------------------------------------------------------


def test_rate_limit_counts_down_then_429_then_recovers(make_server, query) -> None:
    server = make_server(rate_limit=3, rate_window=1.0)

    remaining = []
    for media_id in (100, 200, 300):
        response = query(server.url, media_id)
        assert response.status_code == 200
        assert response.headers["X-RateLimit-Limit"] == "3"
        remaining.append(response.headers["X-RateLimit-Remaining"])
    assert remaining == ["2", "1", "0"]

    limited = query(server.url, 400)
    assert limited.status_code == 429
    assert limited.json() == {
        "errors": [{"message": "Too Many Requests.", "status": 429}],
        "data": {"Media": None},
    }
    retry_after = int(limited.headers["Retry-After"])
    assert 1 <= retry_after <= 1  # the window is 1 s, rounded up to whole seconds
    assert limited.headers["X-RateLimit-Limit"] == "3"
    assert limited.headers["X-RateLimit-Remaining"] == "0"

    time.sleep(retry_after)
    recovered = query(server.url, 400)
    assert recovered.status_code == 200
    assert recovered.headers["X-RateLimit-Remaining"] == "2"
    assert server.stats()["by_status"] == {"200": 4, "429": 1}


def test_no_rate_limit_headers_without_a_limit(server, query) -> None:
    response = query(server.url, 100)
    assert "X-RateLimit-Limit" not in response.headers
    assert "Retry-After" not in response.headers


def test_rate_limit_applies_to_bad_requests_too(make_server, query) -> None:
    server = make_server(rate_limit=1, rate_window=60.0)
    assert query(server.url, raw=b"{oops").status_code == 400
    assert query(server.url, 100).status_code == 429
