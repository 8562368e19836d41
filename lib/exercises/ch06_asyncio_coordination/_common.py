"""What chapter 6's checkers share: running an async answer on a loop of its own, and reading
what it raised (both from the shared harness, ``lib.exercises._harness.async_answers``)."""

from __future__ import annotations

from lib.exercises._harness.async_answers import (
    LOOP_CLUES,
    call_answer,
    describe_error,
    leaves,
    run_answer,
)

__all__ = [
    "LOOP_CLUES",
    "call_answer",
    "describe_error",
    "leaves",
    "run_answer",
]
