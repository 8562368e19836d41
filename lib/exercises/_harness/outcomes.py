"""Calls that return or raise, and every outcome kept: what the checks of 3.1, 3.3 and 10.1
share (on a thread pool, on queue consumers, on a cluster).

The learner's code calls :func:`english_slug` on anime ids: some return a slug, some raise
``AttributeError`` (no English title) or ``LookupError`` (no such anime). :func:`reference`
is what each id should end as; :func:`compare` and :func:`require_split` say what an answer
kept wrongly, or lost.
"""

from __future__ import annotations

import re
from concurrent.futures import Future
from typing import Any

from lib.anilist.catalogue import lookup_media
from lib.exercises._harness.checking import CaseFailed, require_accounted, require_type

__all__ = [
    "compare",
    "english_slug",
    "raising",
    "reference",
    "require_results_and_errors",
    "require_split",
]


def english_slug(anime_id: int) -> str:
    """A URL slug of the English title, like the chapter's ``english_slug``, with no network.

    Raises:
        LookupError: if no anime has this id.
        AttributeError: if the anime has no English title (``None`` has no ``.lower()``).
    """
    media = lookup_media(anime_id)
    if media is None:
        raise LookupError(f"no anime with id {anime_id}")
    english = media["title"]["english"]
    return re.sub(r"\W+", "-", english.lower()).strip("-")  # type: ignore[union-attr]


def reference(ids: list[int]) -> dict[int, Any]:
    """Each id's slug, or the exception it raises, computed one after another."""
    outcomes: dict[int, Any] = {}
    for anime_id in ids:
        try:
            outcomes[anime_id] = english_slug(anime_id)
        except (LookupError, AttributeError) as error:
            outcomes[anime_id] = error
    return outcomes


def raising(ids: list[int]) -> set[int]:
    """The ids among ``ids`` whose call raises."""
    return {anime_id for anime_id, want in reference(ids).items() if isinstance(want, Exception)}


def compare(outcomes: dict[Any, Any], expected: dict[int, Any], where: str) -> None:
    """Raise CaseFailed unless each slug and each exception's type in ``outcomes`` is right.
    Missing ids are left to the case that counts the lost ones."""
    for anime_id, want in expected.items():
        if anime_id not in outcomes:
            continue
        got = outcomes[anime_id]
        if isinstance(got, Future):
            raise CaseFailed(f"{where}[{anime_id}] is a Future: store future.result() instead")
        if isinstance(want, str) and got != want:
            raise CaseFailed(f"{where}[{anime_id}] should be {want!r}, got {got!r}")
        if isinstance(want, Exception) and type(got) is not type(want):
            kept = type(got).__name__
            raise CaseFailed(
                f"id {anime_id} raised {type(want).__name__}, but {where} holds a {kept}: keep "
                "the exception object itself (`except Exception as error: ... = error`)"
            )


def require_results_and_errors(answer: Any) -> tuple[dict[Any, Any], dict[Any, Any]]:
    """The two dicts a ``collect_all`` returns, ``(results, errors)``.

    Raises:
        CaseFailed: if ``answer`` is not two dicts, naming what it is.
    """
    require_type(answer, (tuple, list), "what collect_all returns")
    if len(answer) != 2:
        raise CaseFailed(
            f"collect_all should return two dicts, (results, errors), not {len(answer)} values"
        )
    results = require_type(answer[0], dict, "results (the first dict returned)")
    errors = require_type(answer[1], dict, "errors (the second dict returned)")
    return results, errors


def require_split(results: dict[Any, Any], errors: dict[Any, Any], ids: list[int]) -> None:
    """Each id in exactly one of ``results`` and ``errors``.

    Raises:
        CaseFailed: naming the ids in both, else how many were lost.
    """
    both = sorted(set(results) & set(errors))
    if both:
        raise CaseFailed(f"ids {both} are in both results and errors: each goes in one")
    require_accounted(
        ids,
        results.keys() | errors.keys(),
        what="ids",
        failing=raising(ids),
        keep="catch the exception that future.result() raises and keep it in errors",
    )
