"""Write each exercise's starter cell from its solution cell, so the two cannot drift apart.

Usage: python scripts/make_starters.py [--check] [chapters/X.ipynb ...]   (default: every chapter)

An exercise is a cell tagged ``starter``, then one tagged ``solution``, then a check cell that
passes the learner's names to the check: ``check_collect_all(collect_all)``. Those names are
what the learner writes; the rest of the solution (its imports, helpers, constants) is one
answer's own. So the starter is, for each name, in the solution's order:

- a function: its ``def`` line and docstring, and a body that raises ``NotImplementedError``
  (an untouched starter, which the check reports as "not attempted yet"); a generator keeps a
  ``yield`` after it, so that it stays one;
- a class: its ``class`` line and docstring, and each method a learner writes (``__init__``
  and the public ones; ``_helpers`` are the answer's own), stubbed the same way;
- a dict of predictions: its keys, each with ``...`` for a value.

A starter cell also tagged ``hand-written`` is left as it is: :func:`drift` still compares it
with its solution (the names, kinds, signatures, docstrings, keys), and so does ``--check``.

Only the starter cells' sources change: ids, metadata, outputs and every other cell stay as
they are, and a notebook with nothing to change is not rewritten. With ``--check`` nothing is
written. Exit status: 0 when every starter is as its solution makes it; 1 with ``--check``
when one is not (each named on stderr); 2 for a path that is not a notebook or an exercise
that cannot be read.
"""

from __future__ import annotations

import ast
import json
import sys
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
RAISE = 'raise NotImplementedError("replace this line with your solution")'
KEEP = "hand-written"  # the tag of a starter written by hand: checked for drift, not rewritten
Function = ast.FunctionDef | ast.AsyncFunctionDef
SCOPE = (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef, ast.Lambda)  # a yield's own


def tags(cell: dict[str, Any]) -> list[str]:
    return list(cell.get("metadata", {}).get("tags", []))


def source(cell: dict[str, Any]) -> str:
    text = cell["source"]
    return text if isinstance(text, str) else "".join(text)


def answer_names(check: str) -> list[str]:
    """The names a check cell passes to its check: ``check_x(a, b)`` gives ``["a", "b"]``."""
    for node in reversed(ast.parse(check).body):
        if isinstance(node, ast.Expr) and isinstance(node.value, ast.Call):
            return [arg.id for arg in node.value.args if isinstance(arg, ast.Name)]
    raise ValueError(f"a check cell that calls no check: {check!r}")


def definitions(code: str) -> dict[str, ast.stmt]:
    """The top-level functions, classes and assignments of ``code``, by the name they bind."""
    found: dict[str, ast.stmt] = {}
    for node in ast.parse(code).body:
        if isinstance(node, Function | ast.ClassDef):
            found[node.name] = node
        elif isinstance(node, ast.Assign):
            for target in node.targets:
                if isinstance(target, ast.Name):
                    found[target.id] = node
    return found


def is_generator(node: Function) -> bool:
    """Whether ``node``'s own body yields (a nested function's ``yield`` is not its own)."""
    stack: list[ast.AST] = list(node.body)
    while stack:
        inner = stack.pop()
        if isinstance(inner, ast.Yield | ast.YieldFrom):
            return True
        if not isinstance(inner, SCOPE):
            stack.extend(ast.iter_child_nodes(inner))
    return False


def docstring_lines(node: ast.AST, indent: str) -> list[str]:
    doc = ast.get_docstring(node, clean=False)  # type: ignore[arg-type]
    return [] if doc is None else [f'{indent}"""{doc}"""']


def stub(node: Function, indent: str = "") -> list[str]:
    """A function's starter: its signature and docstring, and a body that raises."""
    keyword = "async def" if isinstance(node, ast.AsyncFunctionDef) else "def"
    returns = f" -> {ast.unparse(node.returns)}" if node.returns else ""
    lines = [f"{indent}@{ast.unparse(d)}" for d in node.decorator_list]
    lines.append(f"{indent}{keyword} {node.name}({ast.unparse(node.args)}){returns}:")
    lines += docstring_lines(node, indent + "    ")
    lines.append(f"{indent}    {RAISE}")
    if is_generator(node):
        kind = "an async generator" if keyword == "async def" else "a generator"
        lines.append(f"{indent}    yield  # makes this {kind}, as the answer must be")
    return lines


def learner_writes(name: str) -> bool:
    """A method a learner writes: ``__init__`` and other dunders, and the public ones."""
    return not name.startswith("_") or (name.startswith("__") and name.endswith("__"))


def starter_of(node: ast.stmt, code: str) -> list[str]:
    """The starter of one answer, a function, a class or a dict, from its solution."""
    if isinstance(node, Function):
        return stub(node)
    if isinstance(node, ast.ClassDef):
        bases = ", ".join(ast.unparse(base) for base in [*node.bases, *node.keywords])
        lines = [f"class {node.name}({bases}):" if bases else f"class {node.name}:"]
        lines += docstring_lines(node, "    ")
        for index, method in enumerate(methods_of(node)):
            lines += ([""] if index or len(lines) > 1 else []) + stub(method, "    ")
        return lines
    if isinstance(node, ast.Assign) and isinstance(node.value, ast.Dict):
        target = ast.unparse(node.targets[0])
        keys = [ast.get_source_segment(code, key) for key in node.value.keys if key is not None]
        return [f"{target} = {{", *(f"    {key}: ...," for key in keys), "}"]
    raise ValueError(f"cannot make a starter of {ast.unparse(node)[:60]!r}")


def make_starter(solution: str, names: list[str]) -> str:
    """The starter of a solution whose check is passed ``names``.

    Raises:
        ValueError: if the solution does not define one of ``names``, or defines it as
            something a starter cannot be made of.
    """
    found = definitions(solution)
    missing = [name for name in names if name not in found]
    if missing:
        raise ValueError(f"the solution does not define {missing}")
    parts = ["\n".join(starter_of(found[name], solution)) for name in names]
    return "\n\n\n".join(parts)


def methods_of(node: ast.ClassDef) -> list[Function]:
    """The methods of a class that a learner writes."""
    return [m for m in node.body if isinstance(m, Function) and learner_writes(m.name)]


def describe(node: Function) -> str:
    """A function as a starter must keep it: its signature, docstring, and whether it yields."""
    keyword = "async def" if isinstance(node, ast.AsyncFunctionDef) else "def"
    text = f"{keyword} {node.name}({ast.unparse(node.args)})"
    doc = ast.get_docstring(node)
    text += f" {doc!r}" if doc is not None else ""
    return text + (", a generator" if is_generator(node) else "")


def shape(code: str, names: list[str]) -> dict[str, str]:
    """What a starter and its solution must agree on, for each of ``names``: a function's
    signature, docstring and generator-ness (each method's a learner writes, for a class),
    or the keys of a dict."""
    found, shapes = definitions(code), {}
    for name in names:
        node = found.get(name)
        if isinstance(node, Function):
            shapes[name] = describe(node)
        elif isinstance(node, ast.ClassDef):
            doc = ast.get_docstring(node)
            methods = "; ".join(describe(method) for method in methods_of(node))
            shapes[name] = f"class {name} {doc!r}: {methods}" if doc else f"class {name}: {methods}"
        elif isinstance(node, ast.Assign) and isinstance(node.value, ast.Dict):
            keys = [ast.unparse(key) for key in node.value.keys if key is not None]
            shapes[name] = f"a dict of {', '.join(keys)}"
        else:
            shapes[name] = "nothing" if node is None else f"a {type(node).__name__}"
    return shapes


def drift(starter: str, solution: str, names: list[str]) -> list[str]:
    """How ``starter`` differs from ``solution`` in what the learner writes: one line per name
    whose kind, signature, docstring or keys are not the same; none when they agree."""
    ours, theirs = shape(starter, names), shape(solution, names)
    return [
        f"{name}: the starter has {ours[name]}, the solution {theirs[name]}"
        for name in names
        if ours[name] != theirs[name]
    ]


def exercises(notebook: dict[str, Any]) -> list[tuple[dict[str, Any], dict[str, Any], list[str]]]:
    """Each exercise's starter cell, solution cell, and the names its check cell passes."""
    found, last = [], {}
    for cell in notebook["cells"]:
        if cell["cell_type"] != "code":
            continue
        for tag in ("starter", "solution"):
            if tag in tags(cell):
                last[tag] = cell
        if "check" in tags(cell):
            if "starter" not in last or "solution" not in last:
                raise ValueError("a check cell with no starter and solution before it")
            found.append((last.pop("starter"), last.pop("solution"), answer_names(source(cell))))
    return found


def as_lines(text: str) -> list[str]:
    """A cell source as a notebook stores it: lines, each but the last ending in a newline."""
    return text.splitlines(keepends=True)


def update(path: Path, *, write: bool) -> list[str]:
    """Make the starters of the notebook at ``path`` from its solutions; return what differed,
    one line per exercise, and with ``write`` save the notebook if anything did.

    Raises:
        ValueError: if ``path`` is not a notebook, or an exercise cannot be read.
    """
    if path.suffix != ".ipynb" or not path.is_file():
        raise ValueError(f"{path} is not a notebook")
    notebook = json.loads(path.read_text(encoding="utf-8"))
    differed, changed = [], False
    for starter, solution, names in exercises(notebook):
        where = f"{path.name}, starter of {', '.join(names)}"
        problems = drift(source(starter), source(solution), names)
        if KEEP not in tags(starter):
            made = make_starter(source(solution), names)
            if source(starter) != made:
                problems = problems or ["the starter is not what its solution makes"]
                starter["source"], changed = as_lines(made), True
        differed += [f"{where}: {problem}" for problem in problems]
    if write and changed:
        text = json.dumps(notebook, indent=1, sort_keys=True, ensure_ascii=False) + "\n"
        path.write_text(text, encoding="utf-8")
    return differed


def main(arguments: list[str]) -> int:
    check = "--check" in arguments
    paths = [Path(a) for a in arguments if a != "--check"]
    paths = paths or sorted((ROOT / "chapters").glob("[0-9][0-9]_*.ipynb"))
    drifted = False
    for path in paths:
        try:
            differed = update(path, write=not check)
        except (ValueError, SyntaxError) as error:
            print(f"error: {path.name}: {error}", file=sys.stderr)
            return 2
        for line in differed:
            print(line, file=sys.stderr if check else sys.stdout)
        drifted = drifted or bool(differed)
        if not check:
            print(f"{path.name}: {len(differed)} starter(s) written" if differed else
                  f"{path.name}: every starter as its solution makes it")  # fmt: skip
    return 1 if check and drifted else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
