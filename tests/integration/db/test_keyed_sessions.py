"""Sessions keyed by their source on SQLite and PostgreSQL: one live session per key (also when
two replicas insert at once), a free key once the session ends, resolutions recorded."""

from __future__ import annotations

import asyncio
from datetime import timedelta

from sqlalchemy import func, select

from tarsy.db.clock import utcnow
from tarsy.db.engine import Database, connect
from tarsy.db.migrate import upgrade
from tarsy.db.repos.keyed import KeyedSessionRepo
from tarsy.db.repos.queue import QueueRepo
from tarsy.db.repos.retention import RetentionRepo
from tarsy.db.repos.sessions import Finalisation, NewSession, SessionRepo
from tarsy.db.tables import AlertSession
from tarsy.domain.ids import new_id
from tarsy.domain.statuses import SessionStatus
from tests.conftest import pg_url


def new_session(data: str = "alert") -> NewSession:
    return NewSession(new_id(), data, "kubernetes", "kubernetes", "alertmanager")


async def rows_with_key(db: Database, key: str) -> int:
    async with db.sessions() as s:
        count = await s.scalar(
            select(func.count()).select_from(AlertSession).where(AlertSession.source_key == key)
        )
    return int(count or 0)


async def test_a_live_key_creates_no_second_session(database: Database) -> None:
    repo = KeyedSessionRepo(database)
    first = await repo.create_unless_live(new_session(), "k1")
    assert first.created
    again = await repo.create_unless_live(new_session(), "k1")
    assert not again.created and again.session_id == first.session_id
    other = await repo.create_unless_live(new_session(), "k2")
    assert other.created and other.session_id != first.session_id
    # An in_progress session holds its key too.
    claim = await QueueRepo(database).claim("pod-a", 5)
    assert claim is not None
    assert (await repo.create_unless_live(new_session(), "k1")).session_id == first.session_id
    assert await rows_with_key(database, "k1") == 1
    assert await repo.live("k1") == first.session_id


async def test_the_key_is_free_once_the_session_ended(database: Database) -> None:
    repo = KeyedSessionRepo(database)
    sessions = SessionRepo(database)
    first = await repo.create_unless_live(new_session(), "k")
    assert await sessions.request_cancel(first.session_id) == "cancelled"
    assert await repo.live("k") is None
    second = await repo.create_unless_live(new_session(), "k")
    assert second.created and second.session_id != first.session_id
    claim = await QueueRepo(database).claim("pod-a", 5)
    assert claim is not None and claim.session_id == second.session_id
    done = await sessions.finalise(second.session_id, 0, Finalisation(SessionStatus.COMPLETED))
    assert done
    third = await repo.create_unless_live(new_session(), "k")
    assert third.created and await rows_with_key(database, "k") == 3


async def test_a_soft_deleted_pending_session_frees_its_key(database: Database) -> None:
    repo = KeyedSessionRepo(database)
    stale = await repo.create_unless_live(new_session(), "k")
    hidden = await RetentionRepo(database).soft_delete_sessions(utcnow() + timedelta(seconds=1))
    assert hidden == 1
    fresh = await repo.create_unless_live(new_session(), "k")
    assert fresh.created and fresh.session_id != stale.session_id


async def test_unkeyed_sessions_are_not_deduplicated(database: Database) -> None:
    sessions = SessionRepo(database)
    for _ in range(3):
        await sessions.create(new_session())
    async with database.sessions() as s:
        count = await s.scalar(select(func.count()).select_from(AlertSession))
    assert count == 3


async def test_resolved_is_recorded_on_the_live_else_the_latest_session(
    database: Database,
) -> None:
    repo = KeyedSessionRepo(database)
    sessions = SessionRepo(database)
    assert await repo.record_resolved("k") is None  # nothing to record it on

    old = await repo.create_unless_live(new_session(), "k")
    assert await sessions.request_cancel(old.session_id) == "cancelled"
    live = await repo.create_unless_live(new_session(), "k")
    assert await repo.record_resolved("k") == live.session_id
    first = await sessions.get(live.session_id)
    assert first is not None and first.resolved_at is not None
    # Later resolve notifications (several Alertmanager replicas) keep the first time.
    assert await repo.record_resolved("k") == live.session_id
    again = await sessions.get(live.session_id)
    assert again is not None and again.resolved_at == first.resolved_at
    untouched = await sessions.get(old.session_id)
    assert untouched is not None and untouched.resolved_at is None

    # With no live session left, the latest one gets it.
    assert await sessions.request_cancel(live.session_id) == "cancelled"
    newest = await repo.create_unless_live(new_session(), "k")
    assert await sessions.request_cancel(newest.session_id) == "cancelled"
    assert await repo.record_resolved("k") == newest.session_id


async def test_two_replicas_inserting_the_same_keys_at_once_create_one_session_each(
    pg_schema: str,
) -> None:
    replicas = [connect(pg_url(), schema=pg_schema, pool_size=8) for _ in range(2)]
    try:
        await upgrade(replicas[0])
        repos = [KeyedSessionRepo(db) for db in replicas]
        keys = [f"group-{i}" for i in range(10)]
        # Every key is inserted four times at once, twice from each replica.
        outcomes = await asyncio.gather(
            *(
                repos[n % 2].create_unless_live(new_session(f"{key}/{n}"), key)
                for key in keys
                for n in range(4)
            )
        )
        for i, key in enumerate(keys):
            mine = outcomes[i * 4 : i * 4 + 4]
            assert sum(o.created for o in mine) == 1, (key, mine)
            assert len({o.session_id for o in mine}) == 1, (key, mine)
            assert await rows_with_key(replicas[1], key) == 1
    finally:
        for db in replicas:
            await db.dispose()
