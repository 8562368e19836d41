"""lib.measure.claims: shown when they hold, a note or an error when not."""

from __future__ import annotations

import time

import pytest

from lib.measure import claims
from lib.measure.claims import (
    NOTE_MARK,
    ClaimFailed,
    Condition,
    claim,
    claims_mode,
    enough_cores,
    gil_enabled,
    judge,
    quiet_machine,
)
from lib.measure.machine_load import MachineLoad

MET = Condition(True, "at least 2 usable cores", "2 usable cores")
UNMET = Condition(False, "at least 2 usable cores", "1 usable core")


@pytest.fixture(params=["reader", "strict"])
def mode(request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch) -> str:
    monkeypatch.setenv(claims.MODE_VARIABLE, request.param)
    return str(request.param)


def test_the_mode_is_reader_unless_strict_is_asked_for(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv(claims.MODE_VARIABLE, raising=False)
    assert claims_mode() == "reader"
    monkeypatch.setenv(claims.MODE_VARIABLE, " Strict ")
    assert claims_mode() == "strict"
    monkeypatch.setenv(claims.MODE_VARIABLE, "strcit")
    with pytest.raises(ValueError, match="'strict' or 'reader'"):
        claims_mode()


def test_a_claim_that_held_is_shown_with_its_evidence(
    mode: str, capsys: pytest.CaptureFixture[str]
) -> None:
    claim(True, "the processes computed in parallel", evidence="1.9× faster", conditions=[MET])
    out = capsys.readouterr().out
    assert out.startswith("✓ Shown by this run: the processes computed in parallel (1.9× faster)")
    assert NOTE_MARK not in out


def test_strict_mode_raises_when_the_conditions_held_and_the_claim_did_not(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv(claims.MODE_VARIABLE, "strict")
    with pytest.raises(ClaimFailed, match=r"in parallel: not shown.*0\.9× faster.*2 usable"):
        claim(False, "the processes computed in parallel", evidence="0.9× faster", conditions=[MET])


def test_reader_mode_shows_a_note_and_goes_on(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv(claims.MODE_VARIABLE, "reader")
    claim(False, "the processes computed in parallel", evidence="0.9× faster", conditions=[MET])
    out = capsys.readouterr().out
    assert out.startswith(f"{NOTE_MARK}shown by this run: the processes computed in parallel")
    assert "0.9× faster" in out and "Run the cell again" in out


def test_an_unmet_condition_is_a_note_in_both_modes(
    mode: str, capsys: pytest.CaptureFixture[str]
) -> None:
    claim(False, "the processes computed in parallel", evidence="1.0×", conditions=[MET, UNMET])
    out = capsys.readouterr().out
    assert out.startswith(f"{NOTE_MARK}checked on this machine: the processes computed")
    assert "needs at least 2 usable cores" in out and "1 usable core" in out


def test_a_need_two_conditions_share_is_said_once(
    mode: str, capsys: pytest.CaptureFixture[str]
) -> None:
    busy = Condition(False, "a quiet machine", "other programs used 40% of the CPU")
    busier = Condition(False, "a quiet machine", "other programs used 60% of the CPU")
    claim(False, "the pools computed in parallel", evidence="1.2×", conditions=[busy, busier])
    out = capsys.readouterr().out
    assert "That needs a quiet machine, and here other programs used 40%" in out
    assert "used 40% of the CPU; other programs used 60% of the CPU" in out


def test_a_claim_that_held_needs_no_condition() -> None:
    assert judge(True, "s", "e", [UNMET]).outcome == "held"
    assert judge(False, "s", "e", []).outcome == "failed"


def test_the_html_form_escapes_what_it_shows() -> None:
    verdict = judge(False, "a <b> claim", "x & y", [UNMET])
    shown = verdict._repr_html_()
    assert "a &lt;b&gt; claim" in shown and "x &amp; y" in shown
    assert 'class="book-claim book-claim-unchecked"' in shown


def test_enough_cores_counts_the_usable_ones(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(claims, "usable_cpus", lambda: 1)
    condition = enough_cores(2)
    assert not condition.holds and condition.found == "1 usable core"
    monkeypatch.setattr(claims, "usable_cpus", lambda: 4)
    assert enough_cores(2).holds


def test_gil_enabled_knows_a_free_threaded_build(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(claims.sys, "_is_gil_enabled", lambda: False, raising=False)
    condition = gil_enabled()
    assert not condition.holds and "free-threaded" in condition.found


def test_quiet_machine_reads_the_load_and_refuses_a_nonsense_limit() -> None:
    with MachineLoad() as load:
        time.sleep(0.05)
    condition = quiet_machine(load, limit=1.0)
    assert condition.holds and "other programs used" in condition.found
    with pytest.raises(ValueError, match="between 0 and 1"):
        quiet_machine(load, limit=15)
