"""The producer -> transformer -> writer pipeline and its safe JSON file (lib.demos.pipeline).

The stages only call ``put`` and ``get``, so most tests drive them in this process with a
plain ``queue.Queue``; the last ones run them as real processes under ``spawn``.
"""

from __future__ import annotations

import json
import multiprocessing
import queue
import sys
import time
from pathlib import Path
from typing import Any

import pytest

from lib.demos.pipeline import (
    STOP,
    join_all,
    load_json_list,
    producer,
    transformer,
    write_json_atomic,
    writer,
)

SPAWN = multiprocessing.get_context("spawn")


def drain(source: queue.Queue[Any]) -> list[Any]:
    items = []
    while not source.empty():
        items.append(source.get_nowait())
    return items


def test_producer_puts_every_item_then_one_stop_per_consumer() -> None:
    out: queue.Queue[Any] = queue.Queue()
    producer([1, 2, 3], out, stops=2)
    assert drain(out) == [1, 2, 3, STOP, STOP]


def test_producer_needs_at_least_one_stop() -> None:
    with pytest.raises(ValueError, match="at least one"):
        producer([1], queue.Queue(), stops=0)


def test_transformer_multiplies_until_the_stop_and_passes_one_on() -> None:
    source: queue.Queue[Any] = queue.Queue()
    for item in [2, 4, STOP, 99]:  # 99 comes after the stop: it is not this stage's
        source.put(item)
    out: queue.Queue[Any] = queue.Queue()
    transformer(source, out, 0.5)
    assert drain(out) == [1.0, 2.0, STOP]
    assert drain(source) == [99]


def test_writer_creates_the_file_on_a_first_run_and_appends_after(tmp_path: Path) -> None:
    path = tmp_path / "data.json"
    for run in (1, 2):
        source: queue.Queue[Any] = queue.Queue()
        for item in [0.5, 1.5, STOP]:
            source.put(item)
        writer(source, str(path))
        assert json.loads(path.read_text()) == [0.5, 1.5] * run
    assert sorted(p.name for p in tmp_path.iterdir()) == ["data.json"]


def test_writer_waits_for_one_stop_per_transformer(tmp_path: Path) -> None:
    source: queue.Queue[Any] = queue.Queue()
    for item in [1, STOP, 2, STOP, 3]:
        source.put(item)
    writer(source, str(tmp_path / "out.json"), stops=2)
    assert load_json_list(str(tmp_path / "out.json")) == [1, 2]
    assert drain(source) == [3]


def test_writer_needs_at_least_one_stop(tmp_path: Path) -> None:
    with pytest.raises(ValueError, match="at least one"):
        writer(queue.Queue(), str(tmp_path / "out.json"), stops=0)


def test_writer_leaves_a_corrupt_file_alone(tmp_path: Path) -> None:
    path = tmp_path / "data.json"
    path.write_text("[1, 2,")
    source: queue.Queue[Any] = queue.Queue()
    source.put(STOP)
    with pytest.raises(json.JSONDecodeError):
        writer(source, str(path))
    assert path.read_text() == "[1, 2,"


def test_load_json_list_of_a_missing_file_is_empty(tmp_path: Path) -> None:
    assert load_json_list(str(tmp_path / "nothing-here.json")) == []


def test_load_json_list_refuses_json_that_is_not_a_list(tmp_path: Path) -> None:
    path = tmp_path / "data.json"
    path.write_text('{"a": 1}')
    with pytest.raises(ValueError, match="expected a JSON list"):
        load_json_list(str(path))


def test_write_json_atomic_writes_and_replaces(tmp_path: Path) -> None:
    path = tmp_path / "data.json"
    write_json_atomic(str(path), [1, "two", None])
    assert json.loads(path.read_text()) == [1, "two", None]
    write_json_atomic(str(path), {"replaced": True})
    assert json.loads(path.read_text()) == {"replaced": True}
    assert [p.name for p in tmp_path.iterdir()] == ["data.json"]


def test_a_failed_write_keeps_the_old_file_and_leaves_no_temporary(tmp_path: Path) -> None:
    path = tmp_path / "data.json"
    write_json_atomic(str(path), [1, 2])
    with pytest.raises(TypeError, match="not JSON serializable"):
        write_json_atomic(str(path), [1, 2, {3}])
    assert json.loads(path.read_text()) == [1, 2]
    assert [p.name for p in tmp_path.iterdir()] == ["data.json"]


def test_write_json_atomic_into_a_missing_directory_raises(tmp_path: Path) -> None:
    with pytest.raises(OSError):
        write_json_atomic(str(tmp_path / "missing" / "data.json"), [])


def test_join_all_returns_when_everything_finished() -> None:
    processes = [SPAWN.Process(target=time.sleep, args=(0.01,)) for _ in range(2)]
    for process in processes:
        process.start()
    join_all(processes, timeout=60)
    assert [process.exitcode for process in processes] == [0, 0]


def test_join_all_terminates_what_is_still_running_and_says_so() -> None:
    quick = SPAWN.Process(target=time.sleep, args=(0.01,), name="quick")
    stuck = SPAWN.Process(target=time.sleep, args=(60,), name="stuck")
    for process in (quick, stuck):
        process.start()
    quick.join(timeout=60)  # a spawned child takes a second to start on a busy machine
    begin = time.monotonic()
    with pytest.raises(TimeoutError, match=r"after 1\.0 s, so terminated: stuck$"):
        join_all([quick, stuck], timeout=1.0)
    assert time.monotonic() - begin < 10
    assert not stuck.is_alive() and not quick.is_alive()


def test_join_all_reports_a_stage_that_failed() -> None:
    failing = SPAWN.Process(target=sys.exit, args=(3,), name="failing")
    failing.start()
    with pytest.raises(RuntimeError, match=r"failing \(exit code 3\)"):
        join_all([failing], timeout=60)


def run_pipeline(path: Path, items: list[int], transformers: int, stops: int) -> None:
    to_transform, to_write = SPAWN.Queue(), SPAWN.Queue()
    stages = [SPAWN.Process(target=producer, args=(items, to_transform, stops), name="producer")]
    stages += [
        SPAWN.Process(target=transformer, args=(to_transform, to_write, 2), name="transformer")
        for _ in range(transformers)
    ]
    stages.append(
        SPAWN.Process(target=writer, args=(to_write, str(path), transformers), name="writer")
    )
    for stage in stages:
        stage.start()
    join_all(stages, timeout=30 if stops == transformers else 2)


def test_the_pipeline_runs_under_spawn_with_two_transformers(tmp_path: Path) -> None:
    path = tmp_path / "data.json"
    run_pipeline(path, list(range(20)), transformers=2, stops=2)
    assert sorted(load_json_list(str(path))) == [2 * n for n in range(20)]


def test_one_stop_for_two_transformers_is_a_timeout_not_a_hang(tmp_path: Path) -> None:
    path = tmp_path / "data.json"
    with pytest.raises(TimeoutError, match=r"terminated: transformer, writer$"):
        run_pipeline(path, [1, 2, 3], transformers=2, stops=1)
    assert not path.exists(), "the stuck writer never wrote"
