"""The check of exercise 2.2: which calls can threads overlap?"""

from __future__ import annotations

import hashlib
import json
import random
import subprocess
import sys
import time
from collections.abc import Callable, Iterable, Iterator
from typing import Any

from lib.demos.gil import gil_status
from lib.demos.workloads import calibrate_rounds, factorial_mod
from lib.exercises._harness.checking import (
    CaseFailed,
    Checker,
    exercise_check,
    filled_in,
    require_type,
)
from lib.exercises._harness.gil_probe import (
    gil_lockout,
    gil_verdict,
)

__all__ = [
    "CHILD_TIME_LIMIT",
    "OVERLAP_TRIES",
    "check_overlap_predictions",
    "lockout_shares",
    "overlap_shares",
]


def _overlap_calls() -> dict[str, Callable[[], object]]:
    rounds = calibrate_rounds(target_seconds=0.06)
    generator = random.Random(2)
    numbers = [generator.random() for _ in range(400_000)]
    buffer = bytes(48 * 2**20)
    return {
        "time.sleep(0.06)": lambda: time.sleep(0.06),
        "factorial_mod(1, 50, rounds)": lambda: factorial_mod(1, 50, rounds),
        "sorted(numbers)": lambda: sorted(numbers),
        "hashlib.sha256(buffer)": lambda: hashlib.sha256(buffer).digest(),
    }


OVERLAP_TRIES = 3  # a guess is judged by the majority of this many measurements

CHILD_TIME_LIMIT = 120.0  # seconds for a child Python to measure every call OVERLAP_TRIES times


def _measured_shares(call: Callable[[], object], tries: int) -> Iterator[float]:
    for _ in range(tries):  # lazily: the checker stops once a majority agrees
        yield gil_lockout(call)[1]


def overlap_shares(tries: int = OVERLAP_TRIES) -> dict[str, list[float]]:
    """Measure here, ``tries`` times, the share of each call of exercise 2.2 that a second
    thread spends locked out of Python. What the child Python of :func:`lockout_shares` runs.
    Never raises."""
    return {name: list(_measured_shares(call, tries)) for name, call in _overlap_calls().items()}


def lockout_shares(tries: int = OVERLAP_TRIES) -> dict[str, Iterable[float]]:
    """Up to ``tries`` locked-out shares for each call of exercise 2.2, measured with a GIL.

    With the GIL on, they are measured here, one at a time as they are asked for. With it
    off (a free-threaded build), no call could lock a thread out here, so a child of this
    same Python measures them all with the GIL turned on, ``-X gil=1``.

    Raises:
        RuntimeError: if that child fails or prints no measurement.
        subprocess.TimeoutExpired: if it runs for more than ``CHILD_TIME_LIMIT`` seconds.
    """
    if gil_status().gil_enabled:
        return {name: _measured_shares(call, tries) for name, call in _overlap_calls().items()}
    script = (
        "import json; from lib.exercises.ch02_gil.overlap_predictions import overlap_shares; "
        f"print(json.dumps(overlap_shares({int(tries)})))"
    )
    child = subprocess.run(
        [sys.executable, "-X", "gil=1", "-c", script],
        capture_output=True,
        text=True,
        timeout=CHILD_TIME_LIMIT,
        check=False,
    )
    lines = child.stdout.strip().splitlines()
    if child.returncode != 0 or not lines:
        last = (child.stderr.strip().splitlines() or ["no error message"])[-1]
        raise RuntimeError(f"the child Python with the GIL on failed: {last}")
    shares: dict[str, Iterable[float]] = json.loads(lines[-1])
    return shares


@exercise_check("Exercise 2.2: which calls can threads overlap?")
def check_overlap_predictions(checker: Checker, predictions: Any) -> None:
    """Measure whether each call locks a second thread out of Python; compare with the guess.

    On a kernel without the GIL the calls are measured in a child Python with the GIL on.
    """
    predictions = filled_in(predictions, "threads_overlap")
    measured_here = gil_status().gil_enabled
    for name, shares in lockout_shares().items():
        with checker.case(f"{name} is predicted right"):
            if name not in predictions:
                raise CaseFailed(f"no prediction for {name!r}: add that key")
            guess = require_type(predictions[name], bool, f"the prediction for {name!r}")
            held, share = gil_verdict(shares, OVERLAP_TRIES)
            if held == guess:
                locked = f"a second thread was locked out of Python for {share:.0%} of the call"
                if not measured_here:
                    locked += " (measured in a child Python with the GIL on: this kernel has none)"
                if guess:
                    raise CaseFailed(
                        f"{locked}: it needs the GIL all the time it runs. Pure-Python "
                        "code does, and so does C code that works on Python objects"
                    )
                raise CaseFailed(
                    f"{locked}: it lets go of the GIL while it waits, or while C "
                    "code works on its own buffer, so threads can overlap it"
                )
