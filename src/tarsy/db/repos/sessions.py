"""Alert sessions: creation at submission, reads, cancellation requests, progress, finalisation."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Literal

from sqlalchemy import select, update

from tarsy.db.batching import BatchInserter
from tarsy.db.clock import utcnow
from tarsy.db.engine import Database, uncancellable
from tarsy.db.tables import AlertSession
from tarsy.db.writer import table_of
from tarsy.domain.statuses import ReviewStatus, SessionStatus

ACTIVE = (SessionStatus.IN_PROGRESS.value, SessionStatus.CANCELLING.value)


@dataclass(frozen=True, slots=True)
class NewSession:
    session_id: str
    alert_data: str
    alert_type: str
    chain_id: str
    author: str
    runbook_url: str | None = None
    mcp_selection: dict[str, Any] | None = None
    slack_message_fingerprint: str | None = None
    session_metadata: dict[str, Any] | None = None


CancelOutcome = Literal["cancelled", "cancelling", "not_found", "not_cancellable"]


@dataclass(frozen=True, slots=True)
class Finalisation:
    status: SessionStatus
    final_analysis: str | None = None
    executive_summary: str | None = None
    executive_summary_error: str | None = None
    error_message: str | None = None


class SessionRepo:
    def __init__(self, db: Database) -> None:
        self._db = db
        self._inserts = BatchInserter(db.engine, AlertSession.__table__, db.writing)  # type: ignore[arg-type]

    async def create(self, new: NewSession) -> None:
        """Insert a ``pending`` session; returns once it is committed (group commit)."""
        await self._inserts.insert(session_row(new))

    async def get(self, session_id: str) -> AlertSession | None:
        async with self._db.sessions() as s:
            return await s.scalar(
                select(AlertSession).where(
                    AlertSession.session_id == session_id, AlertSession.deleted_at.is_(None)
                )
            )

    @uncancellable
    async def request_cancel(self, session_id: str) -> CancelOutcome:
        """Cancel a pending session outright, or move a running one to ``cancelling``."""
        now = utcnow()
        async with self._db.sessions.begin() as s:
            done = await s.execute(
                update(AlertSession)
                .where(
                    AlertSession.session_id == session_id,
                    AlertSession.status == SessionStatus.PENDING.value,
                    AlertSession.deleted_at.is_(None),
                )
                .values(
                    status=SessionStatus.CANCELLED.value,
                    completed_at=now,
                    error_message="Cancelled before processing started",
                    review_status=ReviewStatus.REVIEWED.value,
                    reviewed_at=now,
                )
            )
            if _rowcount(done):
                return "cancelled"
            moved = await s.execute(
                update(AlertSession)
                .where(
                    AlertSession.session_id == session_id,
                    AlertSession.status.in_(ACTIVE),
                    AlertSession.deleted_at.is_(None),
                )
                .values(status=SessionStatus.CANCELLING.value)
            )
            if _rowcount(moved):
                return "cancelling"
            exists = await s.scalar(
                select(AlertSession.session_id).where(
                    AlertSession.session_id == session_id, AlertSession.deleted_at.is_(None)
                )
            )
        return "not_cancellable" if exists else "not_found"

    async def set_progress(self, session_id: str, stage_index: int, stage_id: str) -> None:
        """Point the session at its current stage (posted: the caller does not wait)."""
        self._db.writer.post_update(
            table_of(AlertSession),
            "session_id",
            {
                "session_id": session_id,
                "current_stage_index": stage_index,
                "current_stage_id": stage_id,
            },
        )

    async def finalise(
        self, session_id: str, attempt: int, result: Finalisation
    ) -> AlertSession | None:
        """Write the terminal state if this attempt still owns the session (compare-and-set):
        the session as stored then, or None when the attempt lost it."""
        now = utcnow()
        cancelled = result.status is SessionStatus.CANCELLED
        values: dict[str, Any] = {
            "status": result.status.value,
            "completed_at": now,
            "final_analysis": result.final_analysis,
            "executive_summary": result.executive_summary,
            "executive_summary_error": result.executive_summary_error,
            "error_message": result.error_message,
            "review_status": (
                ReviewStatus.REVIEWED.value if cancelled else ReviewStatus.NEEDS_REVIEW.value
            ),
        }
        if cancelled:
            values["reviewed_at"] = now
        # Through the group writer: after everything the run posted, so a terminal session
        # always has its timeline and trace stored.
        table = table_of(AlertSession)
        rows = await self._db.writer.fetch(
            update(table)
            .where(
                table.c.session_id == session_id,
                table.c.status.in_(ACTIVE),
                table.c.orphan_count == attempt,
            )
            .values(**values)
            .returning(*table.columns)
        )
        return AlertSession(**rows[0]) if rows else None

    async def status_of(self, session_id: str) -> SessionStatus | None:
        async with self._db.sessions() as s:
            value = await s.scalar(
                select(AlertSession.status).where(AlertSession.session_id == session_id)
            )
        return SessionStatus(value) if value else None


def session_row(new: NewSession) -> dict[str, Any]:
    """The ``alert_sessions`` row of a new ``pending`` session."""
    return {
        "session_id": new.session_id,
        "alert_data": new.alert_data,
        "agent_type": new.alert_type,
        "alert_type": new.alert_type,
        "chain_id": new.chain_id,
        "status": SessionStatus.PENDING.value,
        "created_at": utcnow(),
        "author": new.author,
        "runbook_url": new.runbook_url,
        "mcp_selection": new.mcp_selection,
        "slack_message_fingerprint": new.slack_message_fingerprint,
        "session_metadata": new.session_metadata,
        "orphan_count": 0,
        "timeline_seq": 0,
    }


def _rowcount(result: Any) -> int:
    return int(getattr(result, "rowcount", 0) or 0)
