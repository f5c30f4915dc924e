"""In-process event bus: fan-out to local subscribers, persisted events via an ``Outbox``.

Publishing never waits for the database. Each channel delivers in publish order: a persisted
event is delivered once the outbox has stored it (with its ``db_event_id``), and anything
published after it on that channel waits behind it.
"""

from __future__ import annotations

import asyncio
from collections import defaultdict, deque
from collections.abc import AsyncIterator
from datetime import UTC, datetime

from tarsy.events.bus import Fill, Outbox, Payload

QUEUE_SIZE = 1000


class _Entry:
    __slots__ = ("event", "ready")

    def __init__(self, event: Payload, ready: bool) -> None:
        self.event = event
        self.ready = ready


class LocalBus:
    """Implements ``Bus`` for one process. Slow subscribers lose events rather than block."""

    def __init__(self, outbox: Outbox | None = None) -> None:
        self._outbox = outbox
        self._subscribers: dict[str, set[asyncio.Queue[Payload]]] = defaultdict(set)
        self._waiting: dict[str, deque[_Entry]] = {}

    async def publish(
        self, channel: str, payload: Payload, *, persist: bool = False, fill: Fill | None = None
    ) -> None:
        event = {"timestamp": datetime.now(UTC).isoformat(), **payload}
        if not (persist and self._outbox is not None):
            if channel in self._waiting:
                self._waiting[channel].append(_Entry(event, True))
            else:
                self._deliver(channel, event)
            return
        entry = _Entry(event, False)
        self._waiting.setdefault(channel, deque()).append(entry)

        def stored(event_id: int | None) -> None:
            if event_id is not None:
                event["db_event_id"] = event_id
            entry.ready = True
            self._release(channel)

        self._outbox.post(
            str(event.get("session_id", "")), channel, event, fill=fill, stored=stored
        )

    def _release(self, channel: str) -> None:
        waiting = self._waiting.get(channel)
        while waiting and waiting[0].ready:
            self._deliver(channel, waiting.popleft().event)
        if waiting is not None and not waiting:
            del self._waiting[channel]

    def _deliver(self, channel: str, event: Payload) -> None:
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
