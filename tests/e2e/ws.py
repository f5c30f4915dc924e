"""A WebSocket client of ``/api/v1/ws`` for end-to-end tests: collects every message."""

from __future__ import annotations

import asyncio
import contextlib
import json
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from typing import Any

from websockets.asyncio.client import ClientConnection, connect

Message = dict[str, Any]


class WsClient:
    def __init__(self, conn: ClientConnection) -> None:
        self.conn = conn
        self.messages: list[Message] = []
        self._changed = asyncio.Condition()
        self._reader = asyncio.create_task(self._read())
        self.closed: asyncio.Future[None] = asyncio.get_running_loop().create_future()

    async def _read(self) -> None:
        try:
            async for raw in self.conn:
                message = json.loads(raw)
                async with self._changed:
                    self.messages.append(message)
                    self._changed.notify_all()
        finally:
            if not self.closed.done():
                self.closed.set_result(None)
            async with self._changed:
                self._changed.notify_all()

    async def send(self, **message: Any) -> None:
        await self.conn.send(json.dumps(message))

    async def subscribe(self, channel: str, last_event_id: int | None = None) -> Message:
        start = len(self.messages)
        extra = {} if last_event_id is None else {"last_event_id": last_event_id}
        await self.send(action="subscribe", channel=channel, **extra)
        return await self.wait_for(
            lambda m: (
                m.get("type") in ("subscription.confirmed", "subscription.error")
                and m.get("channel") == channel
            ),
            start=start,
        )

    async def wait_for(
        self, predicate: Callable[[Message], bool], *, start: int = 0, timeout: float = 30
    ) -> Message:
        async with asyncio.timeout(timeout), self._changed:
            while True:
                for message in self.messages[start:]:
                    if predicate(message):
                        return message
                if self.closed.done():
                    raise AssertionError(f"socket closed; got {self.messages[start:]}")
                await self._changed.wait()

    def of(self, channel_session: str | None = None, type_: str | None = None) -> list[Message]:
        return [
            m
            for m in self.messages
            if (channel_session is None or m.get("session_id") == channel_session)
            and (type_ is None or m.get("type") == type_)
        ]

    async def close(self) -> None:
        await self.conn.close()
        self._reader.cancel()
        with contextlib.suppress(asyncio.CancelledError, Exception):
            await self._reader


@asynccontextmanager
async def ws_client(
    base_url: str, *, origin: str | None = None, headers: dict[str, str] | None = None
) -> AsyncIterator[WsClient]:
    url = base_url.replace("http://", "ws://") + "/api/v1/ws"
    headers = {**(headers or {}), **({"Origin": origin} if origin else {})} or None
    async with connect(url, additional_headers=headers, proxy=None, max_size=None) as conn:
        client = WsClient(conn)
        try:
            await client.wait_for(lambda m: m.get("type") == "connection.established")
            yield client
        finally:
            await client.close()
