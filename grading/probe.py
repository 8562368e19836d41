"""The grader's side inside a submission's kernel: fingerprints of lib, and the book's checks.

The grader runs these between the learner's cells, never the submission's own check cells.
A fingerprint names every function, class and module that ``lib``, the builtins, the
standard modules the checkers lean on and this probe hold, by identity: a learner's cell that
replaces the checker, patches ``Feedback`` or reloads a module changes it, and the grader,
comparing it with the one taken before any learner code ran, knows what was changed. Results
leave the kernel as display data of their own type, carrying the one-time ``nonce`` of their
request.

The kernel never imports this file: its path holds the submission's folder first, where a
student's ``grading.py`` or ``grading/`` would win. The grader sends this module's source as
it was when grading began (:func:`reference`), and the kernel runs it as ``grading.probe``,
so no file in the kernel's reach, nor an edit of this one during grading, stands in for it.
"""

from __future__ import annotations

import functools
import hashlib
import importlib
import sys
import types
from pathlib import Path
from typing import Any

__all__ = [
    "MIME",
    "NAME",
    "WATCHED",
    "digest",
    "emit",
    "fingerprint",
    "pristine_source",
    "reference",
    "report",
    "run_check",
    "start",
]

MIME = "application/vnd.concurrency-book.grade+json"
NAME = "grading.probe"  # the probe's module in the kernel, watched as lib is
# Besides lib: what the checkers and this probe use, which a learner has no reason to replace.
WATCHED = (
    "builtins",
    "asyncio",
    "concurrent.futures",
    "functools",
    "importlib",
    "inspect",
    "json",
    "queue",
    "sys",
    "threading",
    "time",
    "types",
)
_KINDS = (types.FunctionType, types.BuiltinFunctionType, types.ModuleType, type)
_SKIP = {"_", "__", "___", "_i", "_ii", "_iii", "_oh", "_dh", "In", "Out", "exit", "quit"}
_LOAD = """\
import sys, types
probe = types.ModuleType({name!r})
probe.__file__ = {path!r}
sys.modules[{name!r}] = probe
exec(compile({source!r}, {path!r}, "exec"), probe.__dict__)
"""


@functools.cache
def pristine_source() -> str:
    """This module's source as the grader first read it: what every kernel runs.

    Raises:
        OSError: if the file cannot be read.
    """
    return Path(__file__).read_text(encoding="utf-8")


def reference() -> str:
    """Python that evaluates, in a kernel, to the probe: the one in its ``sys.modules``, else
    (the first time, or after a learner's cell removed it) one made from :func:`pristine_source`.

    A probe made again is another module, so the next fingerprint shows the change.

    Raises:
        OSError: if this module's file cannot be read (the first time only).
    """
    load = _LOAD.format(name=NAME, path=str(Path(__file__).resolve()), source=pristine_source())
    modules = "__import__('sys').modules"
    return f"({modules}.get({NAME!r}) or (exec({load!r}, {{}}), {modules}[{NAME!r}])[1])"


def _watched_modules() -> list[tuple[str, types.ModuleType]]:
    names = sorted(name for name in sys.modules if name == "lib" or name.startswith("lib."))
    found = [(name, sys.modules[name]) for name in (*WATCHED, NAME, *names) if name in sys.modules]
    return [(name, module) for name, module in found if isinstance(module, types.ModuleType)]


def fingerprint() -> dict[str, str]:
    """Every watched name, by the identity of what it holds (and a module's file)."""
    prints: dict[str, str] = {}
    for name, module in _watched_modules():
        prints[f"{name}"] = f"module {id(module)} {getattr(module, '__file__', None)}"
        for attribute, value in list(vars(module).items()):
            if attribute in _SKIP or not isinstance(value, _KINDS):
                continue
            key = f"{name}.{attribute}"
            prints[key] = str(id(value))
            code = getattr(value, "__code__", None)
            if code is not None:
                prints[key] += f" {id(code)} {id(getattr(value, '__defaults__', None))}"
            if isinstance(value, type) and value.__module__ == name:
                for member, inner in list(vars(value).items()):
                    inner_code = getattr(inner, "__code__", None)
                    prints[f"{key}.{member}"] = f"{id(inner)} {id(inner_code)}"
    prints["sys.trace"] = f"{sys.gettrace() is None} {sys.getprofile() is None}"
    return prints


def digest(prints: dict[str, str]) -> str:
    """A short hash of a fingerprint, sent after each learner cell."""
    text = "\n".join(f"{key}={value}" for key, value in sorted(prints.items()))
    return hashlib.sha256(text.encode()).hexdigest()[:16]


def emit(nonce: str, **payload: Any) -> None:
    """Send ``payload`` to the grader as display data of the grader's own type."""
    from IPython.display import display

    display({MIME: {"nonce": nonce, **payload}}, raw=True)  # type: ignore[no-untyped-call]


def start(nonce: str, modules: list[str]) -> None:
    """Import the checkers of a chapter, then send the fingerprint nothing has touched yet."""
    for module in modules:
        importlib.import_module(module)
    prints = fingerprint()
    emit(nonce, fingerprint=prints, digest=digest(prints))


def _user_namespace() -> dict[str, Any]:
    from IPython import get_ipython

    shell = get_ipython()
    return dict(shell.user_ns) if shell is not None else vars(sys.modules["__main__"])


def _state(baseline: str) -> dict[str, Any]:
    """The fingerprint's digest, and the whole fingerprint when it is not ``baseline``'s."""
    prints = fingerprint()
    found = digest(prints)
    return {"digest": found, "fingerprint": prints if found != baseline else None}


def report(nonce: str, baseline: str) -> None:
    """Send the state of lib after a learner's cell (in full only when it changed)."""
    emit(nonce, state=_state(baseline))


def run_check(nonce: str, baseline: str, module: str, check: str, answers: list[str]) -> None:
    """Call the book's ``check`` on the learner's ``answers`` and send its feedback.

    The state of lib is sent from before and after the check, since a learner's function
    runs inside it. A missing answer is reported by name; the check itself never raises.
    """
    before = _state(baseline)
    namespace = _user_namespace()
    missing = [name for name in answers if name not in namespace]
    result: dict[str, Any] = {"missing": missing}
    if not missing:
        try:
            feedback = getattr(importlib.import_module(module), check)(
                *(namespace[name] for name in answers)
            )
            result.update(
                title=str(feedback.title),
                not_attempted=bool(feedback.not_attempted),
                passed=[str(case) for case in feedback.passed_cases],
                failed=[[str(case), str(hint)] for case, hint in feedback.failed_cases],
            )
        except BaseException as error:  # the check itself failed: the grader reports it
            result["error"] = f"{type(error).__name__}: {error}"[:300]
    emit(nonce, result=result, before=before, after=_state(baseline))
