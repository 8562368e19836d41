"""Workers that read numbers from a ``multiprocessing.shared_memory`` block, by its name.

Chapter 5 puts a long list of numbers into one shared-memory block and sends each worker
process only the block's name and a range of positions: a few dozen bytes, instead of a
pickled copy of the numbers. The block holds 8-byte signed integers (``array("q")``), one
after the other, as :func:`fill_block` writes them.

Each worker attaches to the block, reads, and closes its own handle; it never unlinks the
block. Only its creator does that, once, when no process needs it any more: a block that is
never unlinked outlives every process that used it, until the machine restarts.
"""

from __future__ import annotations

from array import array
from itertools import pairwise
from multiprocessing.shared_memory import SharedMemory
from multiprocessing.sharedctypes import Synchronized

__all__ = ["ITEM_SIZE", "add_shared_to", "fill_block", "slices", "sum_shared"]

ITEM_SIZE = 8  # bytes a number takes in a block: a C long long, array typecode "q"


def fill_block(block: SharedMemory, numbers: list[int]) -> None:
    """Write ``numbers`` at the start of ``block``, 8 bytes each.

    Raises:
        ValueError: if the block is too small for them, or closed.
        OverflowError: if a number does not fit in 8 bytes.
    """
    data = array("q", numbers).tobytes()
    if len(data) > block.size:
        raise ValueError(f"{len(data)} bytes of numbers do not fit a block of {block.size}")
    _buffer(block)[: len(data)] = data


def _buffer(block: SharedMemory) -> memoryview:
    if block.buf is None:
        raise ValueError("the block is closed")
    return block.buf


def _read(name: str, start: int, stop: int) -> array[int]:
    block = SharedMemory(name=name)  # attach: never create, never unlink
    numbers: array[int] = array("q")
    try:
        view = _buffer(block)[start * ITEM_SIZE : stop * ITEM_SIZE]
        numbers.frombytes(view)  # a copy of the range
        view.release()  # close() refuses while a view of the block is alive
    finally:
        block.close()
    return numbers


def sum_shared(name: str, start: int, stop: int) -> int:
    """The sum of the numbers at positions ``start`` to ``stop - 1`` of the block ``name``.

    Raises:
        FileNotFoundError: if no block of that name exists (unlinked already, or a typo).
        ValueError: if the range goes past the end of the block.
    """
    if not 0 <= start <= stop:
        raise ValueError(f"not a range of positions: {start} to {stop}")
    numbers = _read(name, start, stop)
    if len(numbers) != stop - start:
        raise ValueError(f"positions {start} to {stop} go past the end of the block")
    return sum(numbers)


def add_shared_to(total: Synchronized[int], name: str, start: int, stop: int, lock: bool) -> None:
    """Add the numbers at positions ``start`` to ``stop - 1`` of the block ``name`` to the
    shared ``total`` (a ``multiprocessing.Value("q")``), one ``+=`` at a time.

    ``total.value += number`` reads, then writes: with ``lock=False`` two processes doing it
    at once lose updates; with ``lock=True`` each step runs under ``total.get_lock()``.

    Raises:
        FileNotFoundError: if no block of that name exists.
    """
    for number in _read(name, start, stop):
        if lock:
            with total.get_lock():
                total.value += number
        else:
            total.value += number


def slices(count: int, parts: int) -> list[tuple[int, int]]:
    """``count`` positions cut into at most ``parts`` ranges ``(start, stop)`` of nearly equal
    length, in order, none empty (so no range at all for ``count == 0``).

    Raises:
        ValueError: if ``parts`` is less than 1.
    """
    if parts < 1:
        raise ValueError(f"parts must be at least 1, got {parts}")
    parts = min(parts, count)
    bounds = [count * part // parts for part in range(parts + 1)] if parts else [0]
    return list(pairwise(bounds))
