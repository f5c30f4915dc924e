"""Repositories on SQLite and PostgreSQL: session-wide timeline order, finalisation CAS, outbox."""

from __future__ import annotations

import asyncio

from tarsy.db.engine import Database
from tarsy.db.repos.outbox import OutboxRepo
from tarsy.db.repos.queue import QueueRepo
from tarsy.db.repos.runs import NewExecution, NewStage, RunRepo
from tarsy.db.repos.sessions import Finalisation, NewSession, SessionRepo
from tarsy.db.repos.timeline import NewTimelineEvent, TimelineRepo
from tarsy.domain.ids import new_id
from tarsy.domain.statuses import SessionStatus, StageType, TimelineEventType, TimelineStatus


async def new_session(db: Database) -> str:
    sid = new_id()
    await SessionRepo(db).create(NewSession(sid, "alert", "kubernetes", "kubernetes", "me"))
    return sid


async def test_timeline_sequence_is_session_wide_under_concurrency(database: Database) -> None:
    sid = await new_session(database)
    runs = RunRepo(database)
    stage = await runs.start_stage(NewStage(sid, "analysis", StageType.INVESTIGATION, 2))
    executions = [
        await runs.start_execution(NewExecution(sid, stage.stage_id, f"A-{i}", i, "p", None, "m"))
        for i in (1, 2)
    ]
    timeline = TimelineRepo(database)

    async def write(execution_id: str, n: int) -> None:
        for i in range(n):
            await timeline.create(
                NewTimelineEvent(
                    session_id=sid,
                    event_type=TimelineEventType.LLM_RESPONSE,
                    status=TimelineStatus.COMPLETED,
                    content=f"{execution_id}-{i}",
                    stage_id=stage.stage_id,
                    execution_id=execution_id,
                )
            )

    await asyncio.gather(*(write(e.execution_id, 15) for e in executions))
    events = await timeline.list_for_session(sid)
    assert [e.sequence_number for e in events] == list(range(1, 31))
    # Each execution's own events keep their relative order.
    for execution in executions:
        mine = [e.content for e in events if e.execution_id == execution.execution_id]
        assert mine == [f"{execution.execution_id}-{i}" for i in range(15)]


async def test_finalise_is_a_compare_and_set_on_the_attempt(database: Database) -> None:
    sid = await new_session(database)
    claim = await QueueRepo(database).claim("pod", 5)
    assert claim is not None and claim.session_id == sid
    repo = SessionRepo(database)
    stale = Finalisation(SessionStatus.COMPLETED, final_analysis="stale")
    assert await repo.finalise(sid, claim.attempt + 1, stale) is None
    done = Finalisation(SessionStatus.COMPLETED, final_analysis="ok")
    stored = await repo.finalise(sid, claim.attempt, done)
    assert await repo.finalise(sid, claim.attempt, stale) is None  # already terminal
    row = await repo.get(sid)
    assert row is not None and stored is not None
    assert (row.status, row.final_analysis, row.review_status) == (
        "completed",
        "ok",
        "needs_review",
    )
    assert row.completed_at is not None and row.completed_at.tzinfo is not None
    # the winner gets the session as stored, without reading it again
    columns = ("status", "final_analysis", "created_at", "started_at", "completed_at", "pod_id")
    assert [getattr(stored, c) for c in columns] == [getattr(row, c) for c in columns]


async def test_outbox_catch_up_by_channel(database: Database) -> None:
    sid = await new_session(database)
    outbox = OutboxRepo(database)
    ids = [await outbox.append(sid, f"session:{sid}", {"type": "x", "n": i}) for i in range(3)]
    await outbox.append(sid, "sessions", {"type": "y"})
    assert ids == sorted(ids)
    rows = await outbox.since(f"session:{sid}", ids[0], 10)
    assert [(r["n"], r["db_event_id"]) for r in rows] == [(1, ids[1]), (2, ids[2])]
    assert await outbox.since(f"session:{sid}", ids[0], 1) == rows[:1]
    assert await outbox.get(ids[2]) == rows[1]
    assert await outbox.get(10**9) is None
