"""The database as the work queue: claims, heartbeats, orphan recovery and queue depth.

Claims are serialised so that ``max_concurrent_sessions`` holds exactly across replicas:
on PostgreSQL a transaction-scoped advisory lock guards "count active, then claim the oldest
pending row (``FOR UPDATE SKIP LOCKED``)"; on SQLite a single guarded ``UPDATE ... RETURNING``
does both under the database's write lock. ``in_progress`` and ``cancelling`` sessions count
towards the limit (a cancelling session still occupies a worker).

Every claim carries the session's ``orphan_count`` as its *attempt*: heartbeats and the final
write only succeed for the attempt that still owns the session, so a worker that lost its
session to the orphan scan cannot overwrite the new attempt.
"""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from sqlalchemy import Select, and_, delete, func, select, text, update
from sqlalchemy.ext.asyncio import AsyncSession

from tarsy.db.clock import utcnow
from tarsy.db.engine import Database, uncancellable
from tarsy.db.repos.sessions import ACTIVE
from tarsy.db.tables import AlertSession, Stage, TimelineEvent
from tarsy.domain.ids import new_id
from tarsy.domain.statuses import (
    ReviewStatus,
    SessionStatus,
    TimelineEventType,
    TimelineStatus,
)

CLAIM_LOCK_KEY = 0x7A25_C1A1  # advisory lock id shared by every replica


@dataclass(frozen=True, slots=True)
class Claim:
    session_id: str
    attempt: int


@dataclass(slots=True)
class OrphanReport:
    requeued: list[str] = field(default_factory=list)
    timed_out: list[str] = field(default_factory=list)


class QueueRepo:
    def __init__(self, db: Database) -> None:
        self._db = db

    async def active_count(self) -> int:
        async with self._db.sessions() as s:
            return int(await s.scalar(_count_active()) or 0)

    async def pending_count(self) -> int:
        async with self._db.sessions() as s:
            return int(
                await s.scalar(
                    select(func.count()).where(
                        AlertSession.status == SessionStatus.PENDING.value,
                        AlertSession.deleted_at.is_(None),
                    )
                )
                or 0
            )

    async def claim(self, pod_id: str, max_concurrent: int) -> Claim | None:
        """Claim the oldest pending session for ``pod_id`` unless the global limit is reached."""
        claims = await self.claim_many(pod_id, max_concurrent, 1)
        return claims[0] if claims else None

    async def claim_many(self, pod_id: str, max_concurrent: int, count: int) -> list[Claim]:
        """Claim up to ``count`` of the oldest pending sessions for ``pod_id``, oldest first,
        never taking the number of active sessions past ``max_concurrent``.

        An idle queue is answered by a plain read first, without the claim lock (PostgreSQL)
        or the write gate (SQLite), so idle workers polling do not slow down running sessions.
        On PostgreSQL a burst is claimed in one transaction (one round of the claim lock).
        """
        if not await self._any_pending():
            return []
        now = utcnow()
        if self._db.is_postgres:
            return await self._claim_postgres(pod_id, max_concurrent, count, now)
        claims: list[Claim] = []
        while len(claims) < count:
            claim = await self._claim_sqlite(pod_id, max_concurrent, now)
            if claim is None:
                break
            claims.append(claim)
        return claims

    async def _any_pending(self) -> bool:
        async with self._db.sessions() as s:
            found = await s.scalar(
                select(AlertSession.session_id)
                .where(
                    AlertSession.status == SessionStatus.PENDING.value,
                    AlertSession.deleted_at.is_(None),
                )
                .limit(1)
            )
        return found is not None

    @uncancellable
    async def _claim_postgres(
        self, pod_id: str, limit: int, count: int, now: datetime
    ) -> list[Claim]:
        async with self._db.sessions.begin() as s:
            await s.execute(text("SELECT pg_advisory_xact_lock(:k)"), {"k": CLAIM_LOCK_KEY})
            free = limit - int(await s.scalar(_count_active()) or 0)
            if free <= 0:
                return []
            rows = (
                await s.execute(
                    select(AlertSession.session_id, AlertSession.orphan_count)
                    .where(
                        AlertSession.status == SessionStatus.PENDING.value,
                        AlertSession.deleted_at.is_(None),
                    )
                    .order_by(AlertSession.created_at)
                    .limit(min(free, count))
                    .with_for_update(skip_locked=True)
                )
            ).all()
            if not rows:
                return []
            await s.execute(
                update(AlertSession)
                .where(AlertSession.session_id.in_([r.session_id for r in rows]))
                .values(_claim_values(pod_id, now))
            )
            return [Claim(r.session_id, r.orphan_count) for r in rows]

    @uncancellable
    async def _claim_sqlite(self, pod_id: str, limit: int, now: datetime) -> Claim | None:
        oldest = (
            select(AlertSession.session_id)
            .where(
                AlertSession.status == SessionStatus.PENDING.value,
                AlertSession.deleted_at.is_(None),
            )
            .order_by(AlertSession.created_at)
            .limit(1)
            .scalar_subquery()
        )
        stmt = (
            update(AlertSession)
            .where(
                AlertSession.session_id == oldest,
                AlertSession.status == SessionStatus.PENDING.value,
                _count_active().scalar_subquery() < limit,
            )
            .values(_claim_values(pod_id, now))
            .returning(AlertSession.session_id, AlertSession.orphan_count)
        )
        async with self._db.sessions.begin() as s:
            row = (await s.execute(stmt)).first()
        return Claim(row.session_id, row.orphan_count) if row else None

    @uncancellable
    async def heartbeat(self, claim: Claim, pod_id: str) -> SessionStatus | None:
        """Refresh ``last_interaction_at`` and return the session's status (``in_progress`` or
        ``cancelling``); None when this attempt no longer owns the session."""
        async with self._db.sessions.begin() as s:
            status = await s.scalar(
                update(AlertSession)
                .where(
                    AlertSession.session_id == claim.session_id,
                    AlertSession.pod_id == pod_id,
                    AlertSession.orphan_count == claim.attempt,
                    AlertSession.status.in_(ACTIVE),
                )
                .values(last_interaction_at=utcnow())
                .returning(AlertSession.status)
            )
        return SessionStatus(status) if status else None

    async def recover_orphans(
        self, threshold: timedelta, max_retries: int, *, alive: Collection[str] = ()
    ) -> OrphanReport:
        """Re-queue (up to ``max_retries`` times) or time out sessions whose heartbeat stopped.

        ``alive`` are sessions the caller is running itself: never orphans, even when their
        heartbeat is late (a database outage, a starved event loop).
        """
        cutoff = utcnow() - threshold
        stale = AlertSession.last_interaction_at < cutoff
        if alive:
            stale = and_(stale, AlertSession.session_id.not_in(list(alive)))
        return await self._recover(stale, max_retries, "stopped heartbeating")

    async def recover_pod(self, pod_id: str, max_retries: int) -> OrphanReport:
        """At start-up: sessions this pod owned before it restarted."""
        return await self._recover(AlertSession.pod_id == pod_id, max_retries, "restarted")

    @uncancellable
    async def _recover(self, condition: object, max_retries: int, why: str) -> OrphanReport:
        report = OrphanReport()
        now = utcnow()
        async with self._db.sessions.begin() as s:
            query = select(AlertSession).where(
                AlertSession.status.in_(ACTIVE),
                AlertSession.deleted_at.is_(None),
                condition,  # type: ignore[arg-type]
            )
            if self._db.is_postgres:
                query = query.with_for_update(skip_locked=True)
            for row in (await s.scalars(query)).all():
                since = row.last_interaction_at.isoformat() if row.last_interaction_at else "never"
                if row.orphan_count < max_retries and row.status == SessionStatus.IN_PROGRESS:
                    await _requeue(s, row, why, since, max_retries, now)
                    report.requeued.append(row.session_id)
                else:
                    await _time_out(s, row, why, since, now)
                    report.timed_out.append(row.session_id)
        return report


def _count_active() -> Select[int]:
    return select(func.count(AlertSession.session_id)).where(
        AlertSession.status.in_(ACTIVE), AlertSession.deleted_at.is_(None)
    )


def _claim_values(pod_id: str, now: datetime) -> dict[str, object]:
    return {
        "status": SessionStatus.IN_PROGRESS.value,
        "pod_id": pod_id,
        "started_at": now,
        "last_interaction_at": now,
    }


async def _requeue(
    s: AsyncSession, row: AlertSession, why: str, since: str, max_retries: int, now: datetime
) -> None:
    # The partial run of the lost attempt is discarded (its stages cascade to executions,
    # timeline events, messages and interactions); a session-level event keeps the record.
    await s.execute(delete(Stage).where(Stage.session_id == row.session_id))
    attempt = row.orphan_count + 1
    row.timeline_seq += 1
    s.add(
        TimelineEvent(
            event_id=new_id(),
            session_id=row.session_id,
            sequence_number=row.timeline_seq,
            created_at=now,
            updated_at=now,
            content=(
                f"Pod {row.pod_id} {why} (last heartbeat {since}); the session was re-queued "
                f"(retry {attempt} of {max_retries})."
            ),
            event_metadata={"orphan_retry": attempt, "previous_pod_id": row.pod_id},
            status=TimelineStatus.COMPLETED.value,
            event_type=TimelineEventType.ERROR.value,
        )
    )
    row.status = SessionStatus.PENDING.value
    row.orphan_count = attempt
    row.pod_id = None
    row.started_at = None
    row.last_interaction_at = None
    row.current_stage_index = None
    row.current_stage_id = None


async def _time_out(
    s: AsyncSession, row: AlertSession, why: str, since: str, now: datetime
) -> None:
    # A session whose cancellation was requested ends cancelled, not timed out.
    cancelled = row.status == SessionStatus.CANCELLING
    row.status = (SessionStatus.CANCELLED if cancelled else SessionStatus.TIMED_OUT).value
    row.completed_at = now
    row.error_message = f"Orphaned: no heartbeat from pod {row.pod_id} since {since} (pod {why})"
    row.review_status = (ReviewStatus.REVIEWED if cancelled else ReviewStatus.NEEDS_REVIEW).value
    final = TimelineStatus.CANCELLED if cancelled else TimelineStatus.TIMED_OUT
    await s.execute(
        update(TimelineEvent)
        .where(
            TimelineEvent.session_id == row.session_id,
            TimelineEvent.status == TimelineStatus.STREAMING.value,
        )
        .values(status=final.value, updated_at=now)
    )
