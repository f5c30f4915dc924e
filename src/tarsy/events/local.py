"""In-process event bus: fan-out to local subscribers, persisted events via an ``Outbox``.

Publishing never waits for the database. Each channel delivers in publish order: a persisted
event is delivered once the outbox has stored it (with its ``db_event_id``), and anything
published after it on that channel waits behind it.
"""

from __future__ import annotations

from collections import deque
from collections.abc import AsyncIterator, Mapping
from datetime import UTC, datetime
from typing import Any

from tarsy.events.bus import Deliver, Envelope, Fill, Outbox, Payload, Subscription
from tarsy.events.fanout import Fanout, iterate


class _Entry:
    __slots__ = ("event", "ready")

    def __init__(self, event: Payload, ready: bool) -> None:
        self.event = event
        self.ready = ready


class LocalBus:
    """Implements ``Bus`` for one process (SQLite, or tests without a database)."""

    def __init__(self, outbox: Outbox | None = None) -> None:
        self._outbox = outbox
        self._fanout = Fanout()
        self._waiting: dict[str, deque[_Entry]] = {}

    async def publish(
        self,
        channel: str,
        payload: Mapping[str, Any],
        *,
        persist: bool = False,
        fill: Fill | None = None,
    ) -> None:
        event = {"timestamp": datetime.now(UTC).isoformat(), **payload}
        if not (persist and self._outbox is not None):
            if channel in self._waiting:
                self._waiting[channel].append(_Entry(event, True))
            else:
                self._fanout.deliver(channel, Envelope(event))
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
            self._fanout.deliver(channel, Envelope(waiting.popleft().event))
        if waiting is not None and not waiting:
            del self._waiting[channel]

    async def listen(self, channel: str, deliver: Deliver) -> Subscription:
        return self._fanout.add(channel, deliver)

    def subscribe(self, channel: str) -> AsyncIterator[Payload]:
        return iterate(self.listen, channel)

    async def aclose(self) -> None:
        return None
