"""Reading asyncio's debug-mode reports of slow steps (lib.measure.slow_steps)."""

from __future__ import annotations

import asyncio
import logging
import time

import pytest

from lib.measure.slow_steps import SlowStep, kept_messages, slow_steps

REPORT = (
    "Executing <Task pending name='Task-7' coro=<fetch_blocking() running at "
    "chapters/x.py:6> cb=[gather.<locals>._done_callback()]> took 0.203 seconds"
)


def test_kept_messages_collects_warnings_in_order_and_not_below_the_level() -> None:
    logger = logging.getLogger("test_slow_steps.collect")
    with kept_messages(logger.name) as messages:
        logger.warning("first %s", "warning")
        logger.info("too quiet to keep")
        logger.error("then an error")
    assert messages == ["first warning", "then an error"]


def test_kept_messages_removes_its_handler_even_when_the_block_raises() -> None:
    logger = logging.getLogger("test_slow_steps.raises")
    before = list(logger.handlers)
    with pytest.raises(KeyError), kept_messages(logger.name) as messages:
        raise KeyError("from the block")
    assert logger.handlers == before
    logger.warning("after the block")
    assert messages == []


def test_kept_messages_refuses_an_unknown_level_name() -> None:
    with pytest.raises(ValueError), kept_messages("test_slow_steps.level", level="LOUD"):
        pass


def test_slow_steps_reads_the_coroutine_and_seconds_and_skips_the_rest() -> None:
    steps = slow_steps(["Using selector: EpollSelector", REPORT, "took 9 seconds"])
    assert steps == [SlowStep("fetch_blocking", 0.203)]
    assert slow_steps([]) == []


def test_slow_steps_reads_a_nested_coroutines_qualified_name() -> None:
    nested = REPORT.replace("fetch_blocking()", "main.<locals>.fetch_blocking()")
    assert slow_steps([nested]) == [SlowStep("main.<locals>.fetch_blocking", 0.203)]


async def holds_the_loop() -> None:
    time.sleep(0.15)  # longer than slow_callback_duration (0.1 s), without awaiting


def test_a_blocking_step_under_debug_mode_is_reported() -> None:
    """End to end, on a real loop: the report asyncio writes is one slow_steps can read."""

    async def main() -> None:
        await asyncio.wait_for(asyncio.create_task(holds_the_loop()), timeout=10)

    with kept_messages("asyncio") as messages:
        asyncio.run(main(), debug=True)
    steps = [step for step in slow_steps(messages) if step.coroutine == "holds_the_loop"]
    assert len(steps) == 1
    assert steps[0].seconds >= 0.1
