"""Workers that read numbers from a shared-memory block by its name (lib.demos.shared_sums).

The workers run under ``spawn`` as well: that is the start method that needs them to be
importable, and chapter 5 relies on them working under every method.
"""

from __future__ import annotations

import multiprocessing
from collections.abc import Iterator
from concurrent.futures import ProcessPoolExecutor
from multiprocessing.shared_memory import SharedMemory

import pytest

from lib.demos.shared_sums import ITEM_SIZE, add_shared_to, fill_block, slices, sum_shared

NUMBERS = [5, -3, 8, 1, 9, -2, 7]


@pytest.fixture
def block() -> Iterator[SharedMemory]:
    created = SharedMemory(create=True, size=len(NUMBERS) * ITEM_SIZE)
    try:
        fill_block(created, NUMBERS)
        yield created
    finally:
        created.close()
        created.unlink()


@pytest.mark.parametrize(
    ("count", "parts", "expected"),
    [
        (7, 2, [(0, 3), (3, 7)]),
        (7, 3, [(0, 2), (2, 4), (4, 7)]),
        (2, 4, [(0, 1), (1, 2)]),
        (0, 3, []),
        (5, 1, [(0, 5)]),
    ],
)
def test_slices_cover_every_position_once(
    count: int, parts: int, expected: list[tuple[int, int]]
) -> None:
    assert slices(count, parts) == expected


def test_slices_refuse_no_parts() -> None:
    with pytest.raises(ValueError, match="at least 1"):
        slices(3, 0)


def test_sum_shared_sums_a_range(block: SharedMemory) -> None:
    assert sum_shared(block.name, 0, len(NUMBERS)) == sum(NUMBERS)
    assert sum_shared(block.name, 2, 4) == 9
    assert sum_shared(block.name, 3, 3) == 0


def test_sum_shared_refuses_a_range_past_the_end(block: SharedMemory) -> None:
    with pytest.raises(ValueError, match="past the end"):
        sum_shared(block.name, 0, block.size // ITEM_SIZE + 1)
    with pytest.raises(ValueError, match="not a range"):
        sum_shared(block.name, 4, 2)


def test_sum_shared_finds_no_unlinked_block() -> None:
    gone = SharedMemory(create=True, size=ITEM_SIZE)
    gone.close()
    gone.unlink()
    with pytest.raises(FileNotFoundError):
        sum_shared(gone.name, 0, 1)


def test_fill_block_refuses_numbers_that_do_not_fit() -> None:
    small = SharedMemory(create=True, size=ITEM_SIZE)
    try:
        with pytest.raises(ValueError, match="do not fit"):
            fill_block(small, list(range(small.size)))  # a byte for each would fit; 8 do not
    finally:
        small.close()
        small.unlink()


def test_the_workers_run_under_spawn(block: SharedMemory) -> None:
    spawn = multiprocessing.get_context("spawn")
    ranges = slices(len(NUMBERS), 2)
    starts, stops = zip(*ranges, strict=True)
    with ProcessPoolExecutor(max_workers=2, mp_context=spawn) as pool:
        parts = list(pool.map(sum_shared, [block.name] * 2, starts, stops, timeout=60))
    assert sum(parts) == sum(NUMBERS)
    total = spawn.Value("q", 0)
    adders = [
        spawn.Process(target=add_shared_to, args=(total, block.name, start, stop, True))
        for start, stop in ranges
    ]
    for adder in adders:
        adder.start()
    for adder in adders:
        adder.join(timeout=60)
    assert [adder.exitcode for adder in adders] == [0, 0]
    assert total.value == sum(NUMBERS)
