"""lib.plumbing.event_loops: both loops run a coroutine; bad names and a missing uvloop say so."""

from __future__ import annotations

import asyncio

import pytest

from lib.plumbing import event_loops


async def _loop_type() -> str:
    await asyncio.sleep(0)
    return type(asyncio.get_running_loop()).__module__


def test_default_loop_is_asyncio_own() -> None:
    assert event_loops.run(_loop_type(), "asyncio").startswith("asyncio")


@pytest.mark.skipif(not event_loops.has_uvloop(), reason="uvloop is not installed here")
def test_uvloop_runs_the_same_coroutine() -> None:
    assert event_loops.run(_loop_type(), "uvloop").startswith("uvloop")
    assert event_loops.available_loops() == ("asyncio", "uvloop")


def test_unknown_loop_is_refused_and_the_coroutine_closed() -> None:
    coroutine = _loop_type()
    with pytest.raises(ValueError, match="loop must be one of"):
        event_loops.run(coroutine, "trio")
    assert coroutine.cr_frame is None  # closed, so no "never awaited" warning


def test_missing_uvloop_is_a_clear_error(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(event_loops, "has_uvloop", lambda: False)
    assert event_loops.available_loops() == ("asyncio",)
    with pytest.raises(ModuleNotFoundError, match="no Windows build"):
        event_loops.loop_factory("uvloop")


def test_refuse_running_loop_names_the_caller_only_inside_a_loop() -> None:
    event_loops.refuse_running_loop("outside()")  # no loop runs here: nothing raised

    async def inside() -> None:
        event_loops.refuse_running_loop("sweep()")

    with pytest.raises(RuntimeError, match=r"^sweep\(\) runs its own event loop: .* of its own$"):
        asyncio.run(inside())
