"""The local API's stats and knobs: what LocalAniList counts, reconfiguring it live (in Python
and over HTTP), and the checks ServerConfig makes on every knob."""

from __future__ import annotations

import concurrent.futures
import threading
import time

import pytest
import requests

from lib.anilist.running import LocalAniList
from lib.anilist.server import ServerConfig

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
