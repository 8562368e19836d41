"""The house rules a machine can check: module sizes, the commit style, and the hooks.

``scripts/house_rules.py`` is what ``make lint`` and the pre-commit hooks run; these tests
hold the repository to it, prove it can fail, and keep the hooks and ``make lint`` alike.
"""

from __future__ import annotations

import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT / "scripts"))
from house_rules import message_problems, size_problems  # noqa: E402

sys.path.remove(str(ROOT / "scripts"))


def test_every_module_is_within_its_folders_limit() -> None:
    assert list(size_problems(ROOT)) == []


def test_a_long_module_is_named_with_its_length(tmp_path: Path) -> None:
    (tmp_path / "lib" / "room").mkdir(parents=True)
    (tmp_path / "lib" / "room" / "big.py").write_text("x = 1\n" * 301)
    (tmp_path / "tests").mkdir()
    (tmp_path / "tests" / "test_ok.py").write_text("x = 1\n" * 400)
    assert list(size_problems(tmp_path)) == [
        "lib/room/big.py: 301 lines; lib/ allows 300: split it by job"
    ]


@pytest.mark.parametrize(
    ("message", "problems"),
    [
        ("ch09: time exercise 9.2's jobs in CPU time\n\nWhy, and the figures.\n", 0),
        ("a subject alone\n", 0),
        ("# a comment git leaves\nsubject after it\n", 0),
        ("x" * 73 + "\n", 1),
        ("", 1),
        ("subject\nbody straight after it\n", 1),
    ],
)
def test_commit_messages(message: str, problems: int) -> None:
    assert len(list(message_problems(message))) == problems


def _git(*args: str) -> str:
    return subprocess.run(
        ["git", *args], cwd=ROOT, capture_output=True, text=True, check=True, timeout=60
    ).stdout


@pytest.mark.skipif(not (ROOT / ".git").exists(), reason="not a git checkout (the zip)")
def test_commits_since_the_rule_keep_to_it() -> None:
    """Every commit after the one that wrote the rule down has a subject of 72 at most."""
    if shutil.which("git") is None:
        pytest.skip("no git here")
    added = _git("log", "--diff-filter=A", "--format=%H", "--", "scripts/house_rules.py").split()
    if not added:
        pytest.skip("the rule is not committed yet")
    since = _git("log", "--format=%H%x00%B%x01", f"{added[-1]}..HEAD")
    broken = []
    for entry in filter(str.strip, since.split("\x01")):
        commit, message = entry.strip().split("\x00", 1)
        broken += [f"{commit[:12]}: {p}" for p in message_problems(message)]
    assert broken == []


def _lint_commands() -> list[str]:
    makefile = (ROOT / "Makefile").read_text()
    recipe = re.search(r"^lint:.*\n((?:\t.*\n)+)", makefile, re.MULTILINE)
    assert recipe, "the Makefile has no lint target"
    found = re.findall(r"\$\(BIN\)/([^;\n]+?)(?:;|\n| fi)", recipe.group(1))
    return sorted(".venv/bin/" + command.strip() for command in found)


def test_the_hooks_run_what_make_lint_runs() -> None:
    config = yaml.safe_load((ROOT / ".pre-commit-config.yaml").read_text())
    hooks = [hook for repo in config["repos"] for hook in repo["hooks"]]
    assert all(repo["repo"] == "local" for repo in config["repos"]), "hooks must not download"
    on_commit = sorted(h["entry"] for h in hooks if "commit-msg" not in h.get("stages", []))
    assert on_commit == _lint_commands()
    assert any(h["entry"].endswith("house_rules.py message") for h in hooks)


def test_the_hook_configuration_is_valid() -> None:
    pre_commit = Path(sys.executable).with_name("pre-commit")
    if not pre_commit.exists():
        pytest.skip("pre-commit is not installed here (requirements-dev.txt installs it)")
    subprocess.run(
        [pre_commit, "validate-config", ".pre-commit-config.yaml"],
        cwd=ROOT,
        check=True,
        timeout=60,
    )
