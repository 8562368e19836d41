"""What a patch for nested event loops leaves working in asyncio, measured in a fresh process.

``nest_asyncio`` (archived) and its maintained fork ``nest_asyncio2`` patch asyncio so that
``asyncio.run()`` works inside a running event loop, as in a notebook. Whether the rest of
asyncio still works afterwards depends on the package and on the Python version, so chapter 6
measures it instead of saying so:

- :func:`probe` tries, in the running task, what needs asyncio to know which task is running:
  ``asyncio.current_task()``, ``asyncio.timeout()`` and ``asyncio.TaskGroup()``.
- :func:`patch_then_probe` does what a Jupyter kernel and a notebook do together: with an
  event loop running, it applies a package's patch, runs ``asyncio.run()`` nested in that
  loop, then probes in a *new* task, as the kernel runs each cell in a task of its own.
  :func:`kernel_like_run` starts the loop for it.
- :func:`run_in_child` runs :func:`kernel_like_run` in a fresh Python process, so the patch
  never touches the caller's asyncio, and returns what it printed.

From a shell: ``python -m lib.demos.nested_loops nest_asyncio`` (or ``nest_asyncio2``).
"""

from __future__ import annotations

import asyncio
import importlib
import importlib.metadata
import subprocess
import sys

__all__ = ["PATCHES", "kernel_like_run", "patch_then_probe", "probe", "run_in_child", "task_kind"]

#: The packages that :func:`kernel_like_run` knows how to apply, by import name.
PATCHES = ("nest_asyncio", "nest_asyncio2")


def task_kind() -> str:
    """``"pure-Python"`` if ``asyncio.Task`` is asyncio's pure-Python class now, else ``"C"``."""
    return "pure-Python" if asyncio.Task is getattr(asyncio.tasks, "_PyTask", None) else "C"


async def probe() -> dict[str, str]:
    """Try each feature that needs asyncio's record of the running task; say how each went.

    Returns ``{feature: outcome}``, where the outcome is ``"works"``, ``"returns None"`` (for
    ``current_task()``), or the ``RuntimeError`` that the feature raised, as text. Only a
    ``RuntimeError`` counts as a failed feature; any other exception is raised.
    """
    outcomes = {}
    running = asyncio.current_task()
    outcomes["asyncio.current_task()"] = "works" if running is not None else "returns None"
    try:
        async with asyncio.timeout(5.0):
            await asyncio.sleep(0)
        outcomes["asyncio.timeout()"] = "works"
    except RuntimeError as error:
        outcomes["asyncio.timeout()"] = f"RuntimeError: {error}"
    try:
        async with asyncio.TaskGroup() as group:
            group.create_task(asyncio.sleep(0))
        outcomes["asyncio.TaskGroup()"] = "works"
    except RuntimeError as error:
        outcomes["asyncio.TaskGroup()"] = f"RuntimeError: {error}"
    return outcomes


async def _answer() -> str:
    await asyncio.sleep(0.01)
    return "an answer"


async def patch_then_probe(patch: str) -> list[str]:
    """With this loop running: apply ``patch``, nest ``asyncio.run()``, then probe in a new task.

    Returns the lines that describe what happened. Changes asyncio for the rest of the process.

    Raises:
        ModuleNotFoundError: if ``patch`` is not installed.
    """
    module = importlib.import_module(patch)
    module.apply()  # from inside a running loop, as a notebook cell calls it
    version = importlib.metadata.version(patch)
    lines = [f"{patch} {version} applied; asyncio.Task is the {task_kind()} one"]
    nested = asyncio.run(_answer())  # what the patch is for: a loop inside the running loop
    lines.append(f"asyncio.run() inside the running loop returned {nested!r}")
    lines.append("then, in a new task (a Jupyter kernel runs each cell in one):")
    outcomes = await asyncio.create_task(probe(), name="next cell")
    lines += [f"  {feature:<22} {outcome}" for feature, outcome in outcomes.items()]
    return lines


def kernel_like_run(patch: str) -> list[str]:
    """Patch asyncio with ``patch`` from inside a running loop, nest ``asyncio.run()``, probe.

    This changes asyncio for the rest of the process: run it in a process of its own
    (:func:`run_in_child` does). Returns the lines that describe what happened.

    Raises:
        ValueError: if ``patch`` is not one of :data:`PATCHES`.
        RuntimeError: if ``asyncio.run()`` itself fails inside the running loop.
    """
    if patch not in PATCHES:
        raise ValueError(f"patch must be one of {PATCHES}, not {patch!r}")
    return asyncio.run(patch_then_probe(patch))


def run_in_child(patch: str, timeout: float = 60.0) -> str:
    """Run :func:`kernel_like_run` in a fresh Python process; return what it printed.

    Raises:
        ValueError: if ``patch`` is not one of :data:`PATCHES`.
        subprocess.CalledProcessError: if the child fails (its stderr is on the exception).
        subprocess.TimeoutExpired: if it takes longer than ``timeout`` seconds (it is killed).
    """
    if patch not in PATCHES:
        raise ValueError(f"patch must be one of {PATCHES}, not {patch!r}")
    finished = subprocess.run(
        [sys.executable, "-m", "lib.demos.nested_loops", patch],
        capture_output=True,
        text=True,
        timeout=timeout,
        check=True,
    )
    return finished.stdout


if __name__ == "__main__":
    if len(sys.argv) != 2 or sys.argv[1] not in PATCHES:
        sys.exit(f"usage: python -m lib.demos.nested_loops {{{','.join(PATCHES)}}}")
    print(*kernel_like_run(sys.argv[1]), sep="\n")
