"""``ChunkBatcher``: a streaming timeline event's deltas, published as ``stream.chunk`` batches.

A model streams many small fragments; sending each as its own event costs every subscriber a
message. The batcher collects the fragments of each event and publishes them together at most
every ``interval`` seconds (20 ms by default), and at once when the event is about to complete,
so the concatenated chunks of an event always equal its final content.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable

FLUSH_INTERVAL = 0.02

Publish = Callable[[str, str], Awaitable[None]]


class ChunkBatcher:
    """``publish(event_id, delta)`` receives the coalesced deltas, in order."""

    def __init__(self, publish: Publish, interval: float = FLUSH_INTERVAL) -> None:
        self._publish = publish
        self._interval = interval
        self._buffers: dict[str, list[str]] = {}
        self._timer: asyncio.TimerHandle | None = None
        self._tasks: set[asyncio.Task[None]] = set()

    async def add(self, event_id: str, text: str) -> None:
        if self._interval <= 0:
            await self._publish(event_id, text)
            return
        self._buffers.setdefault(event_id, []).append(text)
        if self._timer is None:
            self._timer = asyncio.get_running_loop().call_later(self._interval, self._due)

    async def flush(self) -> None:
        """Publish everything buffered now (before an event completes)."""
        if self._timer is not None:
            self._timer.cancel()
            self._timer = None
        buffers, self._buffers = self._buffers, {}
        for event_id, parts in buffers.items():
            await self._publish(event_id, "".join(parts))

    def _due(self) -> None:
        self._timer = None
        task = asyncio.get_running_loop().create_task(self.flush())
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)
