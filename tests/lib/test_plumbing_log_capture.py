"""captured_log: a logger's records, one line each, only inside the block."""

from __future__ import annotations

import asyncio
import gc
import logging

import pytest

from lib.plumbing.log_capture import captured_log


def test_records_inside_the_block_only() -> None:
    logger = logging.getLogger("lib-test-capture")
    with captured_log("lib-test-capture") as lines:
        logger.warning("first %s", "line\nsecond line")
        logger.info("too quiet")
    logger.warning("after the block")
    assert lines == ["first line"]
    assert logger.propagate and logger.level == logging.NOTSET and not logger.handlers


def test_an_exception_is_named() -> None:
    logger = logging.getLogger("lib-test-capture")
    with captured_log("lib-test-capture") as lines:
        try:
            raise ValueError("bad record")
        except ValueError:
            logger.exception("it failed")
    assert lines == ["it failed (ValueError: bad record)"]


def test_catches_a_task_destroyed_while_pending() -> None:
    async def main() -> None:
        async def waits() -> None:
            await asyncio.get_running_loop().create_future()  # nothing else holds it

        asyncio.create_task(waits())  # noqa: RUF006  # the mistake on purpose
        await asyncio.sleep(0)
        gc.collect()

    with captured_log("asyncio") as lines:
        asyncio.run(main())
    assert "Task was destroyed but it is pending!" in lines


def test_the_root_logger_is_refused() -> None:
    with pytest.raises(ValueError, match="name the logger"), captured_log(""):
        pass
