"""Execute chapters one at a time in strict mode, and write each only if its claims held.

    python scripts/execute_notebooks.py chapters/01_why_concurrency.ipynb ...   (make execute)
    python scripts/execute_notebooks.py --check chapters/*.ipynb                (CI's claims run)

Each notebook runs top to bottom in a fresh kernel, in its own folder, with
``BOOK_CLAIMS=strict`` (lib.measure.claims): a claim that does not hold on a machine where it should
stops the run with its evidence. A notebook is written back only when every cell ran (cells
tagged ``raises-exception`` may fail, on purpose) and no output carries a note that a claim
could not be checked on this machine (one core, a busy CPU): such a note belongs on a
reader's screen, never in the committed book. ``--allow-notes`` writes it anyway. ``--check``
never writes: it fails on a claim that did not hold, and reports a note without failing, since
a machine that could not show a claim has contradicted nothing. ``--attempts 3`` gives a
notebook whose claim failed up to two more runs (CI's claims run does: a claim that a change
broke fails every run, a noisy moment rarely does three times); each failure is printed. The
exit status is 1 when any notebook failed or was not written.
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from pathlib import Path

import nbformat
from nbclient import NotebookClient
from nbclient.exceptions import CellExecutionError, CellTimeoutError, DeadKernelError

from lib.measure.claims import MODE_VARIABLE, NOTE_MARK

__all__ = ["main", "notes_in"]

CELL_TIMEOUT = 300  # seconds; a cell that waits longer is stuck, and the run says so


def notes_in(notebook: nbformat.NotebookNode) -> list[str]:
    """Every claim note in the notebook's outputs, as "cell N: text"."""
    found = []
    for index, cell in enumerate(notebook.cells):
        for output in cell.get("outputs", []):
            texts = [output.get("text", "")]
            texts.append(output.get("data", {}).get("text/plain", ""))
            for text in texts:
                text = "".join(text) if isinstance(text, list) else text
                if NOTE_MARK in text:
                    found.append(f"cell {index}: {text.strip()}")
    return found


def run(path: Path, attempts: int) -> tuple[nbformat.NotebookNode | None, float]:
    """Execute the notebook at ``path`` up to ``attempts`` times, until one run goes through.

    Only a failed claim earns another run (a program that took the CPU for a moment can
    contradict one measurement); any other error fails at once. Every failure is printed.
    """
    for attempt in range(1, attempts + 1):
        notebook = nbformat.read(path, as_version=4)
        client = NotebookClient(
            notebook, timeout=CELL_TIMEOUT, resources={"metadata": {"path": str(path.parent)}}
        )
        started = time.perf_counter()
        try:
            client.execute()
        except (CellExecutionError, CellTimeoutError, DeadKernelError) as error:
            again = attempt < attempts and "ClaimFailed" in str(error)
            verdict = "running it again" if again else "not written"
            print(
                f"{path}: FAILED (run {attempt} of {attempts}), {verdict}\n{error}", file=sys.stderr
            )
            if again:
                continue
            return None, 0.0
        return notebook, time.perf_counter() - started
    return None, 0.0


def execute(path: Path, *, write: bool, allow_notes: bool, attempts: int = 1) -> bool:
    """Run one notebook; write it back if asked and it may be. True if all went well."""
    notebook, seconds = run(path, attempts)
    if notebook is None:
        return False
    notes = notes_in(notebook)
    for note in notes:
        print(f"{path}: {note}", file=sys.stderr)
    if notes and not write:
        print(f"{path}: ran in {seconds:.1f} s; a claim this machine could not show was noted")
        return True
    if notes and not allow_notes:
        print(
            f"{path}: ran in {seconds:.1f} s, but NOT written: its outputs carry notes "
            "(run it on a machine that can show every claim, or pass --allow-notes)",
            file=sys.stderr,
        )
        return False
    if write:
        nbformat.write(notebook, path)
    print(f"{path}: every claim held, ran in {seconds:.1f} s" + (", written" if write else ""))
    return True


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("notebooks", nargs="+", type=Path)
    parser.add_argument("--check", action="store_true", help="execute, never write")
    parser.add_argument("--allow-notes", action="store_true", help="write notebooks with notes")
    parser.add_argument(
        "--attempts", type=int, default=1, help="runs a notebook whose claim failed may have"
    )
    args = parser.parse_args(argv)
    if args.attempts < 1:
        parser.error("--attempts must be at least 1")
    before = os.environ.get(MODE_VARIABLE)
    os.environ[MODE_VARIABLE] = "strict"  # every kernel started below inherits it
    try:
        results = [
            execute(
                path, write=not args.check, allow_notes=args.allow_notes, attempts=args.attempts
            )
            for path in args.notebooks
        ]
    finally:
        if before is None:
            del os.environ[MODE_VARIABLE]
        else:
            os.environ[MODE_VARIABLE] = before
    print(f"{sum(results)} of {len(results)} notebooks ran with every claim held")
    return 0 if all(results) else 1


if __name__ == "__main__":
    sys.exit(main())
