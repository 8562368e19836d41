"""Sizes and durations in words, the way the book writes them: ``1.5 KiB``, ``1.23 s``."""

__all__ = [
    "format_bytes",
    "format_duration",
]


def format_bytes(size: float) -> str:
    """``1536`` -> ``'1.5 KiB'``; under 1 KiB in ``bytes``. Negative sizes keep their sign."""
    sign, size = ("-" if size < 0 else ""), abs(size)
    if size < 1024:
        return f"{sign}{size:.0f} bytes"
    for unit in ("KiB", "MiB", "GiB"):
        size /= 1024
        if size < 1024 or unit == "GiB":
            return f"{sign}{size:.1f} {unit}"
    raise AssertionError("unreachable")


def format_duration(seconds: float) -> str:
    """'1.23 s', '4.5 ms' or '67.8 µs', whichever reads best. Never raises."""
    if abs(seconds) >= 0.1:
        return f"{seconds:.2f} s"
    if abs(seconds) >= 1e-3:
        return f"{seconds * 1e3:.1f} ms"
    return f"{seconds * 1e6:.1f} µs"
