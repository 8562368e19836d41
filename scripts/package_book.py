"""What the book's site serves for running it: the helpers' wheel, the runnable book's zip.

``make book`` runs this twice:

- ``package OUT`` before the HTML is built: a wheel of the helpers (``lib``), versioned with
  a hash of its files so a download names exactly one build, and a zip of the runnable book
  (what ``make lab`` and ``make test-notebooks`` need), both into ``OUT``, with ``run-it.md``,
  the home page's links to them.
- ``fill HTML`` after: each chapter's downloadable copy (``_sources/**.ipynb``, what the
  page's download button serves) gets, in its set-up cell, the address of the wheel on the
  site (``BOOK_SITE_URL``) and its sha256, so it installs the helpers of the same build.
  Without a site address the copies are left as they are: their set-up cell then looks for
  the wheel beside the notebook, and otherwise says where to get it.

Raises SystemExit with a message when a step cannot be done (no setuptools, a notebook whose
set-up cell has no ``BOOK_HELPERS = ""`` line).
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
import urllib.parse
import zipfile
from pathlib import Path

__all__ = ["ZIP_NAME", "build_wheel", "build_zip", "fill_downloads", "zip_members"]

ROOT = Path(__file__).resolve().parents[1]
ZIP_NAME = "concurrency-in-python.zip"
#: What the runnable book holds: `make lab`, `make student` and `make test-notebooks` run
#: from it (README, "A reader without a clone"); not what building the book or testing all of
#: it needs (requirements-dev.txt, requirements-lint.txt, tests/ but its plugins), nor the
#: teachers' grader (grading/, `make grade`): its readers are learners.
ZIP_PATHS = [
    "chapters",
    "lib",
    "jupyterlab-settings",
    "scripts/find_python.sh",
    "scripts/sid_root.sh",
    "scripts/make_student.py",
    "scripts/collapse_solutions.py",
    "scripts/execute_notebooks.py",
    "tests/plugins",
    "tests/nbval_sanitize.cfg",
    "conftest.py",
    "Makefile",
    "README.md",
    "pyproject.toml",
    "requirements.txt",
]
SKIPPED = re.compile(r"(__pycache__|\.ipynb_checkpoints|\.egg-info)(/|$)|\.pyc$")
PLACEHOLDER = 'BOOK_HELPERS = ""'
SETUP_TAG = "colab-setup"


def _tracked(root: Path) -> set[str] | None:
    """The files git tracks under ``root``, or None outside a git checkout."""
    try:
        files = ["git", "ls-files", "-z", "--cached", "--others", "--exclude-standard"]
        listed = subprocess.run(files, cwd=root, capture_output=True, timeout=30, check=True)
    except (OSError, subprocess.SubprocessError):
        return None
    return set(listed.stdout.decode().split("\0")) - {""}


def zip_members(root: Path = ROOT) -> list[str]:
    """The files of :data:`ZIP_PATHS`, relative to ``root``, sorted: in a git checkout only
    those git tracks, so nothing of this machine (a scratch file, a cache) is packed.

    Raises:
        FileNotFoundError: for a path of :data:`ZIP_PATHS` that is missing.
    """
    tracked = _tracked(root)
    members: list[str] = []
    for entry in ZIP_PATHS:
        path = root / entry
        if not path.exists():
            raise FileNotFoundError(f"{entry} is missing: the runnable book needs it")
        files = [path] if path.is_file() else sorted(p for p in path.rglob("*") if p.is_file())
        for file in files:
            name = file.relative_to(root).as_posix()
            if not SKIPPED.search(name) and (tracked is None or name in tracked):
                members.append(name)
    return sorted(members)


def build_zip(out: Path, root: Path = ROOT) -> Path:
    """``out/concurrency-in-python.zip``: :func:`zip_members` under one top folder."""
    target = out / ZIP_NAME
    top = target.stem
    with zipfile.ZipFile(target, "w", zipfile.ZIP_DEFLATED) as archive:
        for name in zip_members(root):
            archive.write(root / name, f"{top}/{name}")
    return target


def _source_hash(root: Path) -> str:
    digest = hashlib.sha256()
    for file in sorted((root / "lib").rglob("*.py")):
        digest.update(file.relative_to(root).as_posix().encode() + b"\0" + file.read_bytes())
    digest.update((root / "pyproject.toml").read_bytes())
    return digest.hexdigest()[:12]


def build_wheel(out: Path, root: Path = ROOT) -> Path:
    """A wheel of ``lib`` into ``out``, its version ``X.Y.Z+build.HASH`` (HASH: of lib's files).

    Built from a copy, without network (``--no-build-isolation``: setuptools comes from
    requirements-dev.txt), so the checkout gains no ``build/`` folder.

    Raises:
        SystemExit: if pip could not build it.
    """
    with tempfile.TemporaryDirectory(prefix="book-wheel-") as scratch:
        copy = Path(scratch) / "src"
        shutil.copytree(root / "lib", copy / "lib", ignore=shutil.ignore_patterns("__pycache__"))
        shutil.copy2(root / "README.md", copy / "README.md")
        project = (root / "pyproject.toml").read_text(encoding="utf-8")
        project, found = re.subn(
            r'^version = "([^"+]+)"$',
            lambda m: f'version = "{m[1]}+build.{_source_hash(root)}"',
            project,
            count=1,
            flags=re.M,
        )
        if not found:
            raise SystemExit("error: pyproject.toml has no version line")
        (copy / "pyproject.toml").write_text(project, encoding="utf-8")
        command = [sys.executable, "-m", "pip", "wheel", "--quiet", "--no-deps"]
        command += ["--no-build-isolation", "--wheel-dir", str(out), str(copy)]
        built = subprocess.run(command, capture_output=True, text=True, timeout=300)
        if built.returncode != 0:
            raise SystemExit(f"error: the helpers' wheel was not built:\n{built.stderr}")
    wheels = sorted(out.glob("concurrency_book_lib-*.whl"), key=lambda p: p.stat().st_mtime)
    return wheels[-1]


def package(out: Path, root: Path = ROOT) -> None:
    """The wheel, the zip and ``run-it.md`` (the home page includes it) into ``out``."""
    if out.exists():
        shutil.rmtree(out)
    out.mkdir(parents=True)
    wheel = build_wheel(out, root)
    archive = build_zip(out, root)
    relative = "/" + out.resolve().relative_to(root.resolve()).as_posix()
    site = os.environ.get("BOOK_SITE_URL", "").strip()
    one_chapter = (
        "gives a notebook whose first cell installs the helpers from this site, the same build "
        "as the page"
        if site
        else "gives a notebook whose first cell installs the helpers' wheel below when the two "
        "are in the same folder"
    )
    (out / "run-it.md").write_text(
        f"""Download {{download}}`the runnable book <{relative}/{archive.name}>`
({archive.stat().st_size / 1e6:.1f} MB: the chapters, their helpers and the Makefile), unpack it,
and start JupyterLab:

```bash
unzip {archive.name} && cd {archive.stem}
make lab    # set everything up, then open the chapters in JupyterLab
```

`make test-notebooks` re-runs every chapter and compares what it prints with the outputs it
came with; `make lab EDITION=student` opens the chapters without their solutions.

**One chapter only?** Its download button (at the top of its page, `.ipynb`) {one_chapter}.
It runs in any Jupyter, and on Colab (*File → Upload notebook*). The helpers alone:
{{download}}`{wheel.name} <{relative}/{wheel.name}>`.
""",
        encoding="utf-8",
    )


def _setup_cell(notebook: dict[str, object], path: Path) -> dict[str, object]:
    cells = notebook.get("cells")
    assert isinstance(cells, list)
    for cell in cells:
        if SETUP_TAG in cell.get("metadata", {}).get("tags", []):
            return dict(cell)
    raise SystemExit(f"error: {path} has no cell tagged {SETUP_TAG}")


def fill_downloads(html: Path, site_url: str, wheel_name: str | None = None) -> list[Path]:
    """Write the wheel's address on ``site_url`` into every downloadable chapter in ``html``.

    ``wheel_name``: the wheel this build packed; wheels of earlier builds that an incremental
    build left in ``_downloads`` are removed, so the site serves one. With no ``site_url``,
    only that is done.

    Raises:
        SystemExit: if the site holds no such wheel, or a set-up cell has no placeholder line.
    """
    wheels = sorted(html.glob("_downloads/*/concurrency_book_lib-*.whl"))
    current = [wheel for wheel in wheels if wheel_name in (None, wheel.name)]
    if len(current) != 1:
        raise SystemExit(f"error: expected one helpers' wheel in {html}/_downloads, not {wheels}")
    wheel = current[0]
    for stale in set(wheels) - {wheel}:
        stale.unlink()
    if not site_url:
        return []
    digest = hashlib.sha256(wheel.read_bytes()).hexdigest()
    address = urllib.parse.urljoin(site_url.rstrip("/") + "/", wheel.relative_to(html).as_posix())
    filled: list[Path] = []
    for path in sorted((html / "_sources").rglob("*.ipynb")):
        notebook = json.loads(path.read_text(encoding="utf-8"))
        cell = _setup_cell(notebook, path)
        source = "".join(cell["source"]) if isinstance(cell["source"], list) else cell["source"]
        assert isinstance(source, str)
        if source.count(PLACEHOLDER) != 1:
            raise SystemExit(f"error: {path}'s set-up cell has no line {PLACEHOLDER}")
        new = source.replace(PLACEHOLDER, f'BOOK_HELPERS = "{address}#sha256={digest}"')
        for original in notebook["cells"]:
            if original.get("id") == cell.get("id"):
                original["source"] = new.splitlines(keepends=True)
        path.write_text(json.dumps(notebook, indent=1, ensure_ascii=False) + "\n", "utf-8")
        filled.append(path)
    return filled


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    steps = parser.add_subparsers(dest="step", required=True)
    steps.add_parser("package").add_argument("out", type=Path)
    steps.add_parser("fill").add_argument("html", type=Path)
    args = parser.parse_args(argv)
    if args.step == "package":
        package(args.out)
        print(f"the helpers' wheel and the runnable book: {args.out}", file=sys.stderr)
        return 0
    sys.path.insert(0, str(Path(__file__).parent))
    from book_config import https_or_local

    site = os.environ.get("BOOK_SITE_URL", "").strip()
    try:
        site = https_or_local(site, "BOOK_SITE_URL") if site else ""
    except ValueError as error:
        raise SystemExit(f"error: {error}") from None
    packed = sorted((args.html.parent / "run").glob("concurrency_book_lib-*.whl"))
    filled = fill_downloads(args.html, site, packed[0].name if len(packed) == 1 else None)
    if site:
        print(f"{len(filled)} downloadable chapters install the helpers from {site}")
    else:
        print("BOOK_SITE_URL not given: downloaded chapters look for the wheel beside them")
    return 0


if __name__ == "__main__":
    sys.exit(main())
