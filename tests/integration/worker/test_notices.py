"""Session notices from the worker pool: a start notice after the claim (with a fingerprint
only), a terminal notice after the terminal state (orphans too), in order per session, bounded,
and never holding up a session."""

from __future__ import annotations

import asyncio
from dataclasses import replace

import pytest

from tarsy.db.engine import Database
from tarsy.db.repos.queue import QueueRepo
from tarsy.db.repos.sessions import NewSession, SessionRepo
from tarsy.domain.ids import new_id
from tarsy.domain.statuses import SessionStatus
from tarsy.events import LocalBus
from tarsy.notify import NULL_NOTIFIER, Notifier, RecordingNotifier, SessionNotice
from tarsy.observability.metrics import Metrics
from tarsy.pipeline.results import SessionResult
from tarsy.worker.notices import SessionNotices
from tarsy.worker.pool import WorkerPool
from tarsy.worker.settings import QueueSettings
from tests.integration.worker.test_queue import FAST, session_row, wait_for_status


class Completes:
    async def run(self, session_id: str) -> SessionResult:
        return SessionResult(
            SessionStatus.COMPLETED, final_analysis="disk full", executive_summary="db-1 full"
        )


class Hangs(RecordingNotifier):
    """Records, then never returns (until released)."""

    def __init__(self) -> None:
        super().__init__()
        self.release = asyncio.Event()

    async def session_started(self, notice: SessionNotice) -> None:
        await super().session_started(notice)
        await self.release.wait()

    async def session_finished(self, notice: SessionNotice) -> None:
        await super().session_finished(notice)
        await self.release.wait()


class Raises(RecordingNotifier):
    async def session_finished(self, notice: SessionNotice) -> None:
        raise RuntimeError("notifier bug")


def pool(
    db: Database, notifier: Notifier, settings: QueueSettings = FAST, runner: object = None
) -> WorkerPool:
    return WorkerPool(  # type: ignore[arg-type]
        db=db,
        runner=runner or Completes(),
        bus=LocalBus(),
        settings=settings,
        pod_id="pod-a",
        metrics=Metrics(),
        notifier=notifier,
    )


async def create(db: Database, fingerprint: str | None = None) -> str:
    sid = new_id()
    await SessionRepo(db).create(
        NewSession(sid, "disk full", "disk", "disk", "test", slack_message_fingerprint=fingerprint)
    )
    return sid


async def test_start_and_terminal_notices_in_order(database: Database) -> None:
    threaded = await create(database, "DiskFull db-1")
    plain = await create(database)
    notifier = RecordingNotifier()
    replica = pool(database, notifier)
    await replica.start()
    try:
        await wait_for_status(database, [threaded, plain], "completed")
    finally:
        await replica.stop(timeout=5)
    by_session = {
        sid: [(kind, n.status, n.fingerprint) for kind, n in notifier.sent if n.session_id == sid]
        for sid in (threaded, plain)
    }
    assert by_session[threaded] == [
        ("started", SessionStatus.IN_PROGRESS, "DiskFull db-1"),
        ("finished", SessionStatus.COMPLETED, "DiskFull db-1"),
    ]
    assert by_session[plain] == [("finished", SessionStatus.COMPLETED, None)]
    final = next(n for k, n in notifier.sent if k == "finished" and n.session_id == threaded)
    assert final.executive_summary == "db-1 full" and final.final_analysis == "disk full"
    assert final.alert_type == "disk"


async def test_an_orphan_timed_out_at_start_up_gets_its_terminal_notice(
    database: Database,
) -> None:
    sid = await create(database, "DiskFull db-1")
    assert await QueueRepo(database).claim("pod-a", 5) is not None  # then the pod "dies"
    notifier = RecordingNotifier()
    replica = pool(database, notifier, replace(FAST, orphan_retries=0))
    await replica.start()
    await replica.stop(timeout=1)
    [(kind, notice)] = notifier.sent
    assert kind == "finished" and notice.session_id == sid
    assert notice.status is SessionStatus.TIMED_OUT
    assert "Orphaned" in (notice.error_message or "")


async def test_a_hanging_notifier_does_not_hold_up_the_session(database: Database) -> None:
    sid = await create(database, "DiskFull db-1")
    notifier = Hangs()
    replica = pool(database, notifier)
    await replica.start()
    try:
        await wait_for_status(database, [sid], "completed")
        assert (await session_row(database, sid)).final_analysis == "disk full"
        assert [k for k, _ in notifier.sent] == ["started"]  # the terminal one waits its turn
    finally:
        notifier.release.set()
        await replica.stop(timeout=5)
    assert [k for k, _ in notifier.sent] == ["started", "finished"]


async def test_a_failing_notifier_is_logged_and_ignored(
    database: Database, caplog: pytest.LogCaptureFixture
) -> None:
    sid = await create(database)
    replica = pool(database, Raises())
    await replica.start()
    try:
        await wait_for_status(database, [sid], "completed")
    finally:
        await replica.stop(timeout=5)
    assert f"session {sid}: notice failed" in caplog.text
    assert "notifier bug" in caplog.text


async def test_notices_are_bounded_by_their_timeout(
    sqlite_db: Database, caplog: pytest.LogCaptureFixture
) -> None:
    sid = await create(sqlite_db, "DiskFull db-1")
    notifier = Hangs()
    notices = SessionNotices(notifier, SessionRepo(sqlite_db), timeout=0.2)
    notices.started(sid)
    row = await session_row(sqlite_db, sid)
    notices.finished(row)
    await notices.drain(timeout=30)
    assert [k for k, _ in notifier.sent] == ["started", "finished"]
    assert caplog.text.count(f"session {sid}: notice not sent within") == 2
    assert notices.pending == 0


async def test_shutdown_waits_briefly_then_drops_pending_notices(
    sqlite_db: Database, caplog: pytest.LogCaptureFixture
) -> None:
    sid = await create(sqlite_db)
    notices = SessionNotices(Hangs(), SessionRepo(sqlite_db))
    notices.finished(await session_row(sqlite_db, sid))
    await notices.drain(timeout=0.1)
    assert notices.pending == 0
    assert "dropping 1 unsent session notice" in caplog.text


async def test_the_null_notifier_costs_nothing(sqlite_db: Database) -> None:
    notices = SessionNotices(NULL_NOTIFIER, SessionRepo(sqlite_db))
    notices.started("no-such-session")
    assert notices.pending == 0
