"""Where the bench runs and writes, and the constants its suites share."""

from __future__ import annotations

import os
import sys
from pathlib import Path

__all__ = [
    "ARTICLE_IDS",
    "BIN",
    "OUT",
    "ROOT",
    "TIMEOUT",
    "venv_env",
]

ROOT = Path(__file__).resolve().parent.parent
OUT = ROOT / "_build" / "bench"
BIN = Path(sys.executable).parent
# The fifteen ids the chapters fetch (their ANIME_IDS; each notebook defines its own copy).
ARTICLE_IDS = [100, 200, 300, 400, 700, 628, 524, 377, 826, 451, 280, 395, 399, 124, 626]
TIMEOUT = 60.0  # seconds for any one request: generous, a bench must not fail on a timeout


def venv_env() -> dict[str, str]:
    """This environment with the virtual environment's ``bin`` first on ``PATH``."""
    return {**os.environ, "PATH": str(BIN) + os.pathsep + os.environ.get("PATH", "")}
