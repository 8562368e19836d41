"""The book's ``lib`` as grading found it: each kernel imports a copy of that, and any change
to a copy, or to the book's own, is found by comparing with it."""

from __future__ import annotations

import functools
from pathlib import Path

__all__ = ["LIB", "copy_lib", "lib_changes", "pristine_lib"]

LIB = Path(__file__).resolve().parents[1] / "lib"  # the book's, beside this package


@functools.cache
def pristine_lib() -> dict[str, bytes]:
    """The book's ``lib``, file by file, as it was when grading began (read once)."""
    return {
        path.relative_to(LIB).as_posix(): path.read_bytes()
        for path in sorted(LIB.rglob("*"))
        if path.is_file() and "__pycache__" not in path.parts and path.suffix != ".pyc"
    }


def copy_lib(scratch: Path) -> Path:
    """Write ``lib`` as grading found it into ``scratch``; return the copy's folder.

    The copy comes from :func:`pristine_lib`, so an edit a submission made to the book's
    own files (through an absolute path) never reaches the submissions graded after it.
    """
    target = scratch / "lib"
    for name, content in pristine_lib().items():
        (target / name).parent.mkdir(parents=True, exist_ok=True)
        (target / name).write_bytes(content)
    return target


def lib_changes(folder: Path) -> list[str]:
    """The files under ``folder`` (a copy of ``lib``, or lib) that differ from the pristine
    ``lib``: changed, added or gone, as ``lib/...`` paths."""
    pristine = pristine_lib()
    found = {
        path.relative_to(folder).as_posix()
        for path in folder.rglob("*")
        if path.is_file() and "__pycache__" not in path.parts and path.suffix != ".pyc"
    }
    return [
        f"lib/{name}"
        for name in sorted(found | set(pristine))
        if name not in found
        or name not in pristine
        or (folder / name).read_bytes() != pristine[name]
    ]
