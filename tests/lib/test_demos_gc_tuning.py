"""lib.demos.gc_tuning: the collector is left exactly as it was found, and its time is measured."""

from __future__ import annotations

import gc
import sysconfig

import pytest

from lib.demos.gc_tuning import CollectorTime, fewer_collections


def test_thresholds_and_frozen_count_are_restored() -> None:
    before, frozen = gc.get_threshold(), gc.get_freeze_count()
    with fewer_collections(12_345):
        assert gc.get_threshold() == (12_345, *before[1:])
        assert gc.get_freeze_count() > frozen or frozen > 0
    assert gc.get_threshold() == before
    assert gc.get_freeze_count() == frozen


def test_an_exception_propagates_and_everything_is_restored() -> None:
    before, frozen = gc.get_threshold(), gc.get_freeze_count()
    with pytest.raises(KeyError, match="boom"), fewer_collections():
        raise KeyError("boom")
    assert gc.get_threshold() == before
    assert gc.get_freeze_count() == frozen


def test_without_freeze_nothing_is_frozen() -> None:
    frozen = gc.get_freeze_count()
    with fewer_collections(5_000, freeze=False):
        assert gc.get_freeze_count() == frozen
        assert gc.get_threshold()[0] == 5_000


def _frozen(obj: object) -> bool:
    """Whether ``obj``, a tracked container, sits in the permanent generation."""
    return gc.is_tracked(obj) and all(other is not obj for other in gc.get_objects())


@pytest.mark.skipif(
    bool(sysconfig.get_config_var("Py_GIL_DISABLED")),
    reason="a free-threaded build keeps no permanent generation to look in",
)
def test_objects_frozen_before_stay_frozen() -> None:
    # A sentinel, not gc.get_freeze_count(): a frozen object freed by its refcount in the
    # meantime lowers the count, so an equality on it fails now and then (it did in CI).
    sentinel: list[object] = [[]]
    gc.freeze()
    try:
        assert _frozen(sentinel)
        with fewer_collections():
            assert _frozen(sentinel)
        assert _frozen(sentinel)
    finally:
        gc.unfreeze()
    assert not _frozen(sentinel)


@pytest.mark.parametrize("young", [0, -1, 2.5, True, "700"])
def test_a_bad_threshold_is_refused_before_anything_changes(young: object) -> None:
    before = gc.get_threshold()
    with pytest.raises(ValueError, match="young"), fewer_collections(young):  # type: ignore[arg-type]
        pass
    assert gc.get_threshold() == before


def test_collector_time_counts_collections_and_removes_its_callback() -> None:
    callbacks = list(gc.callbacks)
    with CollectorTime() as collector:
        gc.collect()
    assert collector.count >= 1 and collector.full >= 1
    assert collector.seconds >= 0.0
    assert gc.callbacks == callbacks
