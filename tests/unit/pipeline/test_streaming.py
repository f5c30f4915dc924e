"""``ChunkBatcher``: at most one batch per interval, the first fragment after a pause at once,
everything flushed on demand."""

from __future__ import annotations

import asyncio

from tarsy.pipeline.streaming import ChunkBatcher


async def test_deltas_are_batched_per_interval_and_flushed_before_completion() -> None:
    published: list[tuple[str, str]] = []

    async def publish(event_id: str, delta: str) -> None:
        published.append((event_id, delta))

    batcher = ChunkBatcher(publish, interval=0.05)
    await batcher.add("e1", "a")
    assert published == [("e1", "a")], "the first fragment after a pause goes at once"
    for piece in "bc":
        await batcher.add("e1", piece)
    await batcher.add("e2", "x")
    assert len(published) == 1, "the rest waits for the interval"
    async with asyncio.timeout(5):  # the timer publishes them (however late a busy loop runs it)
        while len(published) < 3:
            await asyncio.sleep(0.01)
    assert published[1:] == [("e1", "bc"), ("e2", "x")]
    await asyncio.sleep(0.1)  # a quiet interval (twice over) since that batch
    await batcher.add("e1", "d")
    await batcher.add("e1", "e")
    await batcher.flush()
    assert published[3:] == [("e1", "d"), ("e1", "e")]
    await asyncio.sleep(0.1)
    assert len(published) == 5, "a flush cancels the pending timer"


async def test_a_zero_interval_publishes_each_delta() -> None:
    published: list[str] = []

    async def publish(event_id: str, delta: str) -> None:
        published.append(delta)

    batcher = ChunkBatcher(publish, interval=0)
    await batcher.add("e", "a")
    await batcher.add("e", "b")
    assert published == ["a", "b"]
