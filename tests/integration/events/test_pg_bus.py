"""``PgBus`` on real PostgreSQL: delivery through LISTEN/NOTIFY across two buses (two replicas),
one order, the 8000-byte NOTIFY limit, LISTEN on demand, and recovery from a lost connection."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from typing import Any

import asyncpg
import pytest

from tarsy.db.engine import Database
from tarsy.db.repos.outbox import OutboxRepo
from tarsy.events.bus import Envelope, ListenError, session_channel
from tarsy.events.pg import PgBus, asyncpg_dsn, pg_channel
from tests.conftest import pg_url
from tests.integration.db.test_repos import new_session

pytestmark = pytest.mark.postgres


@pytest.fixture
async def buses(pg_db: Database) -> AsyncIterator[tuple[PgBus, PgBus]]:
    """Two buses on one database, as two replicas have."""
    pair = tuple(
        PgBus(asyncpg_dsn(pg_url()), OutboxRepo(pg_db), schema=pg_db.schema) for _ in range(2)
    )
    for bus in pair:
        await bus.start()
    try:
        yield pair[0], pair[1]
    finally:
        for bus in pair:
            await bus.aclose()


class Inbox:
    def __init__(self) -> None:
        self.items: list[Envelope] = []
        self.event = asyncio.Event()

    def __call__(self, envelope: Envelope) -> None:
        self.items.append(envelope)
        self.event.set()

    async def wait(self, count: int, timeout: float = 10) -> list[dict[str, Any]]:
        async with asyncio.timeout(timeout):
            while len(self.items) < count:
                self.event.clear()
                await self.event.wait()
        return [e.payload for e in self.items]


async def test_events_published_on_one_replica_reach_the_other_in_order(
    pg_db: Database, buses: tuple[PgBus, PgBus]
) -> None:
    publisher, other = buses
    sid = await new_session(pg_db)
    channel = session_channel(sid)
    here, there = Inbox(), Inbox()
    await publisher.listen(channel, here)
    await other.listen(channel, there)
    for i in range(30):
        persist = i % 3 == 0
        await publisher.publish(channel, {"type": "t", "session_id": sid, "i": i}, persist=persist)
    for inbox in (here, there):
        got = await inbox.wait(30)
        assert [p["i"] for p in got] == list(range(30))
        assert all(("db_event_id" in p) == (p["i"] % 3 == 0) for p in got)
    assert [e.text for e in here.items] == [e.text for e in there.items]


async def test_oversized_events_arrive_whole(pg_db: Database, buses: tuple[PgBus, PgBus]) -> None:
    publisher, other = buses
    sid = await new_session(pg_db)
    channel = session_channel(sid)
    inbox = Inbox()
    await other.listen(channel, inbox)
    big = "é" * 20_000  # 40 000 bytes
    await publisher.publish(
        channel,
        {"type": "timeline_event.completed", "session_id": sid, "content": big, "event_id": "e1"},
        persist=True,
    )
    await publisher.publish(
        channel, {"type": "stream.chunk", "session_id": sid, "event_id": "e2", "delta": big}
    )
    await publisher.publish(
        channel, {"type": "execution.status", "session_id": sid, "error_message": big}
    )
    await publisher.publish(channel, {"type": "after", "session_id": sid})
    got = await inbox.wait(3)
    await asyncio.sleep(0.3)
    got = [e.payload for e in inbox.items]
    # The stored event is fetched back whole; the chunk is split; the rest is a stub.
    assert got[0]["content"] == big and got[0]["db_event_id"] > 0 and "truncated" not in got[0]
    chunks = [p for p in got if p["type"] == "stream.chunk"]
    assert len(chunks) > 1 and "".join(p["delta"] for p in chunks) == big
    stub = next(p for p in got if p["type"] == "execution.status")
    assert stub["truncated"] is True and "error_message" not in stub
    assert got[-1]["type"] == "after"


async def test_listen_on_demand_and_unlisten_after_the_last(
    pg_db: Database, buses: tuple[PgBus, PgBus]
) -> None:
    bus, _ = buses
    sid = await new_session(pg_db)
    channel = session_channel(sid)
    pg_name = pg_channel(pg_db.schema, channel)

    async def listening() -> set[str]:
        return set(bus._listener._channels)

    assert pg_name not in await listening()
    first = await bus.listen(channel, Inbox())
    second = await bus.listen(channel, Inbox())
    assert pg_name in await listening()
    first.close()
    await asyncio.sleep(0.1)
    assert pg_name in await listening(), "one subscriber is left"
    second.close()
    await asyncio.sleep(0.1)
    assert pg_name not in await listening()


async def test_a_lost_listen_connection_is_restored_and_missed_events_redelivered(
    pg_db: Database, buses: tuple[PgBus, PgBus]
) -> None:
    publisher, other = buses
    sid = await new_session(pg_db)
    channel = session_channel(sid)
    inbox = Inbox()
    await other.listen(channel, inbox)
    await publisher.publish(channel, {"type": "before", "session_id": sid}, persist=True)
    await inbox.wait(1)
    conn = await asyncpg.connect(asyncpg_dsn(pg_url()))
    try:
        listener_pid = other._listener._conn.get_server_pid()
        await conn.execute("SELECT pg_terminate_backend($1)", listener_pid)
    finally:
        await conn.close()
    for i in range(3):
        await publisher.publish(channel, {"type": "gap", "session_id": sid, "i": i}, persist=True)
    got = await inbox.wait(4, timeout=20)
    await publisher.publish(channel, {"type": "after", "session_id": sid}, persist=True)
    got = await inbox.wait(5, timeout=20)
    assert [p["type"] for p in got] == ["before", "gap", "gap", "gap", "after"]
    ids = [p["db_event_id"] for p in got]
    assert ids == sorted(set(ids))


async def test_listen_fails_clearly_when_postgres_is_unreachable(pg_db: Database) -> None:
    bus = PgBus("postgresql://postgres@127.0.0.1:1/none", OutboxRepo(pg_db))
    await bus.start(timeout=0.2)
    try:
        with pytest.raises(ListenError, match="down"):
            await bus.listen("sessions", Inbox())
    finally:
        await bus.aclose()
