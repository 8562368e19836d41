"""A three-stage multiprocessing pipeline: producer -> transformer(s) -> writer, saving JSON.

Stages talk through ``multiprocessing.Queue`` objects and stop on a sentinel, :data:`STOP`.
Each stage is a plain function in this module, so it can be the ``target`` of a process under
every start method (``fork``, ``spawn`` and ``forkserver``).

Two rules make the pipeline correct:

- **One stop per consumer.** A sentinel is an item like any other: one ``get`` takes it, so
  a queue read by two transformers needs two of them, and the writer must wait for one from
  each transformer.
- **Never leave a half-written file.** :func:`write_json_atomic` writes a temporary file in
  the same directory and renames it over the target: a reader sees the old file or the new
  one, never a mixture, even if the writer crashes half-way.
"""

from __future__ import annotations

import contextlib
import json
import os
import tempfile
import time
from collections.abc import Iterable, Sequence
from multiprocessing.process import BaseProcess
from multiprocessing.queues import Queue
from typing import Any

from lib.plumbing.processes import stop_processes

__all__ = [
    "STOP",
    "join_all",
    "load_json_list",
    "producer",
    "transformer",
    "write_json_atomic",
    "writer",
]

#: The stop sentinel. ``None`` is never a data item in this pipeline.
STOP = None


def producer(items: Iterable[float], out_queue: Queue[Any], stops: int = 1) -> None:
    """Put every item on ``out_queue``, then ``stops`` sentinels: one per consumer.

    Raises:
        ValueError: if ``stops`` is less than 1.
    """
    if stops < 1:
        raise ValueError(f"need at least one stop sentinel, got {stops}")
    for item in items:
        out_queue.put(item)
    for _ in range(stops):
        out_queue.put(STOP)


def transformer(in_queue: Queue[Any], out_queue: Queue[Any], factor: float) -> None:
    """Multiply each item by ``factor`` until a sentinel arrives; then pass one sentinel on."""
    while (item := in_queue.get()) is not STOP:
        out_queue.put(item * factor)
    out_queue.put(STOP)


def writer(in_queue: Queue[Any], path: str, stops: int = 1) -> None:
    """Collect items until ``stops`` sentinels came (one per transformer), then save them.

    The items are appended to the JSON list already at ``path`` (a first run starts from an
    empty list) and the file is replaced atomically.

    Raises:
        ValueError: if ``stops`` is less than 1, or the file at ``path`` is not a JSON list.
        json.JSONDecodeError: if the file at ``path`` is not valid JSON (it is left alone).
    """
    if stops < 1:
        raise ValueError(f"need to wait for at least one stop sentinel, got {stops}")
    collected: list[Any] = []
    while stops:
        item = in_queue.get()
        if item is STOP:
            stops -= 1
        else:
            collected.append(item)
    write_json_atomic(path, load_json_list(path) + collected)


def load_json_list(path: str) -> list[Any]:
    """The JSON list saved at ``path``, or an empty list if there is no file yet.

    Only a missing file means "start from scratch": any other problem is raised, because
    silently starting over would throw away the data that is there.

    Raises:
        ValueError: if the file holds JSON that is not a list.
        json.JSONDecodeError: if the file is not valid JSON.
        OSError: if the file exists but cannot be read.
    """
    try:
        with open(path, encoding="utf-8") as file:
            data = json.load(file)
    except FileNotFoundError:
        return []
    if not isinstance(data, list):
        raise ValueError(f"expected a JSON list in {os.path.basename(path)}, got {type(data)}")
    return data


def write_json_atomic(path: str, data: Any) -> None:
    """Write ``data`` as JSON to ``path`` so that the file is always complete.

    The JSON goes to a temporary file in the same directory (so that the rename stays on one
    file system), is flushed to disk, and then ``os.replace`` swaps it in, in one step. If
    anything fails, the temporary file is removed and the old file is untouched.

    Raises:
        TypeError: if ``data`` is not JSON-serialisable.
        OSError: if the directory is not writable.
    """
    directory = os.path.dirname(os.path.abspath(path))
    handle, temporary = tempfile.mkstemp(dir=directory, prefix=".writing-", suffix=".json")
    try:
        with os.fdopen(handle, "w", encoding="utf-8") as file:
            json.dump(data, file, indent=2)
            file.flush()
            os.fsync(file.fileno())
        os.replace(temporary, path)
    except BaseException:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(temporary)
        raise


def join_all(processes: Sequence[BaseProcess], timeout: float) -> None:
    """Wait for every process to finish, ``timeout`` seconds at most in all.

    Processes still running at the deadline are terminated (then killed if need be), so that
    nothing is left behind, and the wait is reported as an error rather than a hang.

    Raises:
        TimeoutError: if some processes were still running; the message names them.
        RuntimeError: if a process exited with an error (a non-zero exit code).
    """
    deadline = time.monotonic() + timeout
    for process in processes:
        process.join(max(0.0, deadline - time.monotonic()))
    stuck = [process for process in processes if process.is_alive()]
    stop_processes(stuck)
    if stuck:
        names = ", ".join(process.name for process in stuck)
        raise TimeoutError(f"still running after {timeout} s, so terminated: {names}")
    failed = [process for process in processes if process.exitcode != 0]
    if failed:
        codes = ", ".join(f"{process.name} (exit code {process.exitcode})" for process in failed)
        raise RuntimeError(f"pipeline stages failed: {codes}")
