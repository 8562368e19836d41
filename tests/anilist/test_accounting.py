"""tests.plugins.accounting: every request ends as a success or a counted failure."""

from __future__ import annotations

import pickle
from concurrent.futures import Future

import aiohttp
import pytest
import requests

from lib.anilist.clients import ApiError
from tests.plugins.accounting import (
    CONNECTION_ERROR,
    OK,
    TIMEOUT,
    Ledger,
    RequestsUnaccounted,
    fetch_outcome,
    outcome_of,
)

pytestmark = pytest.mark.timeout(60)


@pytest.mark.parametrize(
    ("result", "outcome"),
    [
        ({"id": 1}, OK),
        (None, OK),
        (ApiError(500, "Internal Server Error."), "HTTP 500"),
        (ApiError(429, "Too Many Requests.", 3.0), "HTTP 429"),
        (requests.ReadTimeout("slow"), TIMEOUT),
        (requests.ConnectTimeout("slow"), TIMEOUT),
        (TimeoutError(), TIMEOUT),
        (aiohttp.ServerTimeoutError(), TIMEOUT),
        (requests.ConnectionError("refused"), CONNECTION_ERROR),
        (aiohttp.ClientConnectionError("refused"), CONNECTION_ERROR),
        (ValueError("bug"), "ValueError"),
    ],
)
def test_outcome_of_names_each_kind(result, outcome) -> None:
    assert outcome_of(result) == outcome


def test_ledger_counts_and_checks() -> None:
    ledger = Ledger().add_all([{"id": 1}, {"id": 2}, ApiError(500, "x"), TimeoutError()])
    assert (ledger.total, ledger.ok, ledger.failed) == (4, 2, 2)
    assert ledger.counts == {OK: 2, "HTTP 500": 1, TIMEOUT: 1}
    assert ledger.check(4) is ledger
    assert str(ledger) == "4 accounted for (1 HTTP 500, 2 ok, 1 timeout)"


@pytest.mark.parametrize("sent", [3, 5])
def test_ledger_check_fails_when_requests_are_lost_or_double_counted(sent) -> None:
    ledger = Ledger([OK, OK, TIMEOUT, "HTTP 429"])
    with pytest.raises(RequestsUnaccounted, match=f"{sent} requests sent"):
        ledger.check(sent)


def test_http_statuses_match_the_server_stats_keys() -> None:
    ledger = Ledger([OK, OK, "HTTP 429", "HTTP 500", TIMEOUT, "ValueError"])
    assert ledger.http_statuses() == {"200": 2, "429": 1, "500": 1}
    assert Ledger().http_statuses() == {}


def test_add_futures_records_results_and_exceptions() -> None:
    done, failed = Future(), Future()
    done.set_result({"id": 1})
    failed.set_exception(ApiError(404, "Not Found."))
    ledger = Ledger().add_futures([done, failed])
    assert ledger.counts == {OK: 1, "HTTP 404": 1}


def test_add_futures_is_bounded() -> None:
    with pytest.raises(TimeoutError):
        Ledger().add_futures([Future()], timeout=0.01)


def test_fetch_outcome_names_success_and_failures(make_server) -> None:
    server = make_server()
    assert fetch_outcome(server.url, 100, 5.0) == OK
    assert fetch_outcome(server.url, 0, 5.0) == "HTTP 404"
    failing = make_server(failure_rate=1.0)
    assert fetch_outcome(failing.url, 100, 5.0) == "HTTP 500"


def test_fetch_outcome_times_out_and_fails_to_connect(make_server, net) -> None:
    slow = make_server(latency=0.5)
    assert fetch_outcome(slow.url, 100, 0.1) == TIMEOUT
    assert fetch_outcome(f"http://127.0.0.1:{net.free_port()}/", 100, 1.0) == CONNECTION_ERROR


def test_fetch_outcome_raises_on_a_bad_id(server) -> None:
    with pytest.raises(TypeError):
        fetch_outcome(server.url, "100", 5.0)  # type: ignore[arg-type]


def test_fetch_outcome_pickles_by_name() -> None:
    assert pickle.loads(pickle.dumps(fetch_outcome)) is fetch_outcome
