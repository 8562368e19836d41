"""lib's index stays true: each package's docstring names every module in it, and no other.

A learner opens ``lib/__init__.py`` (or ``lib/anilist/__init__.py``) to find the file a
chapter names; a module missing from the index, or an index entry with no module, sends them
the wrong way. Every public module also declares ``__all__``. The same holds for the
teachers' grader, ``grading/``, which moved out of lib to a package of its own beside it.
"""

from __future__ import annotations

import ast
import re
from pathlib import Path

import pytest

LIB = Path(__file__).resolve().parents[2] / "lib"
GRADING = LIB.parent / "grading"
PACKAGES = sorted(path.parent for top in (LIB, GRADING) for path in top.rglob("__init__.py"))
MODULES = sorted(path for top in (LIB, GRADING) for path in top.rglob("*.py"))


def indexed(package: Path) -> set[str]:
    """The ``names`` in double backquotes at the start of the index's list items."""
    doc = ast.get_docstring(ast.parse((package / "__init__.py").read_text())) or ""
    names: set[str] = set()
    for item in re.findall(r"^- (.*?):", doc, flags=re.MULTILINE):
        names.update(re.findall(r"``(\w+)``", item))
    return names


def present(package: Path) -> set[str]:
    modules = {
        path.stem
        for path in package.glob("*.py")
        if not path.stem.startswith("_") or path.stem == "__main__"  # a package's command line
    }
    return modules | {path.parent.name for path in package.glob("*/__init__.py")}


@pytest.mark.parametrize("package", PACKAGES, ids=lambda p: str(p.relative_to(LIB.parent)))
def test_the_index_names_every_module_and_only_those(package: Path) -> None:
    names, modules = indexed(package), present(package)
    assert modules - names == set(), f"not in {package.name}'s index: {sorted(modules - names)}"
    assert names - modules == set(), f"in the index, but no such module: {sorted(names - modules)}"


@pytest.mark.parametrize("module", MODULES, ids=lambda p: str(p.relative_to(LIB.parent)))
def test_every_module_declares_all(module: Path) -> None:
    tree = ast.parse(module.read_text())
    declared = [
        node
        for node in tree.body
        if isinstance(node, ast.Assign | ast.AnnAssign)
        and "__all__"
        in {getattr(t, "id", None) for t in getattr(node, "targets", [])}
        | {getattr(getattr(node, "target", None), "id", None)}
    ]
    assert declared, f"{module.name} has no __all__"
