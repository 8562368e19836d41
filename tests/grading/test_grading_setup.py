"""What a teacher installs for the grader, and where it reads the book's chapters from.

The grader is not in the helpers' wheel, so what it needs beyond ``lib``'s own dependencies
is declared apart, as the optional dependencies ``grading`` in pyproject.toml: every
third-party module that ``grading/`` imports comes from one of the two lists, and the
``grading`` list holds nothing it does not import, but the kernel it starts.
"""

from __future__ import annotations

import ast
import importlib.metadata
import re
import sys
import tomllib

from tests.plugins.notebooks import ROOT

GRADING = ROOT / "grading"
# Not imported, but started: the kernel each submission runs in (jupyter_client's "python3").
STARTED = {"ipykernel"}


def distribution(requirement: str) -> str:
    """A requirement's distribution name, normalized: ``"uvloop; sys_platform..."`` -> uvloop."""
    found = re.match(r"[A-Za-z0-9][A-Za-z0-9._-]*", requirement.strip())
    assert found, requirement
    return re.sub(r"[-_.]+", "-", found.group(0)).lower()


def imported_modules() -> set[str]:
    """The top-level modules that ``grading/`` imports, anywhere in its code."""
    found: set[str] = set()
    for path in sorted(GRADING.rglob("*.py")):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Import):
                found.update(alias.name.split(".")[0] for alias in node.names)
            elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
                found.add(node.module.split(".")[0])
    return found


def third_party(modules: set[str]) -> dict[str, set[str]]:
    """Each module not of the standard library nor of the book, with its distributions."""
    installed = importlib.metadata.packages_distributions()
    ours = {"lib", "grading", "__future__"}
    return {
        module: {distribution(name) for name in installed.get(module, [module])}
        for module in sorted(modules - set(sys.stdlib_module_names) - ours)
    }


def test_every_third_party_import_of_the_grader_is_declared() -> None:
    project = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["project"]
    own = {distribution(name) for name in project["dependencies"]}
    grading = {distribution(name) for name in project["optional-dependencies"]["grading"]}
    needed = third_party(imported_modules())
    assert {"IPython", "jupyter_client", "nbformat", "tqdm"} <= set(needed), needed
    undeclared = {module for module, names in needed.items() if not names & (own | grading)}
    assert not undeclared, f"grading/ imports {sorted(undeclared)}: add them to grading = [...]"
    imported = set().union(*needed.values())
    assert grading - imported == STARTED, "the grading extra lists what grading/ does not use"
    assert not grading & own, "the grading extra repeats lib's own dependencies"
