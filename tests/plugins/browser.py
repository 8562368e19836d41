"""The headless Chromium that the browser tests drive, found and configured in one place.

Chromium comes from the system (``apt-get install chromium`` on Debian) and Playwright drives
it. Outside CI a test module that needs it is skipped when either is missing; under CI (the
``CI`` variable set) a missing Chromium is a failure, raised by the test that needs it.
"""

from __future__ import annotations

import os
import shutil
from types import ModuleType

import pytest

__all__ = ["CHROMIUM", "CHROMIUM_ARGS", "playwright_or_skip"]

CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
#: Flags for a headless browser on a machine with no network and no display.
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]


def playwright_or_skip() -> ModuleType:
    """``playwright.sync_api``; call it at the top of a test module.

    Skips the whole module when Chromium is missing outside CI, or Playwright is not installed.
    """
    if CHROMIUM is None and not os.environ.get("CI"):
        pytest.skip("Chromium is not installed (apt-get install chromium)", allow_module_level=True)
    return pytest.importorskip("playwright.sync_api")
