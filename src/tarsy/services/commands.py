"""Session commands: cancellation of sessions and of chat answers, on any replica."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Protocol

from pydantic import BaseModel
from sqlalchemy import text

from tarsy.db.engine import Database
from tarsy.db.repos.chats import ChatRepo
from tarsy.db.repos.sessions import SessionRepo
from tarsy.domain.errors import Conflict, NotFound
from tarsy.events.bus import CANCELLATIONS
from tarsy.events.pg import pg_channel


class LocalCanceller(Protocol):
    def cancel_local(self, session_id: str) -> bool: ...


class _NoWorkers:
    def cancel_local(self, session_id: str) -> bool:
        return False


class ChatCanceller(Protocol):
    def cancel(self, session_id: str) -> bool: ...


class _NoChats:
    def cancel(self, session_id: str) -> bool:
        return False


class UnclaimedEnds(Protocol):
    async def cancelled_unclaimed(self, session_id: str) -> None: ...


class _NoEnds:
    async def cancelled_unclaimed(self, session_id: str) -> None:
        return None


class CancelResponse(BaseModel):
    session_id: str
    message: str


@dataclass(frozen=True, slots=True)
class SessionCommands:
    db: Database
    workers: LocalCanceller = field(default_factory=_NoWorkers)
    chats: ChatCanceller = field(default_factory=_NoChats)
    ends: UnclaimedEnds = field(default_factory=_NoEnds)

    async def cancel(self, session_id: str) -> CancelResponse:
        """Cancel the session if it has not ended, and any chat answer in progress for it."""
        outcome = await SessionRepo(self.db).request_cancel(session_id)
        if outcome == "not_found":
            raise NotFound(f"session {session_id} not found")
        if outcome == "cancelled":
            # No run will end it: its status event and terminal notice are sent from here.
            await self.ends.cancelled_unclaimed(session_id)
            return CancelResponse(
                session_id=session_id, message="Session cancelled before it started"
            )
        if outcome == "not_cancellable":
            if self.chats.cancel(session_id):
                return CancelResponse(session_id=session_id, message="Chat answer cancelled")
            if await ChatRepo(self.db).has_running_stage(session_id):
                await self._notify(session_id)
                return CancelResponse(
                    session_id=session_id, message="Chat answer cancellation requested"
                )
            status = await SessionRepo(self.db).status_of(session_id)
            raise Conflict(
                f"session {session_id} is {status.value if status else 'finished'} "
                "and cannot be cancelled"
            )
        if not self.workers.cancel_local(session_id):
            await self._notify(session_id)
        return CancelResponse(session_id=session_id, message="Session cancellation requested")

    async def _notify(self, session_id: str) -> None:
        """Tell the owning replica at once; its heartbeat would notice within one interval."""
        if not self.db.is_postgres:
            return
        async with self.db.engine.begin() as conn:
            await conn.execute(
                text("SELECT pg_notify(:channel, :sid)"),
                {"channel": pg_channel(self.db.schema, CANCELLATIONS), "sid": session_id},
            )
