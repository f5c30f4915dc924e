"""The database as the queue: exactly-once claims across replicas, the global concurrency
limit, orphan re-queue then time-out, session timeout and cancellation."""

from __future__ import annotations

import asyncio
import random
from collections import Counter
from dataclasses import replace
from datetime import timedelta

import pytest
from sqlalchemy import select

from tarsy.db.engine import Database, connect
from tarsy.db.repos.sessions import NewSession, SessionRepo
from tarsy.db.repos.timeline import TimelineRepo
from tarsy.db.tables import AlertSession
from tarsy.domain.ids import new_id
from tarsy.domain.statuses import SessionStatus
from tarsy.events import LocalBus
from tarsy.observability.metrics import Metrics
from tarsy.pipeline.results import SessionResult
from tarsy.worker.pool import WorkerPool
from tarsy.worker.settings import QueueSettings
from tests.conftest import pg_url

FAST = QueueSettings(
    worker_count=5,
    max_concurrent_sessions=4,
    poll_interval=timedelta(milliseconds=20),
    poll_interval_jitter=timedelta(milliseconds=10),
    heartbeat_interval=timedelta(milliseconds=100),
    orphan_threshold=timedelta(milliseconds=600),
    orphan_detection_interval=timedelta(hours=1),
    session_timeout=timedelta(seconds=30),
)


class CountingRunner:
    """Completes each session after a short random pause; tracks global concurrency."""

    def __init__(self, shared: dict[str, int], runs: Counter[str]) -> None:
        self.shared = shared
        self.runs = runs

    async def run(self, session_id: str) -> SessionResult:
        self.runs[session_id] += 1
        self.shared["now"] += 1
        self.shared["max"] = max(self.shared["max"], self.shared["now"])
        try:
            await asyncio.sleep(random.uniform(0.005, 0.04))
        finally:
            self.shared["now"] -= 1
        return SessionResult(SessionStatus.COMPLETED, final_analysis=f"done {session_id}")


class BlockingRunner:
    def __init__(self) -> None:
        self.started = asyncio.Event()
        self.release = asyncio.Event()

    async def run(self, session_id: str) -> SessionResult:
        self.started.set()
        await self.release.wait()
        return SessionResult(SessionStatus.COMPLETED, final_analysis="late")


async def submit(db: Database, n: int) -> list[str]:
    repo = SessionRepo(db)
    ids = []
    for _ in range(n):
        sid = new_id()
        await repo.create(NewSession(sid, "pod crash", "kubernetes", "kubernetes", "test"))
        ids.append(sid)
    return ids


async def wait_for_status(db: Database, ids: list[str], status: str, timeout: float = 30) -> None:
    async with asyncio.timeout(timeout):
        while True:
            async with db.sessions() as s:
                rows = (await s.scalars(select(AlertSession.status))).all()
            if len(rows) >= len(ids) and all(r == status for r in rows):
                return
            await asyncio.sleep(0.05)


def pool(db: Database, runner: object, pod: str, settings: QueueSettings = FAST) -> WorkerPool:
    return WorkerPool(  # type: ignore[arg-type]
        db=db, runner=runner, bus=LocalBus(), settings=settings, pod_id=pod, metrics=Metrics()
    )


async def test_two_replicas_claim_each_session_once_within_the_limit(
    pg_db: Database, pg_schema: str
) -> None:
    ids = await submit(pg_db, 50)
    second_engine = connect(pg_url(), schema=pg_schema)
    shared = {"now": 0, "max": 0}
    runs: Counter[str] = Counter()
    replica_a = pool(pg_db, CountingRunner(shared, runs), "pod-a")
    replica_b = pool(second_engine, CountingRunner(shared, runs), "pod-b")
    await replica_a.start()
    await replica_b.start()
    try:
        await wait_for_status(pg_db, ids, "completed")
    finally:
        await replica_a.stop(timeout=5)
        await replica_b.stop(timeout=5)
        await second_engine.dispose()
    assert set(runs) == set(ids)
    assert all(count == 1 for count in runs.values())
    assert replica_a.stats.claimed + replica_b.stats.claimed == 50
    assert replica_a.stats.claimed > 0 and replica_b.stats.claimed > 0
    # The documented bound: the limit holds exactly (claims are serialised).
    assert shared["max"] <= FAST.max_concurrent_sessions
    async with pg_db.sessions() as s:
        pods = Counter((await s.scalars(select(AlertSession.pod_id))).all())
    assert set(pods) == {"pod-a", "pod-b"}


async def test_sqlite_claims_respect_the_limit(sqlite_db: Database) -> None:
    ids = await submit(sqlite_db, 20)
    shared = {"now": 0, "max": 0}
    runs: Counter[str] = Counter()
    settings = replace(FAST, max_concurrent_sessions=2)
    replica = pool(sqlite_db, CountingRunner(shared, runs), "pod-a", settings)
    await replica.start()
    try:
        await wait_for_status(sqlite_db, ids, "completed")
    finally:
        await replica.stop(timeout=5)
    assert all(runs[i] == 1 for i in ids)
    assert shared["max"] <= 2


async def crash_after_claim(db: Database, pod: str) -> BlockingRunner:
    """A replica claims the session and then dies: no more heartbeats, no final write."""
    runner = BlockingRunner()
    replica = pool(db, runner, pod)
    await replica.start()
    await asyncio.wait_for(runner.started.wait(), 10)
    await replica.stop(timeout=0)
    return runner


async def session_row(db: Database, sid: str) -> AlertSession:
    async with db.sessions() as s:
        row = await s.get(AlertSession, sid)
    assert row is not None
    return row


async def test_orphan_is_requeued_once_then_timed_out(database: Database) -> None:
    [sid] = await submit(database, 1)
    scanner = pool(database, BlockingRunner(), "pod-scanner")

    first = await crash_after_claim(database, "pod-a")
    assert (await scanner.scan_orphans()).requeued == []  # heartbeat still fresh
    await asyncio.sleep(0.8)
    report = await scanner.scan_orphans()
    assert report.requeued == [sid]
    row = await session_row(database, sid)
    assert row.status == "pending" and row.orphan_count == 1 and row.pod_id is None
    events = await TimelineRepo(database).list_for_session(sid)
    assert any("re-queued" in e.content for e in events)

    await crash_after_claim(database, "pod-b")
    await asyncio.sleep(0.8)
    report = await scanner.scan_orphans()
    assert report.timed_out == [sid]
    row = await session_row(database, sid)
    assert row.status == "timed_out"
    assert "Orphaned: no heartbeat from pod pod-b" in (row.error_message or "")
    assert row.review_status == "needs_review"
    first.release.set()


async def test_live_heartbeats_keep_a_session_owned(database: Database) -> None:
    [sid] = await submit(database, 1)
    runner = BlockingRunner()
    replica = pool(database, runner, "pod-a")
    await replica.start()
    try:
        await asyncio.wait_for(runner.started.wait(), 10)
        await asyncio.sleep(1.0)  # longer than the orphan threshold
        scanner = pool(database, BlockingRunner(), "pod-scanner")
        assert (await scanner.scan_orphans()).requeued == []
        runner.release.set()
        await wait_for_status(database, [sid], "completed")
    finally:
        await replica.stop(timeout=5)


async def test_a_replica_never_orphans_the_sessions_it_runs(database: Database) -> None:
    """A late heartbeat (a database outage, a starved event loop) does not make a replica's own
    orphan scan take a session away from itself (another replica's scan does: see below)."""
    [sid] = await submit(database, 1)
    runner = BlockingRunner()
    replica = pool(database, runner, "pod-a", replace(FAST, heartbeat_interval=timedelta(hours=1)))
    await replica.start()
    try:
        await asyncio.wait_for(runner.started.wait(), 10)
        await asyncio.sleep(0.8)  # past the orphan threshold, and no heartbeat since the claim
        assert (await replica.scan_orphans()).requeued == []
        row = await session_row(database, sid)
        assert (row.status, row.orphan_count, row.pod_id) == ("in_progress", 0, "pod-a")
        runner.release.set()
        await wait_for_status(database, [sid], "completed")
    finally:
        await replica.stop(timeout=5)


async def test_a_session_whose_final_write_waits_is_not_orphaned_by_its_replica(
    database: Database, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The run has ended but its terminal state is not written yet (the write waits out a
    database outage): the replica's own orphan scan must leave the session alone."""
    [sid] = await submit(database, 1)
    runner = BlockingRunner()
    runner.release.set()  # the run ends at once
    replica = pool(database, runner, "pod-a", replace(FAST, heartbeat_interval=timedelta(hours=1)))
    writing, unblock = asyncio.Event(), asyncio.Event()
    finalise = replica._sessions.finalise

    async def slow_finalise(*args: object, **kwargs: object) -> bool:
        writing.set()
        await unblock.wait()
        return await finalise(*args, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(replica._sessions, "finalise", slow_finalise)
    await replica.start()
    try:
        await asyncio.wait_for(writing.wait(), 10)
        await asyncio.sleep(0.8)  # past the orphan threshold, and no heartbeat since the claim
        assert (await replica.scan_orphans()).requeued == []
        unblock.set()
        await wait_for_status(database, [sid], "completed")
        assert (await session_row(database, sid)).orphan_count == 0
    finally:
        unblock.set()
        await replica.stop(timeout=5)


class StaleThenFreshRunner(BlockingRunner):
    """The first attempt blocks and answers "stale"; later attempts answer "fresh" at once."""

    def __init__(self) -> None:
        super().__init__()
        self.calls = 0

    async def run(self, session_id: str) -> SessionResult:
        self.calls += 1
        if self.calls > 1:
            return SessionResult(SessionStatus.COMPLETED, final_analysis="fresh")
        await super().run(session_id)
        return SessionResult(SessionStatus.COMPLETED, final_analysis="stale")


async def test_stale_attempt_cannot_overwrite_the_new_one(database: Database) -> None:
    [sid] = await submit(database, 1)
    settings = replace(FAST, heartbeat_interval=timedelta(hours=1))
    runner = StaleThenFreshRunner()
    replica = pool(database, runner, "pod-a", settings)
    await replica.start()
    try:
        await asyncio.wait_for(runner.started.wait(), 10)
        await asyncio.sleep(0.8)
        assert (await pool(database, BlockingRunner(), "pod-scanner").scan_orphans()).requeued
        await wait_for_status(database, [sid], "completed")
        runner.release.set()  # the first attempt finishes after it lost the session
        await asyncio.sleep(0.3)
    finally:
        await replica.stop(timeout=1)
    row = await session_row(database, sid)
    assert row.final_analysis == "fresh"
    assert row.orphan_count == 1


async def test_startup_recovery_requeues_this_pods_sessions(database: Database) -> None:
    [sid] = await submit(database, 1)
    await crash_after_claim(database, "pod-a")
    runner = BlockingRunner()
    restarted = pool(database, runner, "pod-a")
    await restarted.start()
    try:
        await asyncio.wait_for(runner.started.wait(), 10)
        row = await session_row(database, sid)
        assert row.orphan_count == 1 and row.status == "in_progress"
    finally:
        runner.release.set()
        await restarted.stop(timeout=5)


async def test_session_timeout_ends_timed_out(database: Database) -> None:
    [sid] = await submit(database, 1)
    settings = replace(FAST, session_timeout=timedelta(milliseconds=300))
    replica = pool(database, BlockingRunner(), "pod-a", settings)
    await replica.start()
    try:
        await wait_for_status(database, [sid], "timed_out")
    finally:
        await replica.stop(timeout=1)
    row = await session_row(database, sid)
    assert "timed out" in (row.error_message or "")


@pytest.mark.parametrize("while_", ["pending", "running"])
async def test_cancel_pending_and_running_sessions(database: Database, while_: str) -> None:
    [sid] = await submit(database, 1)
    repo = SessionRepo(database)
    if while_ == "pending":
        assert await repo.request_cancel(sid) == "cancelled"
        row = await session_row(database, sid)
        assert row.status == "cancelled" and row.review_status == "reviewed"
        assert await repo.request_cancel(sid) == "not_cancellable"
        return
    runner = BlockingRunner()
    replica = pool(database, runner, "pod-a")
    await replica.start()
    try:
        await asyncio.wait_for(runner.started.wait(), 10)
        assert await repo.request_cancel(sid) == "cancelling"
        assert replica.cancel_local(sid)
        await wait_for_status(database, [sid], "cancelled")
    finally:
        await replica.stop(timeout=1)
    assert await repo.request_cancel(new_id()) == "not_found"


async def test_heartbeat_notices_a_cancellation_from_another_replica(database: Database) -> None:
    [sid] = await submit(database, 1)
    runner = BlockingRunner()
    replica = pool(database, runner, "pod-a")
    await replica.start()
    try:
        await asyncio.wait_for(runner.started.wait(), 10)
        # Another replica's API marks it cancelling; no local signal reaches this pod.
        assert await SessionRepo(database).request_cancel(sid) == "cancelling"
        await wait_for_status(database, [sid], "cancelled", timeout=5)
    finally:
        await replica.stop(timeout=1)
