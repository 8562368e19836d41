"""Grade one submission: its code in a fresh kernel, then the book's own check of each exercise.

What runs: the chapter's import cells (the book's, not the submission's), then the
submission's cells from its "Exercises" heading on, in order, each under the cell time limit;
after the cells of each exercise, the book's check of it, called on the learner's names.
The submission's own check cells are skipped only when they are exactly a book check cell;
an edited one runs as learner code. The chapter's demos before the exercises are not run
(``whole=True`` runs every cell): an answer needing a name that only a demo defines fails
with a hint that names it.

Tampering: after every learner cell, and before and after every check, the kernel's
fingerprint of ``lib`` (see :mod:`grading.probe`) is compared with the one taken before
any learner code ran, and ``lib``'s files in the kernel's private copy are compared with the
book's at the end. A change flags the submission, and no check that ran on a changed ``lib``
earns a mark.
"""

from __future__ import annotations

import secrets
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from grading.chapters import Exercise, check_call, exercise_label, is_exercises_heading
from grading.chapters import python_of as _python_of
from grading.kernel import MAX_OUTPUT_CHARS, CellRun, Kernel
from grading.pristine import copy_lib, lib_changes
from grading.probe import MIME, reference
from grading.sandbox import Sandbox
from grading.submissions import Submission

__all__ = ["ExerciseResult", "Grade", "Limits", "grade", "plan"]

PROBE = reference()  # the grader's probe in the kernel, never a file the kernel can import


@dataclass(frozen=True, kw_only=True)
class Limits:
    """Seconds per learner cell, per notebook and per check; ``whole`` runs the demos too."""

    cell: float = 60.0
    notebook: float = 300.0
    check: float = 120.0  # the book's check of one exercise, which bounds its own calls
    whole: bool = False
    max_output: int = MAX_OUTPUT_CHARS


@dataclass
class ExerciseResult:
    """One exercise's verdict: passed, failed or not attempted, with each case's hint."""

    exercise: Exercise
    status: str = "failed"
    title: str = ""
    passed: list[str] = field(default_factory=list)
    failed: list[tuple[str, str]] = field(default_factory=list)
    why: str = ""  # why it failed, when no case says so (not run, missing, tampering)


@dataclass
class Grade:
    """A submission's results, and what happened on the way, in the gradebook's words."""

    submission: Submission
    results: list[ExerciseResult] = field(default_factory=list)
    events: list[str] = field(default_factory=list)
    flagged: str = ""
    seconds: float = 0.0
    sandbox: str = ""  # "bubblewrap", or why its kernel ran without one

    @property
    def total(self) -> int:
        return sum(result.status == "passed" for result in self.results)


@dataclass
class Step:
    """A learner cell to run (``cell`` >= 0, its index) or the check of ``exercise``."""

    cell: int = -1
    source: str = ""
    exercise: Exercise | None = None
    expects_error: bool = False  # tagged raises-exception: the book's own failing demos


def _is_check(source: str) -> bool:
    try:
        return check_call(_python_of(source)) is not None
    except Exception:  # IPython could not read it: it runs, and its error is the learner's
        return False


def plan(submission: Submission, whole: bool = False) -> list[Step]:
    """The learner cells to run, in order, and where each exercise's check comes."""
    assert submission.chapter is not None and submission.cells is not None
    cells, exercises = submission.cells, submission.chapter.exercises
    order = {exercise.label: index for index, exercise in enumerate(exercises)}
    start = next(
        (
            index
            for index, cell in enumerate(cells)
            if cell["cell_type"] == "markdown"
            and (is_exercises_heading(cell["source"]) or exercise_label(cell["source"]))
        ),
        None,
    )
    steps: list[Step] = []
    checked = 0
    for index, cell in enumerate(cells):
        if not whole and (start is None or index < start):
            continue
        source = cell["source"]
        if cell["cell_type"] == "markdown":
            label = exercise_label(source)
            while label in order and checked < order[label]:
                steps.append(Step(exercise=exercises[checked]))
                checked += 1
        elif cell["cell_type"] == "code" and source.strip() and not _is_check(source):
            expected = "raises-exception" in cell.get("tags", [])
            steps.append(Step(cell=index, source=source, expects_error=expected))
    steps += [Step(exercise=exercise) for exercise in exercises[checked:]]
    return steps


def _where(step: Step) -> str:
    first = next((line for line in step.source.splitlines() if line.strip()), "")
    first = first if len(first) <= 40 else first[:37] + "..."
    return f'cell {step.cell + 1} ("{first}")'


class _Grading:
    def __init__(self, submission: Submission, limits: Limits, kernel: Kernel) -> None:
        self.grade = Grade(submission)
        self.limits, self.kernel = limits, kernel
        self.baseline: dict[str, str] = {}
        self.digest = ""
        self.deadline = time.monotonic() + limits.notebook
        self.stopped = ""  # why the checks from here on cannot run
        self.errors: list[str] = []  # errors of the learner's cells since the last check

    def call(
        self, code: str, step: Step | None = None, limit: float | None = None, nonce: str = ""
    ) -> tuple[CellRun, dict[str, Any]]:
        """Run ``code`` as it is; the payload is the probe's answer carrying ``nonce``."""
        limit = limit or self.limits.cell
        left = self.deadline - time.monotonic()
        run = self.kernel.run(code, min(limit, left), MIME)
        where = _where(step) if step is not None else "the grader's own code"
        if run.status in ("timeout", "killed") and left < limit:
            self.stopped = f"the notebook ran past its {self.limits.notebook:g} s limit in {where}"
        elif run.status == "timeout":
            self.grade.events.append(f"{where} ran past {limit:g} s: interrupted")
        elif run.status == "killed":
            self.stopped = (
                f"{where} ran past {limit:g} s and ignored the interrupt: its kernel was stopped"
            )
        if run.status == "dead" and not self.stopped:
            self.stopped = f"the kernel died in {where} (exit(), os._exit or a crash?)"
        payload = next((data for data in run.data if nonce and data.get("nonce") == nonce), {})
        return run, payload

    def ask(
        self, method: str, *args: object, limit: float | None = None
    ) -> tuple[CellRun, dict[str, Any]]:
        """Call the probe's ``method`` in the kernel with a fresh nonce, then ``args``."""
        nonce = secrets.token_hex(8)
        code = f"{PROBE}.{method}({', '.join(repr(arg) for arg in (nonce, *args))})"
        return self.call(code, limit=limit, nonce=nonce)

    def changed(self, state: dict[str, Any] | None) -> list[str]:
        if not state or state.get("digest") == self.digest:
            return []
        prints = state.get("fingerprint") or {}
        return sorted(key for key in self.baseline if prints.get(key) != self.baseline[key])

    def flag(self, keys: list[str], where: str) -> None:
        if not self.grade.flagged:
            named = ", ".join(keys[:3]) + (f" and {len(keys) - 3} more" if len(keys) > 3 else "")
            self.grade.flagged = f"changed {named or 'lib'} in {where}"

    def start(self, modules: list[str], imports: tuple[str, ...]) -> bool:
        limit = self.limits.check  # the grader's own code, which imports what the book needs
        _, payload = self.ask("start", modules, limit=limit)
        self.baseline, self.digest = payload.get("fingerprint", {}), payload.get("digest", "")
        if not self.digest:
            self.stopped = "the grader could not start in the kernel"
            return False
        for source in imports:
            run, _ = self.call(source, limit=limit)
            if run.status != "ok":
                self.stopped = f"the chapter's imports failed: {run.error or run.status}"
                return False
        return True

    def learner_cell(self, step: Step) -> None:
        run, _ = self.call(step.source, step)
        if run.status == "error":
            self.errors.append(f"{_where(step)} raised {run.error}")
            if not step.expects_error:
                self.grade.events.append(self.errors[-1])
        if self.stopped or self.grade.flagged:
            return
        _, payload = self.ask("report", self.digest)
        keys = self.changed(payload.get("state"))
        if keys:
            self.flag(keys, _where(step))

    def check(self, exercise: Exercise) -> ExerciseResult:
        result = ExerciseResult(exercise)
        if self.stopped:
            result.why = f"not checked: {self.stopped}"
            return result
        run, payload = self.ask(
            "run_check",
            self.digest,
            exercise.module,
            exercise.check,
            list(exercise.answers),
            limit=self.limits.check,
        )
        outcome = payload.get("result")
        keys = self.changed(payload.get("before")) or self.changed(payload.get("after"))
        if keys and not self.grade.flagged:
            self.flag(keys, f"the check of {exercise.column}")
        if self.grade.flagged:
            result.why = f"not graded: the submission {self.grade.flagged}"
        elif outcome is None:
            result.why = f"the check did not finish: {self.stopped or run.error or run.status}"
        elif outcome.get("missing"):
            result.why = f"no `{'`, `'.join(outcome['missing'])}` defined"
            if self.errors:
                result.why += f": {self.errors[-1]}"
        elif outcome.get("error"):
            result.why = f"the check itself failed: {outcome['error']}"
        else:
            result.title = outcome.get("title", "")
            result.passed = list(outcome.get("passed", []))
            result.failed = [(case, hint) for case, hint in outcome.get("failed", [])]
            if outcome.get("not_attempted"):
                result.status = "not attempted"
            elif result.passed and not result.failed:
                result.status = "passed"
        self.errors = []
        return result


def grade(
    submission: Submission,
    scratch: Path,
    limits: Limits | None = None,
    sandbox: Sandbox | None = None,
) -> Grade:
    """Grade ``submission`` in a kernel that works in ``scratch`` (an empty folder), inside
    ``sandbox`` where one is given.

    Never raises for anything the submission does: what went wrong is in the ``Grade``.
    """
    limits = limits or Limits()
    started = time.monotonic()
    chapter = submission.chapter
    if submission.problem or chapter is None:
        return Grade(submission, events=[submission.problem or "no chapter"])
    modules = sorted({exercise.module for exercise in chapter.exercises})
    copy = copy_lib(scratch)
    try:
        with Kernel(scratch, sandbox=sandbox) as kernel:
            grading = _Grading(submission, limits, kernel)
            if grading.start(modules, chapter.imports):
                for step in plan(submission, limits.whole):
                    if step.exercise is not None:
                        grading.grade.results.append(grading.check(step.exercise))
                    elif not grading.stopped:
                        grading.learner_cell(step)
            done = {result.exercise.label for result in grading.grade.results}
            for exercise in chapter.exercises:
                if exercise.label not in done:
                    grading.grade.results.append(grading.check(exercise))
            printed = kernel.printed
    except RuntimeError as error:  # the kernel did not start
        seconds = time.monotonic() - started
        return Grade(submission, events=[f"not graded: {error}"], seconds=seconds)
    result = grading.grade
    if grading.stopped:
        result.events.append(grading.stopped)
    if printed > limits.max_output:
        result.events.append(f"printed {printed / 1e6:.1f} MB of output, far more than needed")
    edits = lib_changes(copy)
    if edits:
        result.flagged = result.flagged or f"edited {', '.join(edits[:3])} on disk"
        for item in result.results:
            item.status, item.why = "failed", f"not graded: the submission {result.flagged}"
            item.passed, item.failed = [], []
    result.seconds = time.monotonic() - started
    return result
