"""Retention: old sessions are soft-deleted, events of long-ended sessions are dropped, and a
failing pass does not stop the loop."""

from __future__ import annotations

import asyncio
from datetime import datetime, timedelta

from sqlalchemy import select, update

from tarsy.db.clock import utcnow
from tarsy.db.engine import Database
from tarsy.db.repos.outbox import OutboxRepo
from tarsy.db.repos.retention import RetentionRepo
from tarsy.db.repos.sessions import NewSession, SessionRepo
from tarsy.db.tables import AlertSession, Event
from tarsy.domain.ids import new_id
from tarsy.domain.statuses import SessionStatus
from tarsy.events.bus import session_channel
from tarsy.worker.retention import RetentionLoop, RetentionSettings

SETTINGS = RetentionSettings(
    session_retention=timedelta(days=365),
    event_ttl=timedelta(hours=1),
    cleanup_interval=timedelta(hours=12),
)


async def add_session(
    db: Database,
    status: SessionStatus,
    *,
    created: timedelta,
    completed: timedelta | None = None,
) -> str:
    """A session submitted ``created`` ago that ended ``completed`` ago (if given)."""
    sid = new_id()
    await SessionRepo(db).create(NewSession(sid, "alert", "kubernetes", "k8s", "tester"))
    now = utcnow()
    values: dict[str, object] = {"status": status.value, "created_at": now - created}
    if status is not SessionStatus.PENDING:
        values["started_at"] = now - created
    if completed is not None:
        values["completed_at"] = now - completed
    async with db.sessions.begin() as s:
        await s.execute(update(AlertSession).where(AlertSession.session_id == sid).values(**values))
    return sid


async def add_event(db: Database, sid: str, age: timedelta) -> int:
    event_id = await OutboxRepo(db).append(sid, session_channel(sid), {"type": "x"})
    async with db.sessions.begin() as s:
        await s.execute(update(Event).where(Event.id == event_id).values(created_at=utcnow() - age))
    return event_id


async def deleted(db: Database) -> set[str]:
    async with db.sessions() as s:
        rows = await s.scalars(
            select(AlertSession.session_id).where(AlertSession.deleted_at.is_not(None))
        )
        return set(rows.all())


async def event_ids(db: Database) -> set[int]:
    async with db.sessions() as s:
        return set((await s.scalars(select(Event.id))).all())


async def test_old_ended_and_old_pending_sessions_are_soft_deleted(database: Database) -> None:
    year, day = timedelta(days=400), timedelta(days=1)
    old_done = await add_session(database, SessionStatus.COMPLETED, created=year, completed=year)
    old_failed = await add_session(
        database, SessionStatus.FAILED, created=year, completed=timedelta(days=366)
    )
    old_pending = await add_session(database, SessionStatus.PENDING, created=year)
    # Submitted long ago but ended recently, still running, or recent: all kept.
    await add_session(database, SessionStatus.COMPLETED, created=year, completed=day)
    await add_session(database, SessionStatus.IN_PROGRESS, created=year)
    await add_session(database, SessionStatus.PENDING, created=day)
    await add_session(database, SessionStatus.COMPLETED, created=day, completed=day)

    loop = RetentionLoop(RetentionRepo(database), SETTINGS)
    report = await loop.run_once()
    assert report is not None and report.sessions_deleted == 3
    assert await deleted(database) == {old_done, old_failed, old_pending}
    assert await SessionRepo(database).get(old_done) is None  # hidden from reads
    async with database.sessions() as s:
        kept = await s.scalar(select(AlertSession).where(AlertSession.session_id == old_done))
    assert kept is not None  # soft delete only: the row stays

    again = await loop.run_once()
    assert again is not None and again.sessions_deleted == 0


async def test_events_of_sessions_that_ended_long_ago_are_deleted(database: Database) -> None:
    hours = timedelta(hours=2)
    minutes = timedelta(minutes=10)
    ended_long_ago = await add_session(
        database, SessionStatus.COMPLETED, created=hours, completed=hours
    )
    stale = [await add_event(database, ended_long_ago, hours) for _ in range(3)]
    # A chat answered just now on the long-ended session: its events stay for catch-up.
    fresh_chat = await add_event(database, ended_long_ago, timedelta(0))
    ended_recently = await add_session(
        database, SessionStatus.FAILED, created=hours, completed=minutes
    )
    recent_end = await add_event(database, ended_recently, hours)
    running = await add_session(database, SessionStatus.IN_PROGRESS, created=hours)
    running_events = [await add_event(database, running, hours) for _ in range(2)]

    report = await RetentionLoop(RetentionRepo(database), SETTINGS).run_once()
    assert report is not None and report.events_deleted == len(stale)
    assert await event_ids(database) == {fresh_chat, recent_end, *running_events}


class FlakyStore:
    """Fails its first pass, then succeeds."""

    def __init__(self) -> None:
        self.passes = 0
        self.cutoffs: list[datetime] = []

    async def soft_delete_sessions(self, cutoff: datetime) -> int:
        self.passes += 1
        if self.passes == 1:
            raise ConnectionError("database went away")
        self.cutoffs.append(cutoff)
        return 0

    async def delete_events(self, cutoff: datetime) -> int:
        self.cutoffs.append(cutoff)
        return 0


async def test_a_failing_pass_does_not_stop_the_loop() -> None:
    store = FlakyStore()
    now = utcnow()
    loop = RetentionLoop(
        store,
        RetentionSettings(timedelta(days=365), timedelta(hours=1), timedelta(milliseconds=10)),
        clock=lambda: now,
    )
    await loop.start()
    try:
        async with asyncio.timeout(5):
            while store.passes < 3:
                await asyncio.sleep(0.01)
    finally:
        await loop.stop()
    assert store.cutoffs[:2] == [now - timedelta(days=365), now - timedelta(hours=1)]
    assert await loop.run_once() is not None
