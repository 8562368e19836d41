"""lib.measure.dask_task_stream: the scheduler's task stream, as timeline spans."""

from __future__ import annotations

import pytest

from lib.measure.dask_task_stream import task_label, task_spans

RECORDS = [
    {
        "key": "spin-1",
        "worker": "tcp://127.0.0.1:2",
        "status": "OK",
        "startstops": (
            {"action": "transfer", "start": 9.0, "stop": 10.0},
            {"action": "compute", "start": 10.0, "stop": 10.5},
        ),
    },
    {
        "key": "spin-0",
        "worker": "tcp://127.0.0.1:1",
        "status": "error",
        "startstops": ({"action": "compute", "start": 9.5, "stop": 9.75},),
    },
]


def test_compute_phases_become_spans_in_start_order() -> None:
    spans = task_spans(RECORDS, {"tcp://127.0.0.1:1": "worker-1"})
    assert [(s.task, s.worker, s.start, s.end, s.ok) for s in spans] == [
        ("0", "worker-1", 9.5, 9.75, False),
        ("1", "tcp://127.0.0.1:2", 10.0, 10.5, True),
    ]


def test_labels_are_short() -> None:
    assert task_label("crash-12") == "12"
    assert task_label(("array", 3)) == "3"
    assert task_label("factorial_mod-f4c54168308050687fc2") == "factorial_"


def test_a_record_without_its_fields_is_refused() -> None:
    with pytest.raises(ValueError, match="startstops"):
        task_spans([{"key": "a", "worker": "w"}])
