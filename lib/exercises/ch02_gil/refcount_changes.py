"""The check of exercise 2.1: count the references."""

from __future__ import annotations

import sys
from typing import Any

from lib.exercises._harness.checking import (
    CaseFailed,
    Checker,
    exercise_check,
    filled_in,
    require_type,
)

__all__ = [
    "REFCOUNT_LINES",
    "REFCOUNT_SETUP",
    "check_refcount_changes",
]


REFCOUNT_SETUP = "kept = []\n\ndef keep(item):\n    kept.append(item)\n"

# Each line, run in order, and why it changes the count as it does (shown only on a miss).
REFCOUNT_LINES = {
    "pair = (scores, scores)": "a tuple holds one reference per slot that points at the list",
    'holder = {"a": scores, "b": [scores]}': "count every container that now points at the "
    "list, the inner one too",
    "len(scores)": "the argument's reference lasts only while the call runs",
    "keep(scores)": "the argument's reference goes when the call returns, but the one stored "
    "by kept.append(...) stays",
    "for item in [scores]: pass": "the temporary list is freed after the loop, but the loop "
    "variable still names its last item",
    "del pair": "deleting the only name of the tuple frees it, and each of its slots lets go",
    'holder["b"].clear()': "clearing a list drops every reference it held",
}


def _measured_refcount_changes() -> dict[str, int]:
    namespace: dict[str, Any] = {}
    exec(REFCOUNT_SETUP, namespace)
    scores = namespace["scores"] = [90, 75, 82]
    changes = {}
    for line in REFCOUNT_LINES:
        compiled = compile(line, "<exercise 2.1>", "exec")
        before = sys.getrefcount(scores)
        exec(compiled, namespace)
        changes[line] = sys.getrefcount(scores) - before
    return changes


@exercise_check("Exercise 2.1: count the references")
def check_refcount_changes(checker: Checker, predictions: Any) -> None:
    """Run each line on a fresh list and compare the change of its count with the prediction."""
    predictions = filled_in(predictions, "refcount_changes")
    for line, change in _measured_refcount_changes().items():
        with checker.case(f"{line} is predicted right"):
            if line not in predictions:
                raise CaseFailed(f"no prediction for {line!r}: add that key")
            guess = require_type(predictions[line], int, f"the prediction for {line!r}")
            if guess != change:
                raise CaseFailed(
                    f"it changes the count by {change:+d}, not {guess:+d}: {REFCOUNT_LINES[line]}"
                )
