"""``LiveService`` / ``LiveConnection`` without a server: origins, and a client too slow to read."""

from __future__ import annotations

import asyncio
import json

from tarsy.events.bus import Payload, session_channel
from tarsy.events.local import LocalBus
from tarsy.services.live import LiveService


class NoOutbox:
    async def since(self, channel: str, after_id: int, limit: int) -> list[Payload]:
        return []


def service(**kwargs: object) -> LiveService:
    return LiveService(
        LocalBus(),
        NoOutbox(),
        dashboard_url="https://tarsy.example.com",
        **kwargs,  # type: ignore[arg-type]
    )


def test_origins() -> None:
    live = service(allowed_origins=("*.corp.example", "https://ops.example.org:8443"))
    assert live.origin_allowed(None)
    assert live.origin_allowed("http://localhost:5173")
    assert live.origin_allowed("http://127.0.0.1:8080")
    assert live.origin_allowed("https://tarsy.example.com")
    assert live.origin_allowed("https://team.corp.example")
    assert live.origin_allowed("https://ops.example.org:8443")
    assert not live.origin_allowed("https://ops.example.org")
    assert not live.origin_allowed("https://evil.example.com")
    assert not live.origin_allowed("http://localhost.evil.com")


async def test_a_client_that_does_not_read_is_disconnected_not_waited_for() -> None:
    live = service()
    stuck = asyncio.Event()
    closed: list[int] = []

    async def send(text: str) -> None:
        await stuck.wait()

    async def close(code: int, reason: str) -> None:
        closed.append(code)

    connection = live.connect(send, close)
    connection_queue = 10
    connection._queue = asyncio.Queue(connection_queue)
    await connection.open()
    await connection.handle(json.dumps({"action": "subscribe", "channel": session_channel("s")}))
    for i in range(50):
        await live.bus.publish(
            session_channel("s"), {"type": "stream.chunk", "session_id": "s", "i": i}
        )
    await asyncio.sleep(0.05)
    assert closed == [1013]
    assert live.connection_count == 0
