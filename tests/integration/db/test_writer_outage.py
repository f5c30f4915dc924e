"""``GroupWriter`` through a PostgreSQL restart (a private cluster, stopped and started): writes
posted while the database is down wait for it and are committed once it is back, in order;
past the writer's patience they fail with the connection error, and the writer recovers."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator

import pytest
from sqlalchemy import func, select, update

from tarsy.db.disconnects import is_disconnect
from tarsy.db.engine import TABLE_ORDER, Database, connect
from tarsy.db.migrate import upgrade
from tarsy.db.repos.timeline import TimelineRepo
from tarsy.db.tables import AlertSession, TimelineEvent
from tarsy.db.writer import GroupWriter
from tests.integration.db.test_repos import new_session
from tests.integration.db.test_writer import event
from tests.private_pg import PrivatePostgres, private_postgres

pytestmark = pytest.mark.postgres


@pytest.fixture
async def cluster() -> AsyncIterator[tuple[PrivatePostgres, Database]]:
    async with private_postgres() as pg:
        db = connect(pg.url)
        try:
            await upgrade(db)
            yield pg, db
        finally:
            await db.dispose()


async def test_writes_wait_for_a_restarting_database(
    cluster: tuple[PrivatePostgres, Database],
) -> None:
    pg, db = cluster
    sid = await new_session(db)
    timeline = TimelineRepo(db)
    await timeline.create(event(sid, 0))
    await pg.stop("fast")
    writes = [asyncio.create_task(timeline.create(event(sid, n))) for n in range(1, 6)]
    await asyncio.sleep(1.5)
    assert not any(w.done() for w in writes), "a write failed instead of waiting"
    await pg.start()
    rows = await asyncio.gather(*writes)
    assert [r.sequence_number for r in rows] == [2, 3, 4, 5, 6]
    async with db.sessions() as s:
        stored = await s.scalars(
            select(TimelineEvent.content)
            .where(TimelineEvent.session_id == sid)
            .order_by(TimelineEvent.sequence_number)
        )
        assert list(stored) == [f"e{n}" for n in range(6)]


async def test_past_its_patience_a_write_fails_and_the_writer_recovers(
    cluster: tuple[PrivatePostgres, Database],
) -> None:
    pg, db = cluster
    sid = await new_session(db)
    writer = GroupWriter(db.engine, db.writing, order=TABLE_ORDER, patience=1.0)
    rename = update(AlertSession).where(AlertSession.session_id == sid).values(author="ops")
    await pg.stop("fast")
    with pytest.raises(Exception) as caught:
        await writer.execute(rename)
    assert is_disconnect(caught.value), repr(caught.value)
    await pg.start()
    assert await writer.execute(rename) == 1
    async with db.sessions() as s:
        assert await s.scalar(select(func.count()).where(AlertSession.author == "ops")) == 1
