"""Retention: soft-delete old sessions, hard-delete outbox events of long-ended sessions."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import and_, delete, or_, select, update

from tarsy.db.clock import utcnow
from tarsy.db.engine import Database, uncancellable
from tarsy.db.tables import AlertSession, Event
from tarsy.domain.statuses import SessionStatus


class RetentionRepo:
    def __init__(self, db: Database) -> None:
        self._db = db

    @uncancellable
    async def soft_delete_sessions(self, cutoff: datetime) -> int:
        """Set ``deleted_at`` on sessions that ended before ``cutoff`` and on sessions still
        pending that were submitted before it; the number of sessions hidden."""
        async with self._db.sessions.begin() as s:
            result = await s.execute(
                update(AlertSession)
                .where(
                    AlertSession.deleted_at.is_(None),
                    or_(
                        AlertSession.completed_at < cutoff,
                        and_(
                            AlertSession.status == SessionStatus.PENDING.value,
                            AlertSession.created_at < cutoff,
                        ),
                    ),
                )
                .values(deleted_at=utcnow())
            )
        return int(getattr(result, "rowcount", 0) or 0)

    @uncancellable
    async def delete_events(self, cutoff: datetime) -> int:
        """Delete outbox events written before ``cutoff`` of sessions that ended (or were
        hidden) before it; events of running sessions and recent chat answers stay."""
        ended = select(AlertSession.session_id).where(
            or_(AlertSession.completed_at < cutoff, AlertSession.deleted_at < cutoff)
        )
        async with self._db.sessions.begin() as s:
            result = await s.execute(
                delete(Event).where(Event.created_at < cutoff, Event.session_id.in_(ended))
            )
        return int(getattr(result, "rowcount", 0) or 0)
