"""tests.plugins.notebooks.cells_that_need: which cells a test may leave out of a chapter's run.

The chapter re-runs (asyncio debug mode, chapters 4 and 5 under another start method) leave out a
long measurement with every cell that uses what it measured; what they keep must still run.
"""

from __future__ import annotations

import nbformat
import pytest

from tests.plugins.notebooks import cells_that_need, names_of


def notebook(*sources: str) -> nbformat.NotebookNode:
    cells = [nbformat.v4.new_markdown_cell("# a chapter")]
    cells += [nbformat.v4.new_code_cell(source) for source in sources]
    return nbformat.v4.new_notebook(cells=cells)


def test_the_measurement_and_what_reads_its_results_are_left_out() -> None:
    chapter = notebook(
        "from lib.demos.loop_sweep import sweep\nLEVELS = [1, 10]",  # 1: binds sweep, reads nothing
        "swept = await asyncio.to_thread(sweep, url, LEVELS)",  # 2: reads sweep
        "for name, result in swept.items():\n    print(name, result)",  # 3: reads swept
        "best = max(result.throughput for result in swept.values())",  # 4: reads swept
        "print(f'{best:.0f} per second')",  # 5: reads best, which 4 bound
        "print(LEVELS)",  # 6: reads what 1 bound
        "name = 'kept'\nprint(name)",  # 7: binds the name 2 bound before reading it
        "%xmode Minimal\nprint(name, len(LEVELS))",  # 8: reads the name 7 bound again
    )
    assert cells_that_need(chapter, ["sweep"]) == [2, 3, 4, 5]


def test_a_cell_that_binds_the_name_and_reads_it_is_left_out_too() -> None:
    chapter = notebook(
        "seconds = [0.0] * 3\nfor i in range(3):\n    seconds[i] = max(seconds[i], i)",  # 1
        "print(seconds)",  # 2
        "def time_it(n):\n    return n\n\nprint(time_it(1))",  # 3: binds and reads time_it
        "print('independent')",  # 4
    )
    assert cells_that_need(chapter, ["seconds", "time_it"]) == [1, 2, 3]


def test_a_name_read_by_no_cell_is_an_error() -> None:
    chapter = notebook("from lib.demos.loop_sweep import sweep", "print('no sweep here')")
    with pytest.raises(LookupError, match="sweep"):
        cells_that_need(chapter, ["sweep"])


def test_names_of_sees_bindings_of_every_kind_and_ipython_syntax() -> None:
    bound, read = names_of(
        "import os.path as p, sys\n"
        "from x import y\n"
        "%time z = 1\n"
        "async def f(a, *b, c=d, **e):\n"
        "    return [g async for g in a]\n"
        "class K:\n"
        "    pass\n"
        "try:\n"
        "    pass\n"
        "except OSError as error:\n"
        "    del error\n"
        "await f(h)"
    )
    assert {"p", "sys", "y", "f", "a", "b", "c", "e", "g", "K", "error"} <= bound
    assert {"d", "h", "OSError", "get_ipython"} <= read
    assert "os" not in bound
