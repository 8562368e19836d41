"""Who handed a submission in: a student identifier read from its file name.

``--student-id REGEX`` is a Python regular expression searched for (``re.search``) in the
submission's path inside the submissions folder, ``alice/03_threading.ipynb``, ``/`` between
folders. Its one group is the identifier, or, when it has several, the group named ``id``:
``^([^/]+)/`` takes the folder, ``_(?P<id>[a-z]+\\d*)\\.ipynb`` the end of the name. A
learning platform's gradebook needs to know what kind of identifier it is (Canvas matches a
row by its own user ID, the school's SIS user ID or the login), so the group may instead be
named for the kind: ``canvas_id``, ``sis_user_id`` or ``sis_login_id`` (``id`` counts as a
login). Without a pattern, the identifier is the path without ``.ipynb``.

A name the pattern does not find gets no identifier and a ``problem`` saying so; it is
graded all the same.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

__all__ = ["KINDS", "StudentId", "student_id", "student_pattern"]

#: The group names a pattern may use, each the kind of identifier it takes.
KINDS = ("id", "canvas_id", "sis_user_id", "sis_login_id")


@dataclass(frozen=True)
class StudentId:
    """A submission's student identifier (``""`` if none), its kind, or why there is none."""

    value: str
    kind: str = "id"
    problem: str = ""


def student_pattern(text: str | None) -> re.Pattern[str] | None:
    """``text`` compiled, once it is known to name one identifier; None stays None.

    Raises:
        ValueError: if ``text`` is not a regular expression, has no group, or has several
            groups and none (or more than one) of them named as in :data:`KINDS`.
    """
    if text is None:
        return None
    try:
        pattern = re.compile(text)
    except re.error as error:
        raise ValueError(f"{text!r} is not a regular expression: {error}") from None
    named = [name for name in KINDS if name in pattern.groupindex]
    if len(named) > 1:
        raise ValueError(f"{text!r} names {' and '.join(named)}: name one identifier")
    if not named and pattern.groups != 1:
        found = "no group" if pattern.groups == 0 else f"{pattern.groups} groups"
        raise ValueError(
            f"{text!r} has {found}: put the identifier in one group, ^([^/]+)/ for a folder "
            "per student, or name it (?P<id>...)"
        )
    return pattern


def student_id(name: str, pattern: re.Pattern[str] | None) -> StudentId:
    """The identifier in the submission path ``name``, by ``pattern`` (a checked one).

    Without a pattern, it is ``name`` without ``.ipynb``.
    """
    if pattern is None:
        return StudentId(name.removesuffix(".ipynb"))
    kind = next((kind for kind in KINDS if kind in pattern.groupindex), "id")
    found = pattern.search(name)
    value = (found.group(kind if kind in pattern.groupindex else 1) or "") if found else ""
    if not value.strip():
        problem = f"no student id: the file name does not match --student-id {pattern.pattern!r}"
        return StudentId("", kind, problem)
    return StudentId(value.strip(), kind)
