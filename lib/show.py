"""Show lib's own code in a chapter, so no helper is ever hidden magic."""

from __future__ import annotations

import inspect
from typing import Any


def show_source(obj: Any) -> Any:
    """Return the source of a function or class from lib, syntax-highlighted in Jupyter.

    Raises:
        TypeError: if ``obj`` has no Python source (a built-in, for example).
    """
    from IPython.display import Code  # imported here: lib works without IPython too

    try:
        source = inspect.getsource(obj)
    except (OSError, TypeError) as exc:
        raise TypeError(f"no Python source for {obj!r}") from exc
    return Code(source, language="python")
