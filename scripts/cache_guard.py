"""Throw away the book's execution cache when lib/ or the requirements change.

jupyter-cache only sees a notebook's own cells, so a change to lib/ would otherwise leave
stale outputs in the book. We keep a hash of everything the notebooks import next to the
cache, and delete the cache when the hash differs. Run from the repository root.
"""

from __future__ import annotations

import hashlib
import shutil
from pathlib import Path

CACHE = Path("_build/.jupyter_cache")
STAMP = Path("_build/.jupyter_cache.inputs-sha256")
INPUTS = [*sorted(Path("lib").rglob("*.py")), Path("requirements.txt"), Path("pyproject.toml")]


def inputs_hash() -> str:
    digest = hashlib.sha256()
    for path in INPUTS:
        digest.update(path.as_posix().encode())
        digest.update(path.read_bytes())
    return digest.hexdigest()


def main() -> None:
    current = inputs_hash()
    previous = STAMP.read_text().strip() if STAMP.exists() else None
    if current != previous:
        if CACHE.exists():
            print("lib/ or the requirements changed: clearing the execution cache")
            shutil.rmtree(CACHE)
        STAMP.parent.mkdir(parents=True, exist_ok=True)
        STAMP.write_text(current + "\n")


if __name__ == "__main__":
    main()
