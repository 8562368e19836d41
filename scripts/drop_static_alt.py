"""Remove the static ``mystnb.image.alt`` from the chapters' cells, run once (issue 23).

A figure's alt text is now made from its data by ``lib.charts`` and carried in its PNG, so a
hand-written one could only contradict it. Only that key goes (and a ``mystnb`` left empty);
everything else stays byte for byte, written as nbformat writes it.

    python scripts/drop_static_alt.py chapters/*.ipynb
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

__all__ = ["drop_static_alt", "main"]


def drop_static_alt(path: Path) -> int:
    """Drop the static alt texts of one notebook; return how many went. Raises OSError or
    json.JSONDecodeError if the file cannot be read as a notebook."""
    notebook = json.loads(path.read_text(encoding="utf-8"))
    dropped = 0
    for cell in notebook["cells"]:
        mystnb = cell.get("metadata", {}).get("mystnb")
        image = mystnb.get("image") if isinstance(mystnb, dict) else None
        if not isinstance(image, dict) or "alt" not in image:
            continue
        del image["alt"]
        dropped += 1
        if not image:
            del mystnb["image"]
        if not mystnb:
            del cell["metadata"]["mystnb"]
    if dropped:
        text = json.dumps(notebook, indent=1, ensure_ascii=False) + "\n"
        path.write_text(text, encoding="utf-8")
    return dropped


def main(paths: list[str]) -> int:
    """Drop them from every notebook named; print the count of each. Raises as
    :func:`drop_static_alt` does."""
    for name in paths:
        print(f"{name}: {drop_static_alt(Path(name))} static alt texts dropped")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
