"""A small Sphinx extension that keeps the book's pages clean when read offline.

- sphinx-thebe registers its configuration script twice in this Jupyter Book version, which
  makes the browser report "Identifier 'THEBE_JS_URL' has already been declared"; we keep
  the first copy of each script.
- MathJax comes from a CDN; a page with no mathematics does not need it, so it is dropped
  there, and an offline reader's browser makes no failing request.
"""

from __future__ import annotations

from typing import Any

from sphinx.application import Sphinx


def _key(script: Any) -> tuple[str, str]:
    """A script is its file, or, for an inline script, its body (its file name is None or "")."""
    attributes = getattr(script, "attributes", {}) or {}
    body = str(attributes.get("body", ""))
    return ("" if body else str(getattr(script, "filename", script)), body)


def tidy_scripts(
    app: Sphinx, pagename: str, templatename: str, context: dict[str, Any], doctree: Any
) -> None:
    scripts = context.get("script_files")
    if not scripts:
        return
    body = context.get("body", "")
    has_math = 'class="math' in body
    seen: set[tuple[str, str]] = set()
    kept = []
    for script in scripts:
        key = _key(script)
        if key in seen:
            continue
        if "mathjax" in key[0].lower() and not has_math:
            continue
        seen.add(key)
        kept.append(script)
    context["script_files"] = kept


def setup(app: Sphinx) -> dict[str, Any]:
    app.connect("html-page-context", tidy_scripts, priority=100_000)  # after every other
    return {"parallel_read_safe": True, "parallel_write_safe": True}
