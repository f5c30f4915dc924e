"""Timeline events: what the user sees, ordered by a session-wide sequence number."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlalchemy import select, update

from tarsy.db.clock import utcnow
from tarsy.db.engine import Database
from tarsy.db.tables import AlertSession, Stage, TimelineEvent
from tarsy.db.writer import Pending, row_of, table_of
from tarsy.domain.ids import new_id
from tarsy.domain.statuses import TimelineEventType, TimelineStatus

TIMELINE = table_of(TimelineEvent)
SESSIONS = table_of(AlertSession)


@dataclass(frozen=True, slots=True)
class NewTimelineEvent:
    session_id: str
    event_type: TimelineEventType
    status: TimelineStatus
    content: str = ""
    metadata: dict[str, Any] | None = None
    stage_id: str | None = None
    execution_id: str | None = None
    parent_execution_id: str | None = None
    llm_interaction_id: str | None = None
    mcp_interaction_id: str | None = None


class TimelineRepo:
    def __init__(self, db: Database) -> None:
        self._db = db

    async def create(self, new: NewTimelineEvent) -> TimelineEvent:
        """Insert an event with the next session-wide sequence number, and wait for it."""
        row, pending = self.post(new)
        row.sequence_number = int(await pending.result())
        return row

    def post(self, new: NewTimelineEvent) -> tuple[TimelineEvent, Pending]:
        """Queue the insert of an event; its ``sequence_number`` is set once it is stored
        (``pending.row["sequence_number"]`` has it from the moment it is written)."""
        now = utcnow()
        row = TimelineEvent(
            event_id=new_id(),
            session_id=new.session_id,
            stage_id=new.stage_id,
            execution_id=new.execution_id,
            parent_execution_id=new.parent_execution_id,
            sequence_number=0,
            created_at=now,
            updated_at=now,
            llm_interaction_id=new.llm_interaction_id,
            mcp_interaction_id=new.mcp_interaction_id,
            content=new.content,
            event_metadata=new.metadata,
            status=new.status.value,
            event_type=new.event_type.value,
        )
        pending = self._db.writer.post_numbered(TIMELINE, row_of(row), SESSIONS)

        def numbered(seq: Any) -> None:
            if seq is not None:
                row.sequence_number = int(seq)

        pending.when_done(numbered)
        return row, pending

    async def complete(
        self,
        event: TimelineEvent,
        *,
        content: str,
        status: TimelineStatus = TimelineStatus.COMPLETED,
        metadata: dict[str, Any] | None = None,
        llm_interaction_id: str | None = None,
        mcp_interaction_id: str | None = None,
    ) -> TimelineEvent:
        merged = {**(event.event_metadata or {}), **(metadata or {})} or None
        values: dict[str, Any] = {
            "content": content,
            "status": status.value,
            "event_metadata": merged,
            "updated_at": utcnow(),
        }
        if llm_interaction_id:
            values["llm_interaction_id"] = llm_interaction_id
        if mcp_interaction_id:
            values["mcp_interaction_id"] = mcp_interaction_id
        columns = {("metadata" if k == "event_metadata" else k): v for k, v in values.items()}
        self._db.writer.post_update(TIMELINE, "event_id", {"event_id": event.event_id, **columns})
        for key, value in values.items():
            setattr(event, key, value)
        return event

    async def finish_streaming(
        self, session_id: str, status: TimelineStatus, *, execution_id: str | None = None
    ) -> int:
        """Close every still-streaming event of a session (or of one execution) with ``status``,
        including events posted by writers that were cancelled meanwhile; how many."""
        pending = self.post_finish_streaming(session_id, status, execution_id=execution_id)
        return int(await pending.result())

    def post_finish_streaming(
        self, session_id: str, status: TimelineStatus, *, execution_id: str | None = None
    ) -> Pending:
        """``finish_streaming``, posted: written with (or before) whatever is posted after it."""
        where = [
            TimelineEvent.session_id == session_id,
            TimelineEvent.status == TimelineStatus.STREAMING.value,
        ]
        if execution_id is not None:
            where.append(TimelineEvent.execution_id == execution_id)
        change = (
            update(TimelineEvent).where(*where).values(status=status.value, updated_at=utcnow())
        )
        return self._db.writer.post_execute(change)

    async def list_for_session(self, session_id: str) -> list[TimelineEvent]:
        async with self._db.sessions() as s:
            rows = await s.scalars(
                select(TimelineEvent)
                .where(TimelineEvent.session_id == session_id)
                .order_by(TimelineEvent.sequence_number)
            )
            return list(rows.all())


async def stage_texts(db: Database, session_id: str) -> list[tuple[Stage, list[TimelineEvent]]]:
    """The session's stages in order, each with its final-analysis and user-question events."""
    kinds = (TimelineEventType.FINAL_ANALYSIS.value, TimelineEventType.USER_QUESTION.value)
    await db.writer.flush()  # an earlier chat's last rows may still be posted
    async with db.sessions() as s:
        stages = list(
            (
                await s.scalars(
                    select(Stage).where(Stage.session_id == session_id).order_by(Stage.stage_index)
                )
            ).all()
        )
        events = list(
            (
                await s.scalars(
                    select(TimelineEvent)
                    .where(
                        TimelineEvent.session_id == session_id,
                        TimelineEvent.event_type.in_(kinds),
                    )
                    .order_by(TimelineEvent.sequence_number)
                )
            ).all()
        )
    by_stage: dict[str, list[TimelineEvent]] = {}
    for event in events:
        by_stage.setdefault(event.stage_id or "", []).append(event)
    return [(stage, by_stage.get(stage.stage_id, [])) for stage in stages]
