"""``ChunkBatcher``: a streaming timeline event's deltas, published as ``stream.chunk`` batches.

A model streams many small fragments; sending each as its own event costs every subscriber a
message. The batcher publishes at most one batch per ``interval`` (20 ms by default): a fragment
that arrives after a quiet interval goes out at once, later ones are collected until the
interval since the last batch has passed. Before an event completes its buffer is flushed, so
the concatenated chunks of an event always equal its final content.
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
        self._last = float("-inf")
        self._tasks: set[asyncio.Task[None]] = set()

    async def add(self, event_id: str, text: str) -> None:
        self._buffers.setdefault(event_id, []).append(text)
        if self._timer is not None:
            return
        loop = asyncio.get_running_loop()
        wait = self._last + self._interval - loop.time()
        if wait <= 0:
            await self.flush()
        else:
            self._timer = loop.call_later(wait, self._due)

    async def flush(self) -> None:
        """Publish everything buffered now (before an event completes)."""
        if self._timer is not None:
            self._timer.cancel()
            self._timer = None
        if not self._buffers:
            return
        self._last = asyncio.get_running_loop().time()
        buffers, self._buffers = self._buffers, {}
        for event_id, parts in buffers.items():
            await self._publish(event_id, "".join(parts))

    def _due(self) -> None:
        self._timer = None
        task = asyncio.get_running_loop().create_task(self.flush())
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)
