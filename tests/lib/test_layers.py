"""lib's rooms import downwards only, and no module imports itself back round a circle.

The layers, top first: ``charts`` and ``exercises``; ``demos``; ``anilist``; ``measure``;
``plumbing``. A learner who opens a chart module may follow its imports down into the demo it
draws and the measurement behind it, never back up; and no room reaches out of ``lib`` into
the teacher's grader, the tests or the bench.
"""

from __future__ import annotations

import ast
import functools
from collections.abc import Iterator
from pathlib import Path

import pytest

LIB = Path(__file__).resolve().parents[2] / "lib"
LAYERS = {"charts": 4, "exercises": 4, "demos": 3, "anilist": 2, "measure": 1, "plumbing": 0}


def module_name(path: Path) -> str:
    parts = path.relative_to(LIB.parent).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def imported(path: Path) -> Iterator[str]:
    """Every module ``path`` imports, at any depth of its code, by its dotted name."""
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            yield from (alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            yield node.module
            yield from (f"{node.module}.{alias.name}" for alias in node.names)


MODULES = {module_name(path): path for path in sorted(LIB.rglob("*.py"))}


@functools.cache
def graph() -> dict[str, set[str]]:
    return {
        name: {target for target in imported(path) if target in MODULES and target != name}
        for name, path in MODULES.items()
    }


def room(name: str) -> str | None:
    parts = name.split(".")
    return parts[1] if len(parts) > 2 else None


def test_every_room_has_a_layer() -> None:
    rooms = {room(name) for name in MODULES} - {None}
    assert rooms == set(LAYERS), "a new room needs its place in LAYERS and in lib/__init__.py"


@pytest.mark.parametrize("name", sorted(MODULES))
def test_imports_go_down_only(name: str) -> None:
    mine = room(name)
    upward = [
        target
        for target in graph()[name]
        if mine is not None
        and (theirs := room(target)) is not None
        and theirs != mine
        and LAYERS[theirs] >= LAYERS[mine]
    ]
    assert upward == [], f"{name} (layer {LAYERS.get(mine or '')}) imports up or across"


@pytest.mark.parametrize("name", sorted(MODULES))
def test_lib_stays_inside_lib(name: str) -> None:
    outside = {
        target
        for target in imported(MODULES[name])
        if target.split(".")[0] in {"grading", "tests", "bench", "scripts", "conftest"}
    }
    assert outside == set()


def test_no_import_circles() -> None:
    edges = graph()  # each module's imports, parsed once
    state: dict[str, int] = {}  # 1: on the current path, 2: done
    path: list[str] = []

    def visit(node: str) -> None:
        state[node] = 1
        path.append(node)
        for target in sorted(edges[node]):
            if state.get(target) == 1:
                circle = [*path[path.index(target) :], target]
                raise AssertionError("import circle: " + " -> ".join(circle))
            if target not in state:
                visit(target)
        path.pop()
        state[node] = 2

    for node in sorted(edges):
        if node not in state:
            visit(node)
