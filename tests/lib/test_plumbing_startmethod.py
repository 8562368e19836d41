"""Choosing the multiprocessing start method from the environment (lib.plumbing.startmethod)."""

from __future__ import annotations

import multiprocessing
from collections.abc import Iterator
from concurrent.futures import ProcessPoolExecutor

import pytest

from lib.demos import process_tasks
from lib.plumbing.startmethod import ENV_VAR, apply_start_method, requested_start_method


@pytest.fixture
def restore_start_method() -> Iterator[None]:
    """Put the process-wide start method back as it was, whatever the test set."""
    before = multiprocessing.get_start_method(allow_none=True)
    yield
    multiprocessing.set_start_method(before, force=True)


def test_the_variable_is_named_as_documented() -> None:
    assert ENV_VAR == "BOOK_START_METHOD"


@pytest.mark.parametrize("environ", [{}, {ENV_VAR: ""}, {ENV_VAR: "  "}, {"OTHER": "spawn"}])
def test_unset_or_empty_requests_nothing(environ: dict[str, str]) -> None:
    assert requested_start_method(environ) is None


@pytest.mark.parametrize("value", ["spawn", " Spawn ", "SPAWN"])
def test_the_request_is_normalised(value: str) -> None:
    assert requested_start_method({ENV_VAR: value}) == "spawn"


def test_every_method_of_this_platform_can_be_requested() -> None:
    for method in multiprocessing.get_all_start_methods():
        assert requested_start_method({ENV_VAR: method}) == method


def test_an_unknown_method_is_refused_with_the_choices() -> None:
    with pytest.raises(ValueError, match=r"'threads' is not a start method.*spawn"):
        requested_start_method({ENV_VAR: "threads"})


def test_it_reads_os_environ_by_default(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(ENV_VAR, "spawn")
    assert requested_start_method() == "spawn"
    monkeypatch.delenv(ENV_VAR)
    assert requested_start_method() is None


@pytest.mark.usefixtures("restore_start_method")
def test_without_a_request_nothing_changes() -> None:
    before = multiprocessing.get_start_method()
    assert apply_start_method({}) == before
    assert multiprocessing.get_start_method() == before


@pytest.mark.usefixtures("restore_start_method")
@pytest.mark.parametrize("method", multiprocessing.get_all_start_methods())
def test_a_request_is_applied_even_after_a_method_was_set(method: str) -> None:
    multiprocessing.get_start_method()  # fixes the default, as any earlier pool would
    assert apply_start_method({ENV_VAR: method}) == method
    assert multiprocessing.get_start_method() == method


@pytest.mark.usefixtures("restore_start_method")
def test_children_really_start_the_requested_way() -> None:
    # conftest imported matplotlib: a forked child has it, a spawned one starts clean.
    apply_start_method({ENV_VAR: "spawn"})
    with ProcessPoolExecutor(max_workers=1) as pool:
        seen = pool.submit(process_tasks.describe_child).result(timeout=60)
    assert seen["matplotlib loaded"] is False


@pytest.mark.usefixtures("restore_start_method")
def test_a_bad_request_changes_nothing() -> None:
    before = multiprocessing.get_start_method()
    with pytest.raises(ValueError):
        apply_start_method({ENV_VAR: "nonsense"})
    assert multiprocessing.get_start_method() == before
