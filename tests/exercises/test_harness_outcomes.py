"""lib.exercises._harness.outcomes: what the checks of 3.1, 3.3 and 10.1 compare."""

from __future__ import annotations

from concurrent.futures import Future

import pytest

from lib.exercises._harness.checking import CaseFailed
from lib.exercises._harness.outcomes import (
    compare,
    english_slug,
    raising,
    reference,
    require_results_and_errors,
    require_split,
)


def test_english_slug_matches_the_chapter() -> None:
    assert english_slug(400) == "outlaw-star"
    assert english_slug(100) == "prétear-the-new-legend-of-snow-white"
    with pytest.raises(AttributeError):
        english_slug(200)  # no English title
    with pytest.raises(LookupError):
        english_slug(0)


def test_reference_and_raising() -> None:
    expected = reference([400, 200, 0])
    assert expected[400] == "outlaw-star"
    assert [type(expected[i]) for i in (200, 0)] == [AttributeError, LookupError]
    assert raising([400, 200, 0]) == {200, 0}


def test_compare_names_the_wrong_value_the_wrong_kind_and_a_future() -> None:
    expected = reference([400, 200])
    compare({400: "outlaw-star", 200: AttributeError("x")}, expected, "the result")
    compare({}, expected, "the result")  # missing ids are another case's
    with pytest.raises(CaseFailed, match=r"results\[400\] should be 'outlaw-star', got 'x'"):
        compare({400: "x"}, expected, "results")
    with pytest.raises(CaseFailed, match="holds a str: keep the exception object itself"):
        compare({200: "no English title"}, expected, "errors")
    with pytest.raises(CaseFailed, match=r"errors\[200\] is a Future"):
        compare({200: Future()}, expected, "errors")


def test_require_results_and_errors_wants_two_dicts() -> None:
    assert require_results_and_errors(({1: "a"}, {})) == ({1: "a"}, {})
    with pytest.raises(CaseFailed, match="not 3 values"):
        require_results_and_errors(({}, {}, {}))
    with pytest.raises(CaseFailed, match="should be a tuple or list, not dict"):
        require_results_and_errors({})
    with pytest.raises(CaseFailed, match=r"errors \(the second dict returned\) should be a dict"):
        require_results_and_errors(({}, []))


def test_require_split_wants_each_id_once() -> None:
    require_split({400: "outlaw-star"}, {200: AttributeError()}, [400, 200])
    with pytest.raises(CaseFailed, match=r"ids \[400\] are in both"):
        require_split({400: "outlaw-star"}, {400: KeyError()}, [400])
    with pytest.raises(CaseFailed, match="1 of 2 ids were lost, all of them calls that raised"):
        require_split({400: "outlaw-star"}, {}, [400, 200])
