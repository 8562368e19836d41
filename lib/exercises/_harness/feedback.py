"""How a check reports: one line per case, a hint for each failure, never a traceback.

A checker is a function ``check(checker, *answers)`` decorated with :func:`exercise_check`;
inside it each case is a ``with checker.case("..."):`` block. :class:`Feedback` is what the
learner sees. The three exceptions are how a case ends early: :class:`NotAttempted` (the
starter is untouched), :class:`CaseFailed` (its message is the hint) and :class:`Hung` (the
answer ran out of time, so the cases after it are not tried).
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

__all__ = [
    "CaseFailed",
    "Checker",
    "Feedback",
    "Hung",
    "NotAttempted",
    "exercise_check",
]


class NotAttempted(Exception):
    """The answer is still the starter: nothing to check yet."""


class CaseFailed(Exception):
    """One case went wrong; the message is the hint shown to the learner."""


class Hung(CaseFailed):
    """The answer ran out of time; the check stops there, as later cases would hang too."""


@dataclass
class Feedback:
    """The result of one check: a line per case, and an overall verdict."""

    title: str
    passed_cases: list[str] = field(default_factory=list)
    failed_cases: list[tuple[str, str]] = field(default_factory=list)  # (case, hint)
    not_attempted: bool = False

    @property
    def passed(self) -> bool:
        return not self.not_attempted and not self.failed_cases and bool(self.passed_cases)

    @property
    def hints(self) -> list[str]:
        return [hint for _, hint in self.failed_cases]

    def __str__(self) -> str:
        lines = [self.title]
        if self.not_attempted:
            lines.append("  Not attempted yet: replace the starter code above, run it, then this.")
            return "\n".join(lines)
        lines += [f"  ✓ {case}" for case in self.passed_cases]
        lines += [f"  ✗ {case}: {hint}" for case, hint in self.failed_cases]
        total = len(self.passed_cases) + len(self.failed_cases)
        if self.passed:
            lines.append(f"All {total} checks passed.")
        else:
            lines.append(f"{len(self.passed_cases)} of {total} checks passed.")
        return "\n".join(lines)

    def _repr_pretty_(self, printer: Any, cycle: bool) -> None:
        printer.text(str(self))

    def __repr__(self) -> str:
        return str(self)


class Checker:
    """Collects the cases of one exercise check. Use it through :func:`exercise_check`."""

    def __init__(self, title: str) -> None:
        self.feedback = Feedback(title)

    def case(self, description: str) -> _Case:
        """A ``with`` block for one case: ``CaseFailed`` or ``AssertionError`` inside it
        records a failure, with its message as the hint."""
        return _Case(self.feedback, description)


class _Case:
    def __init__(self, feedback: Feedback, description: str) -> None:
        self._feedback = feedback
        self._description = description

    def __enter__(self) -> None:
        return None

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, _: Any
    ) -> bool:
        if exc_type is None:
            self._feedback.passed_cases.append(self._description)
            return False
        if issubclass(exc_type, NotAttempted):
            return False  # ends the whole check: see exercise_check
        if issubclass(exc_type, CaseFailed | AssertionError):
            hint = str(exc) or "the result was not what this case expects"
        else:  # a slip in the learner's answer that was not called through call_bounded
            hint = f"raised {exc_type.__name__}: {exc}"
        self._feedback.failed_cases.append((self._description, hint))
        if isinstance(exc, Hung):
            exc.add_note("recorded")
            return False  # stop the whole check: see exercise_check
        return True


def exercise_check(title: str) -> Callable[[Callable[..., None]], Callable[..., Feedback]]:
    """Turn ``check(checker, *answers)`` into ``check(*answers) -> Feedback``.

    Inside, each case is a ``with checker.case("..."):`` block. A starter answer anywhere
    ends the check as "not attempted yet"; an answer that hangs ends it after that case; a
    ``CaseFailed`` outside any case is reported against the answer as a whole.
    """

    def decorate(check: Callable[..., None]) -> Callable[..., Feedback]:
        @functools.wraps(check)
        def run(*answers: Any, **options: Any) -> Feedback:
            checker = Checker(title)
            try:
                check(checker, *answers, **options)
            except NotAttempted:
                checker.feedback.not_attempted = True
            except Hung as failure:
                if "recorded" not in getattr(failure, "__notes__", []):
                    checker.feedback.failed_cases.append(("your answer", str(failure)))
            except CaseFailed as failure:
                checker.feedback.failed_cases.append(("your answer", str(failure)))
            return checker.feedback

        return run

    return decorate
