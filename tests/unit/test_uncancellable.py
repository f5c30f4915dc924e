"""``db.engine.uncancellable``: a write runs to its end; the caller's cancellation comes after."""

from __future__ import annotations

import asyncio

import pytest

from tarsy.db.engine import uncancellable


class Writer:
    def __init__(self) -> None:
        self.started = asyncio.Event()
        self.finished = False

    @uncancellable
    async def write(self, value: int) -> int:
        self.started.set()
        await asyncio.sleep(0.05)
        self.finished = True
        return value * 2


async def test_result_passes_through() -> None:
    assert await Writer().write(21) == 42


async def test_cancel_waits_for_the_write_then_is_delivered() -> None:
    writer = Writer()
    task = asyncio.create_task(writer.write(1))
    await writer.started.wait()
    task.cancel()
    with pytest.raises(asyncio.CancelledError):
        await task
    assert writer.finished


async def test_timeout_around_a_write_still_times_out_after_it() -> None:
    writer = Writer()
    with pytest.raises(TimeoutError):
        async with asyncio.timeout(0.01):
            await writer.write(1)
            await asyncio.sleep(1)
    assert writer.finished


async def test_errors_of_the_write_propagate() -> None:
    @uncancellable
    async def broken() -> None:
        raise ValueError("constraint failed")

    with pytest.raises(ValueError, match="constraint failed"):
        await broken()
