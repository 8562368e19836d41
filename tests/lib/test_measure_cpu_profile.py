"""lib.measure.cpu_profile: a profile's own time, by part of the program, in order."""

from __future__ import annotations

import cProfile
import json
import os
import pstats

import pytest

from lib.measure.cpu_profile import LIB_FOLDER, PARTS, format_shares, part_of, where_time_goes


@pytest.mark.parametrize(
    ("filename", "function", "part"),
    [
        ("/usr/lib/python3.14/asyncio/base_events.py", "_run_once", "the event loop"),
        ("C:\\Python311\\Lib\\asyncio\\runners.py", "run", "the event loop"),
        ("/usr/lib/python3.11/selectors.py", "select", "the event loop"),
        ("~", "<method 'poll' of 'select.epoll' objects>", "the event loop"),
        ("~", "<method 'send' of '_socket.socket' objects>", "the event loop"),
        ("/venv/site-packages/aiohttp/client.py", "_request", "aiohttp"),
        ("~", "<method 'feed_data' of 'aiohttp._http_parser.HttpResponseParser'>", "aiohttp"),
        ("/venv/site-packages/yarl/_url.py", "build", "aiohttp"),
        ("/usr/lib/python3.11/json/encoder.py", "iterencode", "JSON"),
        ("~", "<built-in method _json.encode_basestring_ascii>", "JSON"),
        (os.path.join(LIB_FOLDER, "anilist", "clients.py"), "fetch_media", "the book's code"),
        ("/usr/lib/x86_64-linux-gnu/something.py", "f", "everything else"),
        ("/venv/lib/python3.11/site-packages/attr/_make.py", "__init__", "everything else"),
        ("~", "<built-in method builtins.len>", "everything else"),
    ],
)
def test_each_function_belongs_to_one_part(filename: str, function: str, part: str) -> None:
    assert part_of(filename, function) == part


def test_a_real_profile_is_added_up_in_the_order_of_the_parts() -> None:
    profiler = cProfile.Profile()
    profiler.enable()
    for number in range(300):
        json.loads(json.dumps({"id": number, "title": {"romaji": "x" * 50}}))
    profiler.disable()
    seconds = where_time_goes(pstats.Stats(profiler))
    assert list(seconds) == list(PARTS)
    assert seconds["JSON"] > 0
    assert seconds["JSON"] > seconds["aiohttp"] == 0


def test_an_empty_profile_is_refused() -> None:
    profiler = cProfile.Profile()
    profiler.enable()
    profiler.disable()
    stats = pstats.Stats(profiler)
    stats.stats = {}  # type: ignore[attr-defined]
    with pytest.raises(ValueError, match="recorded no time"):
        where_time_goes(stats)


def test_a_profile_with_time_below_zero_is_refused() -> None:
    profiler = cProfile.Profile()
    profiler.enable()
    profiler.disable()
    stats = pstats.Stats(profiler)
    stats.stats = {  # type: ignore[attr-defined]
        ("/app/a.py", 1, "fine"): (1, 1, 0.5, 0.5, {}),
        ("/app/b.py", 2, "spin"): (1, 1, -0.24, 0.1, {}),  # as 3.12 mixing threads gave
    }
    with pytest.raises(ValueError, match=r"spin \(/app/b.py\) has -0.240000 s.*mixed threads"):
        where_time_goes(stats)
    stats.stats[("/app/b.py", 2, "spin")] = (1, 1, -1e-9, 0.1, {})  # type: ignore[attr-defined]
    assert where_time_goes(stats)["everything else"] == pytest.approx(0.5)


def test_shares_keep_the_parts_order_and_name_each_loop() -> None:
    asyncio_loop = {"the event loop": 2.0, "aiohttp": 6.0, "JSON": 2.0}
    uvloop = {"the event loop": 1.0, "aiohttp": 6.0, "JSON": 1.0}
    lines = format_shares({"asyncio": asyncio_loop, "uvloop": uvloop})
    assert [line.split(":")[0] for line in lines] == list(PARTS)
    assert lines[0] == "the event loop: 20% on asyncio, 12% on uvloop"
    assert lines[1] == "aiohttp: 60% on asyncio, 75% on uvloop"
    assert lines[-1] == "everything else: 0% on asyncio, 0% on uvloop"


def test_shares_refuse_nothing_and_an_empty_loop() -> None:
    with pytest.raises(ValueError, match="no profiles"):
        format_shares({})
    with pytest.raises(ValueError, match="on uvloop recorded no time"):
        format_shares({"asyncio": {"JSON": 1.0}, "uvloop": {}})
