"""lib.anilist.guards: AniList-shaped errors from aiohttp's own rejections, and the fd limit."""

from __future__ import annotations

import json
import subprocess
import sys
import textwrap
from pathlib import Path

import psutil
import pytest
import requests

from lib.anilist.running import ServerProcess

pytestmark = pytest.mark.timeout(60)
REPO_ROOT = Path(__file__).resolve().parents[2]
POSIX = sys.platform != "win32"


def anilist_error(response) -> str:
    """The message of an AniList-shaped error response; fails the test on any other shape."""
    assert response.headers["Content-Type"].startswith("application/json")
    body = response.json()
    assert body["data"] == {"Media": None}
    [error] = body["errors"]
    assert error["status"] == response.status_code
    assert isinstance(error["message"], str) and error["message"].strip()
    return error["message"]


# --- errors -------------------------------------------------------------------------------------


@pytest.mark.parametrize("method", ["GET", "PUT", "DELETE", "PATCH"])
def test_wrong_method_on_the_api_is_405_in_anilist_shape(server, method) -> None:
    response = requests.request(method, server.url, timeout=5)
    assert response.status_code == 405
    assert anilist_error(response) == "Method Not Allowed."
    assert "POST" in response.headers["Allow"]


def test_oversized_body_is_413_in_anilist_shape_and_counted_as_413(server, query) -> None:
    response = query(server.url, raw=b" " * (1024**2 + 1))
    assert response.status_code == 413
    assert "Maximum request body size" in anilist_error(response)
    assert server.stats()["by_status"] == {"413": 1}


def test_oversized_config_change_is_413(server, query) -> None:
    response = query(server.url + "admin/config", raw=b" " * (2 * 1024**2))
    assert response.status_code == 413
    assert anilist_error(response).startswith("Bad config: Maximum request body size")


def test_admin_routes_keep_aiohttps_plain_errors(server) -> None:
    response = requests.post(server.url + "health", timeout=5)
    assert response.status_code == 405
    assert response.headers["Content-Type"].startswith("text/plain")


# --- the limit on open files ----------------------------------------------------------------------

LIFT = textwrap.dedent(
    """
    import json, resource
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    resource.setrlimit(resource.RLIMIT_NOFILE, (min(256, soft), hard))
    from lib.plumbing.fdlimits import raise_open_file_limit
    before = resource.getrlimit(resource.RLIMIT_NOFILE)[0]
    limits = raise_open_file_limit({wanted})
    after = None if limits is None else limits.soft
    print(json.dumps([before, after, resource.getrlimit(resource.RLIMIT_NOFILE), hard]))
    """
)


def run_lift(wanted: int) -> tuple[int, int | None, list[int], int]:
    """Lower the soft limit to 256 in a fresh interpreter, then lift it towards ``wanted``."""
    result = subprocess.run(
        [sys.executable, "-c", LIFT.format(wanted=wanted)],
        cwd=REPO_ROOT,
        capture_output=True,
        text=True,
        timeout=30,
        check=True,
    )
    before, after, now, hard = json.loads(result.stdout)
    return before, after, now, hard


@pytest.mark.skipif(not POSIX, reason="Windows has no RLIMIT_NOFILE")
def test_lift_raises_the_soft_limit_towards_what_is_wanted() -> None:
    import resource

    before, after, now, hard = run_lift(4096)
    assert before == 256
    expected = 4096 if hard == resource.RLIM_INFINITY else min(4096, hard)
    assert after == now[0] == expected
    assert now[1] == hard, "the hard limit is never touched"


@pytest.mark.skipif(not POSIX, reason="Windows has no RLIMIT_NOFILE")
def test_lift_never_lowers_the_limit() -> None:
    before, after, now, _ = run_lift(100)
    assert before == after == now[0] == 256


@pytest.mark.skipif(
    sys.platform != "linux", reason="psutil reads another process's rlimit on Linux"
)
def test_server_process_lifts_its_own_limit() -> None:
    import resource

    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    if hard != resource.RLIM_INFINITY and hard <= 1024:
        pytest.skip("the hard limit leaves no room to lift")
    resource.setrlimit(resource.RLIMIT_NOFILE, (1024, hard))  # the child inherits 1,024
    try:
        with ServerProcess(latency=0.0) as server:
            child_soft, _ = psutil.Process(server.pid).rlimit(psutil.RLIMIT_NOFILE)
    finally:
        resource.setrlimit(resource.RLIMIT_NOFILE, (soft, hard))
    assert child_soft > 1024
