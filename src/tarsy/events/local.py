"""In-process event bus: fan-out to local subscribers, persisted events via an ``Outbox``."""

from __future__ import annotations

import asyncio
from collections import defaultdict
from collections.abc import AsyncIterator
from datetime import UTC, datetime

from tarsy.events.bus import Outbox, Payload

QUEUE_SIZE = 1000


class LocalBus:
    """Implements ``Bus`` for one process. Slow subscribers lose events rather than block."""

    def __init__(self, outbox: Outbox | None = None) -> None:
        self._outbox = outbox
        self._subscribers: dict[str, set[asyncio.Queue[Payload]]] = defaultdict(set)

    async def publish(self, channel: str, payload: Payload, *, persist: bool = False) -> None:
        event = {"timestamp": datetime.now(UTC).isoformat(), **payload}
        if persist and self._outbox is not None:
            event["db_event_id"] = await self._outbox.append(
                str(event.get("session_id", "")), channel, event
            )
        for queue in list(self._subscribers.get(channel, ())):
            if queue.full():
                continue
            queue.put_nowait(event)

    async def subscribe(self, channel: str) -> AsyncIterator[Payload]:
        queue: asyncio.Queue[Payload] = asyncio.Queue(QUEUE_SIZE)
        self._subscribers[channel].add(queue)
        try:
            while True:
                yield await queue.get()
        finally:
            self._subscribers[channel].discard(queue)
            if not self._subscribers[channel]:
                del self._subscribers[channel]
