"""A figure's alt text, made from the data it was drawn from, and carried inside its PNG.

A screen reader reads a chart's alt text. Written by hand, it describes the bars the author
saw once; made here, it describes the bars this run drew. A plot helper that knows its data
calls :func:`describe`; any other figure gets a generic description of what it shows
(:func:`alt_text`). In IPython, the PNG a notebook stores then carries the text in an ``iTXt``
chunk (keyword ``Description``), and the output's metadata carries it as ``alt``. The HTML
book reads the PNG's (``_ext/figure_alt.py``); JupyterLab 4 sets no alt on an output image, so
there the text is in the file, for any tool that reads it, but not on the screen.
"""

from __future__ import annotations

import base64
import struct
import weakref
import zlib
from collections.abc import Callable
from typing import Any

from matplotlib.figure import Figure

from lib.charts._generic_alt import generic_alt

__all__ = [
    "alt_text",
    "describe",
    "install_formatter",
    "png_description",
    "with_description",
]

_EXPLICIT: weakref.WeakKeyDictionary[Figure, str] = weakref.WeakKeyDictionary()
_SIGNATURE = b"\x89PNG\r\n\x1a\n"
_KEYWORD = b"Description"
_MARK = "_lib_charts_alt"  # set on our wrapper, so it is never wrapped twice


def describe(figure: Figure, text: str) -> Figure:
    """Set ``figure``'s alt text to ``text`` and return the figure.

    In IPython it also makes sure the PNG formatter adds the text (:func:`install_formatter`).

    Raises:
        ValueError: if ``text`` is blank.
    """
    if not text.strip():
        raise ValueError("an alt text must say something")
    _EXPLICIT[figure] = " ".join(text.split())
    install_formatter()
    return figure


def alt_text(figure: Figure) -> str:
    """The text :func:`describe` set, else a generic description of ``figure``'s artists: its
    title, axis labels, bars (with their labels), horizontal timelines and lines. Never raises
    for a figure: an empty one is "An empty figure."."""
    explicit = _EXPLICIT.get(figure)
    return explicit if explicit is not None else generic_alt(figure)


def _chunks(data: bytes) -> list[tuple[bytes, bytes]]:
    """The PNG's chunks as (type, body). Raises ValueError if ``data`` is not a whole PNG."""
    if not data.startswith(_SIGNATURE):
        raise ValueError("not a PNG: the signature is missing")
    chunks, offset = [], len(_SIGNATURE)
    while offset < len(data):
        if offset + 8 > len(data):
            raise ValueError("a truncated PNG: a chunk header is cut off")
        (length,) = struct.unpack(">I", data[offset : offset + 4])
        kind = data[offset + 4 : offset + 8]
        body = data[offset + 8 : offset + 8 + length]
        if len(body) != length or offset + 12 + length > len(data):
            raise ValueError(f"a truncated PNG: chunk {kind!r} is cut off")
        chunks.append((kind, body))
        offset += 12 + length
    return chunks


def _chunk(kind: bytes, body: bytes) -> bytes:
    return struct.pack(">I", len(body)) + kind + body + struct.pack(">I", zlib.crc32(kind + body))


def _text_of(kind: bytes, body: bytes) -> str | None:
    """The text of a ``Description`` text chunk, or None for any other chunk."""
    keyword, _, rest = body.partition(b"\0")
    if keyword != _KEYWORD:
        return None
    if kind == b"tEXt":
        return rest.decode("latin-1")
    if kind == b"iTXt" and len(rest) >= 2:
        compressed, text = rest[0], rest[2:].split(b"\0", 2)[-1]
        return (zlib.decompress(text) if compressed else text).decode("utf-8")
    return None


def png_description(data: bytes) -> str | None:
    """The ``Description`` text a PNG carries (``iTXt`` or ``tEXt``), or None if it has none.

    Raises:
        ValueError: if ``data`` is not a PNG, or a truncated one.
    """
    for kind, body in _chunks(data):
        text = _text_of(kind, body) if kind in (b"iTXt", b"tEXt") else None
        if text is not None:
            return text
    return None


def with_description(data: bytes, text: str) -> bytes:
    """``data``, a PNG, with ``text`` in an ``iTXt`` chunk (keyword ``Description``, UTF-8,
    uncompressed) right after the header; a ``Description`` it carried before is replaced.

    Raises:
        ValueError: if ``data`` is not a PNG, or a truncated one.
    """
    chunks = [
        (kind, body)
        for kind, body in _chunks(data)
        if kind not in (b"iTXt", b"tEXt") or _text_of(kind, body) is None
    ]
    body = _KEYWORD + b"\0\0\0\0\0" + text.encode("utf-8")  # no compression, no language
    chunks.insert(1, (b"iTXt", body))
    return _SIGNATURE + b"".join(_chunk(kind, chunk_body) for kind, chunk_body in chunks)


def _add_alt(figure: Figure, result: Any) -> Any:
    """A PNG formatter's result for ``figure`` (bytes, base64 str, or either with its
    metadata), with the alt text inside the PNG and in the metadata."""
    if result is None:
        return None
    data, metadata = result if isinstance(result, tuple) else (result, None)
    text = alt_text(figure)
    if isinstance(data, str):
        raw = base64.b64decode(data)
        data = base64.b64encode(with_description(raw, text)).decode("ascii")
    else:
        data = with_description(bytes(data), text)
    return data, {**(metadata or {}), "alt": text}


def install_formatter() -> bool:
    """Wrap IPython's PNG formatter for figures so each PNG carries its alt text.

    Idempotent: a wrapped formatter is left as it is, and a formatter that replaced it since
    (a later ``%matplotlib inline``) is wrapped again. Returns whether a formatter is wrapped;
    outside IPython, or with no PNG formatter for figures, it does nothing and returns False.
    Never raises.
    """
    try:
        from IPython import get_ipython
    except ImportError:  # a plain Python with no IPython installed
        return False
    shell = get_ipython()
    if shell is None:
        return False
    formatter = shell.display_formatter.formatters.get("image/png")
    try:
        current: Callable[..., Any] = formatter.lookup_by_type(Figure)
    except (AttributeError, KeyError):
        return False
    if getattr(current, _MARK, False):
        return True

    def png_with_alt(figure: Figure, *args: Any, **kwargs: Any) -> Any:
        return _add_alt(figure, current(figure, *args, **kwargs))

    setattr(png_with_alt, _MARK, True)
    formatter.for_type(Figure, png_with_alt)
    return True
