"""The local AniList-compatible API (lib.anilist.server), served in-process by LocalAniList."""

from __future__ import annotations

import asyncio
import concurrent.futures
import os
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

import aiohttp
import pytest
import requests

from lib.anilist.__main__ import parse_args
from lib.anilist.catalogue import KNOWN_TITLES, MAX_MEDIA_ID
from lib.anilist.clients import MEDIA_QUERY
from lib.anilist.running import STOP_TIMEOUT, LocalAniList
from lib.anilist.server import ServerConfig, ServerState

REPO_ROOT = Path(__file__).resolve().parents[2]
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
    assert time.perf_counter() - begin < 0.5


def test_health_endpoint(server) -> None:
    with requests.Session() as session:
        response = session.get(server.url + "health", timeout=5)
    assert response.status_code == 200
    assert response.json() == {"status": "ok", "loop": "asyncio"}


# --- latency and jitter -------------------------------------------------------------------


def test_latency_is_honoured_for_each_request(make_server, query) -> None:
    server = make_server(latency=0.2)
    for media_id in (100, 7):
        begin = time.perf_counter()
        response = query(server.url, media_id)
        elapsed = time.perf_counter() - begin
        assert response.status_code == 200
        assert 0.2 <= elapsed < 0.35, elapsed


def test_zero_latency_server_is_fast(server, query) -> None:
    begin = time.perf_counter()
    for _ in range(5):
        assert query(server.url, 100).status_code == 200
    assert time.perf_counter() - begin < 0.5


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
    assert time.perf_counter() - begin < 0.5 < STOP_TIMEOUT
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
    assert time.perf_counter() - begin < 0.5
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


# --- stats --------------------------------------------------------------------------------


def test_stats_count_by_status_and_peak_in_flight(make_server, query) -> None:
    server = make_server(latency=0.2)
    start_together = threading.Barrier(5)

    def one(media_id: int) -> int:
        start_together.wait(timeout=5)
        return query(server.url, media_id).status_code

    with concurrent.futures.ThreadPoolExecutor(5) as pool:
        statuses = list(pool.map(one, [100, 200, 0, 300, -4]))

    assert statuses == [200, 200, 404, 200, 404]
    stats = server.stats()
    assert stats["requests"] == 5
    assert stats["by_status"] == {"200": 3, "404": 2}
    assert stats["in_flight"] == 0
    assert 2 <= stats["peak_in_flight"] <= 5


def test_sequential_requests_peak_at_one_in_flight(server, query) -> None:
    for media_id in (1, 2, 3):
        query(server.url, media_id)
    assert server.stats() == {
        "requests": 3,
        "by_status": {"200": 3},
        "in_flight": 0,
        "peak_in_flight": 1,
        "disconnected": 0,
    }


def test_reset_stats_starts_counting_afresh(server, query) -> None:
    query(server.url, 1)
    query(server.url, 0)
    server.reset_stats()
    assert server.stats() == {
        "requests": 0,
        "by_status": {},
        "in_flight": 0,
        "peak_in_flight": 0,
        "disconnected": 0,
    }
    query(server.url, 2)
    assert server.stats()["by_status"] == {"200": 1}


def test_stats_over_http(server, query) -> None:
    query(server.url, 1)
    with requests.Session() as session:
        assert session.get(server.url + "stats", timeout=5).json()["by_status"] == {"200": 1}
        assert session.delete(server.url + "stats", timeout=5).json()["requests"] == 0
    # Admin routes are not counted as API requests.
    assert server.stats()["requests"] == 0


def test_stats_before_start_raise() -> None:
    fresh = LocalAniList()
    with pytest.raises(RuntimeError):
        fresh.stats()
    with pytest.raises(RuntimeError):
        fresh.reset_stats()


# --- reconfigure --------------------------------------------------------------------------


def test_reconfigure_changes_knobs_live(server, query) -> None:
    assert query(server.url, 100).status_code == 200

    new = server.reconfigure(failure_rate=1.0)
    assert new.failure_rate == 1.0
    assert server.config == new
    assert query(server.url, 100).status_code == 500

    server.reconfigure(failure_rate=0.0, latency=0.2)
    begin = time.perf_counter()
    assert query(server.url, 100).status_code == 200
    assert time.perf_counter() - begin >= 0.2


def test_reconfigure_turns_on_a_rate_limit(server, query) -> None:
    server.reconfigure(rate_limit=1)
    assert query(server.url, 1).status_code == 200
    assert query(server.url, 1).status_code == 429
    server.reconfigure(rate_limit=None)
    assert query(server.url, 1).status_code == 200


@pytest.mark.parametrize(
    "changes",
    [
        {"failure_rate": 2.0},
        {"hang_rate": -0.1},
        {"latency": -1.0},
        {"rate_limit": 0},
        {"rate_window": 0},
    ],
)
def test_reconfigure_rejects_bad_values_and_keeps_the_old_config(server, query, changes) -> None:
    before = server.config
    with pytest.raises(ValueError):
        server.reconfigure(**changes)
    assert server.config == before
    assert query(server.url, 100).status_code == 200


def test_reconfigure_rejects_unknown_knobs(server) -> None:
    before = server.config
    with pytest.raises(TypeError):
        server.reconfigure(latancy=0.5)
    assert server.config == before


def test_reconfigure_before_start_raises() -> None:
    with pytest.raises(RuntimeError):
        LocalAniList().reconfigure(latency=0.1)


@pytest.mark.parametrize(
    ("body", "message_part"),
    [({"failure_rate": 5}, "failure_rate"), ({"nope": 1}, "nope"), ([1], "JSON object")],
)
def test_admin_config_endpoint_rejects_bad_changes(server, body, message_part) -> None:
    with requests.Session() as session:
        response = session.post(server.url + "admin/config", json=body, timeout=5)
    assert response.status_code == 400
    message = response.json()["errors"][0]["message"]
    assert message.startswith("Bad config")
    assert message_part in message


def test_admin_config_endpoint_applies_changes(server, query) -> None:
    with requests.Session() as session:
        response = session.post(server.url + "admin/config", json={"failure_rate": 1}, timeout=5)
    assert response.status_code == 200
    assert response.json()["failure_rate"] == 1
    assert query(server.url, 100).status_code == 500


# --- ServerConfig -------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("knobs", "name"),
    [
        ({"latency": -0.1}, "latency"),
        ({"jitter": -1}, "jitter"),
        ({"hang_seconds": -5}, "hang_seconds"),
        ({"failure_rate": -0.01}, "failure_rate"),
        ({"failure_rate": 1.01}, "failure_rate"),
        ({"hang_rate": 2}, "hang_rate"),
        ({"rate_limit": 0}, "rate_limit"),
        ({"rate_limit": -3}, "rate_limit"),
        ({"rate_window": 0}, "rate_window"),
        ({"rate_window": -1.0}, "rate_window"),
    ],
)
def test_server_config_rejects_bad_values(knobs, name) -> None:
    with pytest.raises(ValueError, match=name):
        ServerConfig(**knobs)


def test_server_config_accepts_edges() -> None:
    config = ServerConfig(latency=0, jitter=0, failure_rate=0, hang_rate=1, rate_limit=1)
    assert config.hang_rate == 1
    assert config.replace(failure_rate=1.0).failure_rate == 1.0
    assert config.failure_rate == 0, "replace must not change the original"


def test_server_config_replace_rejects_unknown_knob() -> None:
    with pytest.raises(TypeError):
        ServerConfig().replace(speed=3)


def test_local_anilist_rejects_bad_knobs_before_starting() -> None:
    with pytest.raises(ValueError):
        LocalAniList(latency=-1)
    with pytest.raises(TypeError):
        LocalAniList(ServerConfig(), latency=0.1)
    assert LocalAniList(ServerConfig(latency=0.05)).config.latency == 0.05


# --- sockets, threads and shutdown --------------------------------------------------------


def test_listens_on_loopback_only(server, net) -> None:
    listeners = net.listening(server.port)
    assert listeners, "no listening socket found for the server's port"
    assert {ip for _, ip, _ in listeners} == {"127.0.0.1"}
    assert server.url == f"http://127.0.0.1:{server.port}/"


def server_threads() -> int:
    return sum(1 for thread in threading.enumerate() if thread.name == "local-anilist")


def test_with_block_leaves_no_thread_and_no_socket(query, net) -> None:
    before = server_threads()
    with LocalAniList(latency=0.0) as server:
        assert server_threads() == before + 1
        port = server.port
        thread = server._thread
        assert thread is not None and thread.name == "local-anilist" and thread.is_alive()
        assert query(server.url, 100).status_code == 200

    assert not thread.is_alive()
    assert thread not in threading.enumerate()
    assert server_threads() == before
    assert net.refused(port)
    assert net.listening(port) == []
    assert server.port is None


def test_stop_is_safe_twice_and_before_start() -> None:
    never_started = LocalAniList()
    never_started.stop()
    server = LocalAniList().start()
    server.stop()
    server.stop()
    assert server.port is None


def test_url_before_start_and_after_stop_raises() -> None:
    server = LocalAniList()
    with pytest.raises(RuntimeError, match="not running"):
        _ = server.url
    assert "not running" in repr(server)
    with server:
        assert server.url in repr(server)
    with pytest.raises(RuntimeError):
        _ = server.url


def test_start_twice_raises(server) -> None:
    with pytest.raises(RuntimeError, match="already running"):
        server.start()


def test_server_can_be_restarted_after_stop(query) -> None:
    server = LocalAniList(latency=0.0)
    with server:
        first_port = server.port
        assert query(server.url, 100).status_code == 200
    with server:
        assert server.port is not None
        assert query(server.url, 100).status_code == 200
    assert first_port is not None


def test_aiohttp_client_gets_the_same_answer(server) -> None:
    async def fetch() -> tuple[int, dict]:
        async with (
            aiohttp.ClientSession() as session,
            session.post(server.url, json={"query": MEDIA_QUERY, "variables": {"id": 300}}) as r,
        ):
            return r.status, await r.json()

    status, payload = asyncio.run(fetch())
    assert status == 200
    assert payload == {"data": {"Media": {"id": 300, "title": KNOWN_TITLES[300]}}}


# --- command line -------------------------------------------------------------------------


def test_parse_args_reads_every_knob() -> None:
    config, port = parse_args(
        [
            "--port", "8080", "--latency", "0.5", "--jitter", "0.1", "--seed", "9",
            "--failure-rate", "0.25", "--hang-rate", "0.5", "--hang-seconds", "2",
            "--rate-limit", "90", "--rate-window", "30",
        ]
    )  # fmt: skip
    assert port == 8080
    assert config == ServerConfig(
        latency=0.5,
        jitter=0.1,
        seed=9,
        failure_rate=0.25,
        hang_rate=0.5,
        hang_seconds=2.0,
        rate_limit=90,
        rate_window=30.0,
    )


def test_parse_args_defaults() -> None:
    assert parse_args([]) == (ServerConfig(), 0)


@pytest.mark.parametrize(
    "argv",
    [
        ["--failure-rate", "2"],
        ["--hang-rate", "-0.5"],
        ["--port", "70000"],
        ["--port", "-1"],
        ["--latency", "-0.1"],
        ["--latency", "fast"],
        ["--rate-limit", "0"],
        ["--rate-window", "0"],
        ["--seed", "1.5"],
        ["--unknown-flag"],
    ],
)
def test_parse_args_rejects_bad_input(argv, capsys) -> None:
    with pytest.raises(SystemExit) as exit_info:
        parse_args(argv)
    assert exit_info.value.code == 2
    assert "error" in capsys.readouterr().err


@pytest.mark.skipif(sys.platform == "win32", reason="SIGTERM handling is POSIX-only")
def test_module_serves_and_exits_cleanly_on_sigterm(net) -> None:
    process = subprocess.Popen(
        [sys.executable, "-m", "lib.anilist", "--latency", "0"],
        cwd=REPO_ROOT,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        stdin=subprocess.DEVNULL,
        text=True,
        env={**os.environ, "PYTHONWARNINGS": "error"},
    )
    try:
        line = process.stdout.readline()
        assert line.startswith("serving on http://127.0.0.1:"), line
        port = int(line.rstrip().rstrip("/").rsplit(":", 1)[1])
        with requests.Session() as session:
            response = session.get(f"http://127.0.0.1:{port}/health", timeout=5)
        assert response.json() == {"status": "ok", "loop": "asyncio"}
        process.send_signal(signal.SIGTERM)
        assert process.wait(timeout=5) == 0, "SIGTERM should end the server cleanly"
        assert net.refused(port)
    finally:
        if process.poll() is None:
            process.kill()
            process.wait()
        process.stdout.close()
