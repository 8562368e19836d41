"""The sliding-window rate limiter (lib.anilist.ratelimit), driven by a fake clock."""

from __future__ import annotations

import dataclasses

import pytest

from lib.anilist.ratelimit import Decision, SlidingWindowLimiter


class FakeClock:
    """A clock that only moves when the test says so."""

    def __init__(self, now: float = 100.0) -> None:
        self.now = now

    def __call__(self) -> float:
        return self.now


def test_allows_the_limit_then_denies_with_retry_after() -> None:
    clock = FakeClock()
    limiter = SlidingWindowLimiter(limit=3, window=10.0, clock=clock)

    allowed = [limiter.check() for _ in range(3)]
    assert allowed == [Decision(True, 3, 2, 0), Decision(True, 3, 1, 0), Decision(True, 3, 0, 0)]

    assert limiter.check() == Decision(False, 3, 0, 10)
    clock.now += 9.5
    assert limiter.check() == Decision(False, 3, 0, 1)  # 0.5 s left rounds up to 1


def test_retry_after_is_the_wait_rounded_up_to_whole_seconds() -> None:
    clock = FakeClock()
    limiter = SlidingWindowLimiter(limit=1, window=2.5, clock=clock)
    assert limiter.check().allowed

    clock.now += 0.1  # 2.4 s left
    decision = limiter.check()
    assert not decision.allowed
    assert decision.retry_after == 3
    assert isinstance(decision.retry_after, int)

    clock.now += 2.39  # 0.01 s left: still at least one whole second
    assert limiter.check().retry_after == 1


def test_window_frees_up_exactly_after_window_seconds() -> None:
    clock = FakeClock()
    limiter = SlidingWindowLimiter(limit=2, window=1.0, clock=clock)
    assert limiter.check().allowed and limiter.check().allowed

    clock.now += 0.999
    assert not limiter.check().allowed
    clock.now += 0.001
    assert [limiter.check().allowed for _ in range(3)] == [True, True, False]


def test_window_slides_request_by_request() -> None:
    clock = FakeClock(0.0)
    limiter = SlidingWindowLimiter(limit=3, window=10.0, clock=clock)
    for at in (0.0, 4.0, 8.0):
        clock.now = at
        assert limiter.check().allowed

    clock.now = 10.0  # the request from t=0 has left the window
    assert limiter.check() == Decision(True, 3, 0, 0)
    clock.now = 11.0  # the oldest in the window is from t=4: free again at t=14
    assert limiter.check() == Decision(False, 3, 0, 3)


def test_denied_requests_do_not_use_up_the_window() -> None:
    clock = FakeClock()
    limiter = SlidingWindowLimiter(limit=1, window=5.0, clock=clock)
    assert limiter.check().allowed
    for _ in range(10):
        clock.now += 0.4
        assert not limiter.check().allowed
    clock.now += 1.0  # 5 s after the one accepted request
    assert limiter.check().allowed


def test_uses_the_monotonic_clock_by_default() -> None:
    limiter = SlidingWindowLimiter(limit=1, window=60.0)
    assert limiter.check().allowed
    denied = limiter.check()
    assert not denied.allowed and 59 <= denied.retry_after <= 60


def test_decision_is_immutable() -> None:
    with pytest.raises(dataclasses.FrozenInstanceError):
        Decision(True, 1, 0, 0).allowed = False  # type: ignore[misc]


@pytest.mark.parametrize(
    ("limit", "window", "message"),
    [(0, 1.0, "limit"), (-5, 1.0, "limit"), (1, 0.0, "window"), (1, -1.0, "window")],
)
def test_rejects_bad_arguments(limit, window, message) -> None:
    with pytest.raises(ValueError, match=message):
        SlidingWindowLimiter(limit, window)
