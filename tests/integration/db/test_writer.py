"""``GroupWriter`` on SQLite and PostgreSQL: concurrent writes share transactions, numbering
per session holds across a batch, one bad row fails only its own write, ``flush`` waits only
for what was posted before it, and posted events reach subscribers in publish order."""

from __future__ import annotations

import asyncio
from typing import Any

import pytest
from sqlalchemy import func, select

from tarsy.db.engine import Database
from tarsy.db.repos.outbox import OutboxRepo
from tarsy.db.repos.runs import NewStage, RunRepo
from tarsy.db.repos.timeline import NewTimelineEvent, TimelineRepo
from tarsy.db.tables import Event, Stage, TimelineEvent
from tarsy.db.writer import table_of
from tarsy.domain.statuses import StageType, TimelineEventType, TimelineStatus
from tarsy.events.bus import session_channel
from tarsy.events.local import LocalBus
from tests.integration.db.test_repos import new_session


def event(sid: str, n: int) -> NewTimelineEvent:
    return NewTimelineEvent(
        sid, TimelineEventType.LLM_RESPONSE, TimelineStatus.COMPLETED, content=f"e{n}"
    )


async def test_concurrent_writes_are_grouped_and_numbered_per_session(database: Database) -> None:
    a, b = await new_session(database), await new_session(database)
    timeline = TimelineRepo(database)
    batches: list[int] = []
    original = database.writer._write

    async def counting(conn: Any, batch: list[Any]) -> list[Any]:
        batches.append(len(batch))
        return await original(conn, batch)

    database.writer._write = counting  # type: ignore[method-assign]
    rows = await asyncio.gather(
        *(timeline.create(event(sid, n)) for n in range(40) for sid in (a, b))
    )
    assert len(batches) < 10  # 80 writes, grouped into a few transactions
    for sid in (a, b):
        mine = [r for r in rows if r.session_id == sid]
        assert sorted(r.sequence_number for r in mine) == list(range(1, 41))
        # numbers follow submission order within a session
        assert [r.sequence_number for r in mine] == list(range(1, 41))
    async with database.sessions() as s:
        stored = await s.scalar(select(func.count()).select_from(TimelineEvent))
    assert stored == 80


async def test_stage_indexes_follow_submission_order(database: Database) -> None:
    sid = await new_session(database)
    runs = RunRepo(database)
    stages = await asyncio.gather(
        *(runs.start_stage(NewStage(sid, f"s{n}", StageType.INVESTIGATION)) for n in range(5))
    )
    assert [s.stage_index for s in stages] == [1, 2, 3, 4, 5]
    later = await runs.start_stage(NewStage(sid, "later", StageType.CHAT))
    assert later.stage_index == 6


async def test_a_bad_row_fails_only_its_own_write(database: Database) -> None:
    sid = await new_session(database)
    outbox = OutboxRepo(database)
    good = [outbox.append(sid, "c", {"n": n}) for n in range(5)]
    bad = outbox.append("no-such-session", "c", {"n": -1})  # violates the session foreign key
    results = await asyncio.gather(*good, bad, return_exceptions=True)
    stored_ids = [r for r in results[:5] if isinstance(r, int)]
    assert len(stored_ids) == 5
    assert isinstance(results[5], Exception)
    async with database.sessions() as s:
        ids = (await s.scalars(select(Event.id).order_by(Event.id))).all()
    assert list(ids) == sorted(stored_ids)


async def test_flush_waits_for_earlier_posts_only(database: Database) -> None:
    sid = await new_session(database)
    writer = database.writer
    table = table_of(Stage)
    stage = await RunRepo(database).start_stage(NewStage(sid, "s", StageType.INVESTIGATION))
    writer.post_update(table, "stage_id", {"stage_id": stage.stage_id, "stage_name": "renamed"})
    await writer.flush()
    async with database.sessions() as s:
        assert await s.scalar(select(Stage.stage_name)) == "renamed"
    await writer.flush()  # idle: returns at once


async def test_events_reach_subscribers_once_stored_and_in_order(database: Database) -> None:
    sid = await new_session(database)
    bus = LocalBus(OutboxRepo(database))
    channel = session_channel(sid)
    received: list[dict[str, Any]] = []

    async def listen() -> None:
        async for item in bus.subscribe(channel):
            received.append(item)
            if len(received) == 3:
                return

    listener = asyncio.create_task(listen())
    await asyncio.sleep(0)
    await bus.publish(channel, {"type": "a", "session_id": sid}, persist=True)
    await bus.publish(channel, {"type": "chunk", "session_id": sid})  # transient, waits behind
    await bus.publish(
        channel,
        {"type": "b", "session_id": sid, "n": None},
        persist=True,
        fill=lambda payload: payload.update(n=7),
    )
    await asyncio.wait_for(listener, 10)
    assert [r["type"] for r in received] == ["a", "chunk", "b"]
    assert received[0]["db_event_id"] < received[2]["db_event_id"]
    assert "db_event_id" not in received[1]
    assert received[2]["n"] == 7
    async with database.sessions() as s:
        payloads = (await s.scalars(select(Event.payload).order_by(Event.id))).all()
    assert [p["type"] for p in payloads] == ["a", "b"] and payloads[1]["n"] == 7


@pytest.mark.parametrize("count", [1, 300])
async def test_posts_of_a_cancelled_task_are_still_stored(database: Database, count: int) -> None:
    sid = await new_session(database)
    timeline = TimelineRepo(database)

    async def poster() -> None:
        for n in range(count):
            timeline.post(event(sid, n))
        await asyncio.sleep(3600)

    task = asyncio.create_task(poster())
    await asyncio.sleep(0.01)
    task.cancel()
    await asyncio.gather(task, return_exceptions=True)
    await database.writer.flush()
    async with database.sessions() as s:
        stored = await s.scalar(select(func.count()).select_from(TimelineEvent))
    assert stored == count
