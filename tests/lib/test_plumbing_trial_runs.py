"""Trial runs of pytest: counts, durations, a run killed at its time limit, the folder gone."""

from __future__ import annotations

import pytest

from lib.plumbing.trial_runs import TrialFolder, read_run


def test_counts_durations_and_paths_are_read() -> None:
    with TrialFolder() as folder:
        folder.write(
            "test_sample.py",
            "import time\n\ndef test_ok():\n    time.sleep(0.02)\n\n"
            "def test_bad():\n    assert 1 == 2, 'one is not two'\n",
        )
        run = folder.run(time_limit=60)
        path = folder.path
    assert not path.exists()
    assert run.finished and (run.passed, run.failed, run.errors) == (1, 1, 0)
    assert run.summary.startswith("1 failed, 1 passed")
    assert run.durations["test_sample.py::test_ok"] >= 0.02
    assert "call-seconds:" not in run.output
    assert run.lines("one is not two")


def test_a_run_past_its_time_limit_is_killed() -> None:
    with TrialFolder() as folder:
        folder.write("test_slow.py", "import time\n\ndef test_slow():\n    time.sleep(30)\n")
        run = folder.run(time_limit=2)
    assert not run.finished and run.seconds < 10
    assert "killed" in str(run)


def test_paths_are_cut_to_file_names() -> None:
    run = read_run('  File "/some/where/mod.py", line 3\n1 passed in 0.01s\n', 0.1)
    assert run.lines("line 3") == ['File "mod.py", line 3']
    assert run.passed == 1


@pytest.mark.parametrize("outside", [{"COLUMNS": "40"}, {"CI": "1"}, {}])
def test_summary_lines_are_the_same_on_every_machine(
    outside: dict[str, str], monkeypatch: pytest.MonkeyPatch
) -> None:
    """A terminal's width or a CI variable around the book must not change what a chapter
    prints: the run's summary line keeps its whole message."""
    monkeypatch.delenv("CI", raising=False)
    monkeypatch.delenv("COLUMNS", raising=False)
    for name, value in outside.items():
        monkeypatch.setenv(name, value)
    message = "the loop was blocked for longer than it may be: " + "x" * 60
    with TrialFolder() as folder:
        folder.write("test_long.py", f"def test_long():\n    assert False, {message!r}\n")
        run = folder.run(time_limit=60)
    assert run.lines(f"FAILED test_long.py::test_long - AssertionError: {message}")
