"""Sessions keyed by the notification they came from: created unless one is live, resolutions
recorded.

A *live* session is pending, in_progress or cancelling (and not deleted). The partial unique
index ``uq_alert_sessions_source_key_live`` lets at most one live session hold a key, so two
replicas inserting for the same key at once cannot both succeed: the insert is ``ON CONFLICT DO
NOTHING`` (PostgreSQL waits for the other transaction and then skips), and the loser reads the
winner's session. On SQLite the write gate and the database lock serialise the two inserts.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import case, select, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.sql import Select

from tarsy.db.clock import utcnow
from tarsy.db.engine import Database, uncancellable
from tarsy.db.repos.sessions import NewSession, session_row
from tarsy.db.tables import AlertSession
from tarsy.domain.errors import Unavailable
from tarsy.domain.statuses import SessionStatus

LIVE = (
    SessionStatus.PENDING.value,
    SessionStatus.IN_PROGRESS.value,
    SessionStatus.CANCELLING.value,
)
_ATTEMPTS = 5


@dataclass(frozen=True, slots=True)
class KeyedCreate:
    """The live session of a key: the one just created, or the one that already was."""

    session_id: str
    created: bool


class KeyedSessionRepo:
    def __init__(self, db: Database) -> None:
        self._db = db

    @uncancellable
    async def create_unless_live(self, new: NewSession, source_key: str) -> KeyedCreate:
        """Insert ``new`` under ``source_key`` unless a live session holds that key."""
        row = {**session_row(new), "source_key": source_key}
        dialect = postgresql if self._db.is_postgres else sqlite
        insert = (
            dialect.insert(AlertSession)
            .values(row)
            .on_conflict_do_nothing()
            .returning(AlertSession.session_id)
        )
        for _ in range(_ATTEMPTS):
            async with self._db.sessions.begin() as s:
                inserted = (await s.execute(insert)).scalar()
                if inserted is not None:
                    return KeyedCreate(str(inserted), created=True)
                live = await s.scalar(_live(source_key))
            if live is not None:
                return KeyedCreate(live, created=False)
            # The live session ended between the two statements: the key is free again.
        raise Unavailable(f"could not create a session for source key {source_key!r}; retry")

    async def live(self, source_key: str) -> str | None:
        """The live session holding ``source_key``, if any."""
        async with self._db.sessions() as s:
            found = await s.scalar(_live(source_key))
        return None if found is None else str(found)

    @uncancellable
    async def record_resolved(self, source_key: str) -> str | None:
        """Set ``resolved_at`` (once) on the live session of ``source_key``, else on its latest;
        that session's id, or None when the key has no session."""
        live_first = case((AlertSession.status.in_(LIVE), 0), else_=1)
        async with self._db.sessions.begin() as s:
            target = await s.scalar(
                select(AlertSession.session_id)
                .where(AlertSession.source_key == source_key, AlertSession.deleted_at.is_(None))
                .order_by(live_first, AlertSession.created_at.desc())
                .limit(1)
            )
            if target is None:
                return None
            await s.execute(
                update(AlertSession)
                .where(AlertSession.session_id == target, AlertSession.resolved_at.is_(None))
                .values(resolved_at=utcnow())
            )
        return str(target)


def _live(source_key: str) -> Select[str]:
    return select(AlertSession.session_id).where(
        AlertSession.source_key == source_key,
        AlertSession.deleted_at.is_(None),
        AlertSession.status.in_(LIVE),
    )
