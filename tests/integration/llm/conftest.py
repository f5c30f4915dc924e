"""Fixtures: a fake vendor server per test, and recorded (not slept) retry delays."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest

from tests.integration.llm.fake_server import FakeVendor, RunningServer


@pytest.fixture
async def vendor() -> AsyncIterator[FakeVendor]:
    fake = FakeVendor()
    server = RunningServer(fake)
    await server.start()
    try:
        yield fake
    finally:
        await server.stop()


class Sleeps:
    def __init__(self) -> None:
        self.delays: list[float] = []

    async def __call__(self, delay: float) -> None:
        self.delays.append(delay)


@pytest.fixture
def sleeps() -> Sleeps:
    return Sleeps()
