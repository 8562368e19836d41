"""A sentence about a measurement, checked by the cell that measured it.

The book's text says what a run shows ("the processes computed in parallel"). Such a sentence
is only true if the run showed it, so each one is stated as code, next to its measurement::

    claim(
        faster >= 1.4,
        "the processes computed in parallel",
        evidence=f"{faster:.1f}× faster than one after another",
        conditions=[enough_cores(2), quiet_machine(load)],
    )

A claim that held is shown with its evidence. What happens to one that did not depends on how
the notebook runs, which the environment variable ``BOOK_CLAIMS`` says:

- ``strict`` (``make execute``, ``make book``, CI's claims run): :class:`ClaimFailed` is raised
  with the evidence, so no committed output and no published page contradicts its text;
- ``reader`` (the default: JupyterLab, Colab, ``make test``'s nbval, which runs notebooks side
  by side on shared cores): a note with the evidence is shown, and the chapter goes on.

A claim about the machine names its *conditions*: enough cores, a CPU not taken by other
programs. When the claim did not hold and a condition did not either, the note says so, in both
modes: that machine could not show it, which is no contradiction.
"""

from __future__ import annotations

import html
import os
import sys
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Literal

from lib.measure.cores import usable_cpus
from lib.measure.machine_load import MachineLoad

__all__ = [
    "MODE_VARIABLE",
    "ClaimFailed",
    "Condition",
    "Verdict",
    "claim",
    "claims_mode",
    "enough_cores",
    "gil_enabled",
    "judge",
    "quiet_machine",
    "show",
]

#: The environment variable that chooses how a claim that did not hold is reported.
MODE_VARIABLE = "BOOK_CLAIMS"
#: The start of every note, so that a test can find one in a committed output.
NOTE_MARK = "⚠ Not "

Mode = Literal["reader", "strict"]


class ClaimFailed(AssertionError):
    """A claim did not hold on a machine where it should have, in strict mode."""


@dataclass(frozen=True)
class Condition:
    """What a claim needs of the machine: whether it held, and what was found.

    ``needs`` reads "at least 2 usable cores"; ``found`` reads "this machine has 1 usable
    core", whether or not the condition held.
    """

    holds: bool
    needs: str
    found: str


@dataclass(frozen=True)
class Verdict:
    """What became of a claim: ``"held"``, ``"failed"``, or ``"unchecked"`` (a condition did
    not hold, so this machine could not show it)."""

    outcome: Literal["held", "failed", "unchecked"]
    statement: str
    evidence: str
    conditions: tuple[Condition, ...] = ()

    def text(self) -> str:
        """The verdict as one paragraph of plain text."""
        if self.outcome == "held":
            return f"✓ Shown by this run: {self.statement} ({self.evidence})."
        if self.outcome == "unchecked":
            unmet = [c for c in self.conditions if not c.holds]
            # Two measurements may need the same thing (a quiet machine): it is said once.
            needs = " and ".join(dict.fromkeys(condition.needs for condition in unmet))
            found = "; ".join(condition.found for condition in unmet)
            return (
                f"{NOTE_MARK}checked on this machine: {self.statement}. That needs {needs}, "
                f"and here {found}. This run measured: {self.evidence}."
            )
        found = "; ".join(condition.found for condition in self.conditions)
        return (
            f"{NOTE_MARK}shown by this run: {self.statement}. This run measured: "
            f"{self.evidence}" + (f" ({found})" if found else "") + ". Run the cell again; "
            "a program that started meanwhile can take the CPU from a measurement."
        )

    def failure(self) -> str:
        """What a claim that did not hold measured, for the error that strict mode raises."""
        found = "; ".join(condition.found for condition in self.conditions)
        return f"{self.statement}: not shown by this run, which measured {self.evidence}" + (
            f" ({found})" if found else ""
        )

    def _repr_html_(self) -> str:
        colour = "#009E73" if self.outcome == "held" else "#E69F00"
        return (
            f'<div class="book-claim book-claim-{self.outcome}" style="border-left: 4px solid '
            f'{colour}; padding: 0.2em 0.7em; margin: 0.3em 0">{html.escape(self.text())}</div>'
        )

    def __repr__(self) -> str:
        return self.text()


def claims_mode() -> Mode:
    """``"strict"`` or ``"reader"``, from ``BOOK_CLAIMS`` (``"reader"`` when it is unset).

    Raises:
        ValueError: if ``BOOK_CLAIMS`` holds anything else.
    """
    mode = os.environ.get(MODE_VARIABLE, "").strip().lower() or "reader"
    if mode == "reader":
        return "reader"
    if mode == "strict":
        return "strict"
    raise ValueError(f"{MODE_VARIABLE} must be 'strict' or 'reader', not {mode!r}")


def enough_cores(needed: int) -> Condition:
    """At least ``needed`` cores that this process may use (``lib.measure.cores.usable_cpus``)."""
    cores = usable_cpus()
    noun = "core" if cores == 1 else "cores"
    return Condition(cores >= needed, f"at least {needed} usable cores", f"{cores} usable {noun}")


def gil_enabled() -> Condition:
    """The global interpreter lock is on, as in the standard build of CPython."""
    check = getattr(sys, "_is_gil_enabled", None)
    enabled = True if check is None else bool(check())
    found = "the GIL is on" if enabled else "this Python runs without the GIL (free-threaded)"
    return Condition(enabled, "the GIL (the standard build of CPython)", found)


def quiet_machine(load: MachineLoad, limit: float = 0.15) -> Condition:
    """Other programs used at most ``limit`` of the machine's CPU during ``load``'s block.

    Raises:
        ValueError: if ``limit`` is not between 0 and 1.
    """
    if not 0 < limit <= 1:
        raise ValueError(f"limit is a share of the CPU, between 0 and 1, not {limit}")
    return Condition(
        load.others_share <= limit, "a CPU that other programs leave alone", load.describe()
    )


def judge(holds: bool, statement: str, evidence: str, conditions: Iterable[Condition]) -> Verdict:
    """The verdict on a claim, without showing or raising anything."""
    conditions = tuple(conditions)
    if bool(holds):
        return Verdict("held", statement, evidence, conditions)
    if all(condition.holds for condition in conditions):
        return Verdict("failed", statement, evidence, conditions)
    return Verdict("unchecked", statement, evidence, conditions)


def claim(
    holds: bool, statement: str, *, evidence: str, conditions: Iterable[Condition] = ()
) -> None:
    """State that a run showed ``statement``, with the ``evidence`` that backs it.

    Raises:
        ClaimFailed: in strict mode, if the claim did not hold while its conditions did.
        ValueError: if ``BOOK_CLAIMS`` is neither ``strict`` nor ``reader``.
    """
    mode = claims_mode()
    verdict = judge(holds, statement, evidence, conditions)
    if verdict.outcome == "failed" and mode == "strict":
        raise ClaimFailed(verdict.failure())
    show(verdict)  # a coloured line in a notebook, printed elsewhere


def show(verdict: Verdict) -> None:
    """Show a verdict: as rich output in IPython, as plain text elsewhere."""
    try:
        from IPython import get_ipython
        from IPython.display import display
    except ImportError:
        print(verdict.text())
        return
    if get_ipython() is None:
        print(verdict.text())
    else:
        display(verdict)  # type: ignore[no-untyped-call]
