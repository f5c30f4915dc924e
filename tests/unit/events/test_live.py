"""``LiveService`` / ``LiveConnection`` without a server: origins, and a client too slow to read."""

from __future__ import annotations

import asyncio
import json

from tarsy.events.bus import ListenError, Payload, session_channel
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


class DownBus(LocalBus):
    async def listen(self, channel: str, deliver: object) -> object:  # type: ignore[override]
        raise ListenError("the LISTEN connection to PostgreSQL is down")


async def test_a_bus_that_cannot_listen_answers_subscription_error() -> None:
    live = LiveService(DownBus(), NoOutbox(), dashboard_url="http://localhost:5173")
    sent: list[dict[str, object]] = []

    async def send(text: str) -> None:
        sent.append(json.loads(text))

    async def close(code: int, reason: str) -> None:
        return None

    connection = live.connect(send, close)
    await connection.open()
    await connection.handle(json.dumps({"action": "subscribe", "channel": "sessions"}))
    await connection.handle(json.dumps({"action": "ping"}))
    await asyncio.sleep(0.01)
    assert sent[1:] == [
        {
            "type": "subscription.error",
            "channel": "sessions",
            "message": "the LISTEN connection to PostgreSQL is down",
        },
        {"type": "pong"},
    ]
    await connection.aclose()
