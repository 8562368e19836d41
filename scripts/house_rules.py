"""The house rules a machine can check, for ``make lint`` and the pre-commit hooks.

``python scripts/house_rules.py sizes`` fails when a module is longer than the house allows:
300 lines in ``lib/``, ``bench/``, ``grading/`` and ``scripts/``, 400 in ``tests/``.
``python scripts/house_rules.py message FILE`` fails when a commit message's subject (its
first line) is longer than 72 characters or empty, or the second line is not blank: the
reasons and the measurements go in the body.

Each check prints one line per problem and exits 1 if there was any, else 0.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Iterator, Sequence
from pathlib import Path

__all__ = [
    "LIMITS",
    "SUBJECT_LIMIT",
    "message_problems",
    "size_problems",
]

#: The longest a module may be, in lines, by the folder it is in.
LIMITS = {"lib": 300, "bench": 300, "grading": 300, "scripts": 300, "tests": 400}
#: The longest a commit subject may be, in characters.
SUBJECT_LIMIT = 72


def size_problems(root: Path) -> Iterator[str]:
    """A line for each module under ``root`` longer than :data:`LIMITS` allows."""
    for folder, limit in LIMITS.items():
        for path in sorted((root / folder).rglob("*.py")):
            lines = len(path.read_text(encoding="utf-8").splitlines())
            if lines > limit:
                where = path.relative_to(root).as_posix()
                yield f"{where}: {lines} lines; {folder}/ allows {limit}: split it by job"


def message_problems(message: str) -> Iterator[str]:
    """A line for each way ``message`` breaks the commit style (comments are left out)."""
    lines = [line for line in message.splitlines() if not line.startswith("#")]
    subject = lines[0].strip() if lines else ""
    if not subject:
        yield "the subject (first line) is empty"
    elif len(subject) > SUBJECT_LIMIT:
        yield (
            f"the subject is {len(subject)} characters; at most {SUBJECT_LIMIT}: say what "
            "changed, and put why and the measurements in the body"
        )
    if len(lines) > 1 and lines[1].strip():
        yield "the second line must be blank: it separates the subject from the body"


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    checks = parser.add_subparsers(dest="check", required=True)
    checks.add_parser("sizes", help="modules within their folder's line limit")
    message = checks.add_parser("message", help="a commit message file in the house style")
    message.add_argument("file", type=Path)
    args = parser.parse_args(argv)
    if args.check == "sizes":
        problems = list(size_problems(Path(__file__).resolve().parents[1]))
    else:
        problems = list(message_problems(args.file.read_text(encoding="utf-8")))
    for problem in problems:
        print(problem, file=sys.stderr)
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
