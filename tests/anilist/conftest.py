"""Fixtures for the tests of the local API (lib.anilist)."""

from __future__ import annotations

import subprocess
import sys
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

REPO_ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture
def anilist_program() -> Iterator[Callable[..., subprocess.Popen[str]]]:
    """Start ``python -m lib.anilist ARGS`` from the repository's root, its output (stdout and
    stderr together) on a text pipe; ``env`` replaces the environment. Whatever still runs
    after the test is killed, and every pipe is closed."""
    started: list[subprocess.Popen[str]] = []

    def start(*args: str, env: dict[str, str] | None = None) -> subprocess.Popen[str]:
        program = subprocess.Popen(
            [sys.executable, "-m", "lib.anilist", *args],
            cwd=REPO_ROOT,
            stdin=subprocess.DEVNULL,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
            env=env,
        )
        started.append(program)
        return program

    yield start
    for program in started:
        if program.poll() is None:
            program.kill()
            program.wait()
        if program.stdout is not None:
            program.stdout.close()
