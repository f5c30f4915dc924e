"""``Fanout``: the subscribers of one process, per channel; both buses deliver through it."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import AsyncIterator, Awaitable, Callable

from tarsy.events.bus import Deliver, Envelope, Payload, Subscription

log = logging.getLogger(__name__)

QUEUE_SIZE = 1000


class _Listener:
    __slots__ = ("_closed", "_fanout", "channel", "deliver")

    def __init__(self, fanout: Fanout, channel: str, deliver: Deliver) -> None:
        self._fanout = fanout
        self.channel = channel
        self.deliver = deliver
        self._closed = False

    def close(self) -> None:
        if not self._closed:
            self._closed = True
            self._fanout.remove(self)


class Fanout:
    """Channel -> listeners. ``on_empty(channel)`` runs when a channel's last listener leaves."""

    def __init__(self, on_empty: Callable[[str], None] | None = None) -> None:
        self._listeners: dict[str, list[_Listener]] = {}
        self._on_empty = on_empty

    def add(self, channel: str, deliver: Deliver) -> _Listener:
        listener = _Listener(self, channel, deliver)
        self._listeners.setdefault(channel, []).append(listener)
        return listener

    def remove(self, listener: _Listener) -> None:
        listeners = self._listeners.get(listener.channel)
        if listeners is None or listener not in listeners:
            return
        listeners.remove(listener)
        if not listeners:
            del self._listeners[listener.channel]
            if self._on_empty is not None:
                self._on_empty(listener.channel)

    def count(self, channel: str) -> int:
        return len(self._listeners.get(channel, ()))

    def channels(self) -> list[str]:
        return list(self._listeners)

    def deliver(self, channel: str, envelope: Envelope) -> None:
        for listener in list(self._listeners.get(channel, ())):
            try:
                listener.deliver(envelope)
            except Exception:  # one broken subscriber must not starve the others
                log.exception("event subscriber on %s failed", channel)


async def iterate(
    listen: Callable[[str, Deliver], Awaitable[Subscription]], channel: str
) -> AsyncIterator[Payload]:
    """``Bus.subscribe`` on top of ``Bus.listen``: a bounded queue per iterator; a slow reader
    loses events rather than blocking the publisher."""
    queue: asyncio.Queue[Payload] = asyncio.Queue(QUEUE_SIZE)

    def put(envelope: Envelope) -> None:
        if not queue.full():
            queue.put_nowait(envelope.payload)

    subscription = await listen(channel, put)
    try:
        while True:
            yield await queue.get()
    finally:
        subscription.close()
