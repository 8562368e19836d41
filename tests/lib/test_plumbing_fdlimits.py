"""Open-file limits and counts (lib.plumbing.fdlimits)."""

from __future__ import annotations

import sys
import tempfile

import pytest

from lib.plumbing.fdlimits import (
    FileLimits,
    open_file_count,
    open_file_limits,
    raise_open_file_limit,
)

posix_only = pytest.mark.skipif(sys.platform == "win32", reason="no RLIMIT_NOFILE on Windows")


@posix_only
def test_limits_are_read() -> None:
    limits = open_file_limits()
    assert isinstance(limits, FileLimits)
    assert limits.soft is None or limits.soft >= 1
    if limits.soft is not None and limits.hard is not None:
        assert limits.soft <= limits.hard


@posix_only
def test_raising_never_lowers_the_limit() -> None:
    before = open_file_limits()
    after = raise_open_file_limit(1)
    assert after == before


@posix_only
def test_raising_to_the_current_soft_limit_keeps_it() -> None:
    before = open_file_limits()
    assert before is not None and before.soft is not None
    assert raise_open_file_limit(before.soft) == before


@posix_only
def test_open_file_count_sees_a_new_file() -> None:
    before = open_file_count()
    assert before is not None and before > 0
    with tempfile.TemporaryFile() as handle:
        assert handle.fileno() >= 0
        assert open_file_count() == before + 1
    assert open_file_count() == before


def test_limits_describe_themselves() -> None:
    assert str(FileLimits(1024, None)) == "soft limit 1,024, hard limit unlimited"


def test_wanted_must_be_positive() -> None:
    with pytest.raises(ValueError, match="at least 1"):
        raise_open_file_limit(0)
