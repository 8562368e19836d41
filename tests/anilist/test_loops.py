"""The local server on either event loop: asyncio's own, or uvloop where it installs."""

from __future__ import annotations

import pytest
import requests

from lib.anilist.__main__ import options, parse_command_line
from lib.anilist.running import LocalAniList, ServerProcess
from lib.anilist.server import ServerConfig
from lib.plumbing import event_loops

LOOPS = [
    pytest.param(
        name,
        marks=pytest.mark.skipif(
            name not in event_loops.available_loops(), reason="uvloop is not installed here"
        ),
    )
    for name in event_loops.LOOP_NAMES
]


def _health(url: str) -> dict[str, str]:
    with requests.Session() as session:
        answer: dict[str, str] = session.get(url + "health", timeout=5).json()
    return answer


@pytest.mark.parametrize("loop", LOOPS)
def test_thread_server_runs_on_the_loop_it_is_given(loop: str, query) -> None:
    with LocalAniList(latency=0.0, loop=loop) as server:
        assert _health(server.url) == {"status": "ok", "loop": loop}
        assert query(server.url, 600).status_code == 200
        assert server.loop == loop


@pytest.mark.parametrize("loop", LOOPS)
def test_process_server_runs_on_the_loop_it_is_given(loop: str, query) -> None:
    with ServerProcess(latency=0.0, loop=loop) as server:
        assert _health(server.url) == {"status": "ok", "loop": loop}
        assert query(server.url, 600).status_code == 200
        assert server.stats()["by_status"] == {"200": 1}


def test_the_default_loop_is_asyncios_own(query) -> None:
    with LocalAniList(latency=0.0) as server:
        assert _health(server.url)["loop"] == "asyncio"
    assert parse_command_line([]).loop == "asyncio"
    assert ServerProcess().loop == "asyncio"


def refused_everywhere(loop: str, error: type[Exception], message: str, capsys) -> str:
    """Check that both servers raise ``error`` matching ``message`` for ``loop``, before they
    start, and that the command line exits with status 2; return what it printed."""
    for server in (LocalAniList, ServerProcess):
        with pytest.raises(error, match=message):
            server(loop=loop)
    with pytest.raises(SystemExit) as exit_info:
        parse_command_line(["--loop", loop])
    assert exit_info.value.code == 2
    return capsys.readouterr().err


def test_an_unknown_loop_is_refused_before_anything_starts(capsys) -> None:
    said = refused_everywhere("tokio", ValueError, "loop must be one of asyncio, uvloop", capsys)
    assert "--loop" in said


def test_a_missing_uvloop_is_a_clear_error(monkeypatch, capsys) -> None:
    monkeypatch.setattr(event_loops, "has_uvloop", lambda: False)
    said = refused_everywhere("uvloop", ModuleNotFoundError, "uvloop is not installed", capsys)
    assert "uvloop is not installed" in said


def test_the_command_line_round_trips_the_loop() -> None:
    argv = options(ServerConfig(latency=0.0), loop="uvloop")
    if "uvloop" in event_loops.available_loops():
        assert parse_command_line(argv).loop == "uvloop"
    assert argv[argv.index("--loop") + 1] == "uvloop"
