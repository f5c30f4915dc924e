"""Session commands: cancellation of pending and running sessions, on any replica."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Protocol

from pydantic import BaseModel
from sqlalchemy import text

from tarsy.db.engine import Database
from tarsy.db.repos.sessions import SessionRepo
from tarsy.domain.errors import Conflict, NotFound
from tarsy.events.bus import CANCELLATIONS


class LocalCanceller(Protocol):
    def cancel_local(self, session_id: str) -> bool: ...


class _NoWorkers:
    def cancel_local(self, session_id: str) -> bool:
        return False


class CancelResponse(BaseModel):
    session_id: str
    message: str


@dataclass(frozen=True, slots=True)
class SessionCommands:
    db: Database
    workers: LocalCanceller = field(default_factory=_NoWorkers)

    async def cancel(self, session_id: str) -> CancelResponse:
        outcome = await SessionRepo(self.db).request_cancel(session_id)
        if outcome == "not_found":
            raise NotFound(f"session {session_id} not found")
        if outcome == "not_cancellable":
            status = await SessionRepo(self.db).status_of(session_id)
            raise Conflict(
                f"session {session_id} is {status.value if status else 'finished'} "
                "and cannot be cancelled"
            )
        if outcome == "cancelled":
            return CancelResponse(
                session_id=session_id, message="Session cancelled before it started"
            )
        if not self.workers.cancel_local(session_id) and self.db.is_postgres:
            # Tell the owning replica at once; its heartbeat would notice within one interval.
            async with self.db.engine.begin() as conn:
                await conn.execute(
                    text("SELECT pg_notify(:channel, :sid)"),
                    {"channel": CANCELLATIONS, "sid": session_id},
                )
        return CancelResponse(session_id=session_id, message="Session cancellation requested")
