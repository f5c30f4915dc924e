"""``SessionNotices``: the pool's notices about sessions, sent as bounded background tasks.

A notice never delays or changes its session: the pool only schedules it. Each one runs under
``timeout``; a session's terminal notice waits for its start notice first (so a thread sees them
in order and the terminal notice reuses the thread found). ``drain`` gives pending notices a
short, bounded time at shutdown and cancels the rest.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Coroutine
from typing import Any

from tarsy.db.repos.sessions import SessionRepo
from tarsy.db.tables import AlertSession
from tarsy.domain.statuses import SessionStatus
from tarsy.notify import Notifier, SessionNotice

log = logging.getLogger(__name__)

NOTICE_TIMEOUT = 120.0
DRAIN_TIMEOUT = 5.0


def notice_of(session: AlertSession, status: SessionStatus | None = None) -> SessionNotice:
    """The notice for ``session`` as stored (``status`` overrides the stored one)."""
    return SessionNotice(
        session_id=session.session_id,
        status=status or SessionStatus(session.status),
        alert_type=session.alert_type,
        fingerprint=session.slack_message_fingerprint,
        executive_summary=session.executive_summary,
        final_analysis=session.final_analysis,
        error_message=session.error_message,
    )


class SessionNotices:
    def __init__(
        self, notifier: Notifier, sessions: SessionRepo, *, timeout: float = NOTICE_TIMEOUT
    ) -> None:
        self._notifier = notifier
        self._sessions = sessions
        self._timeout = timeout
        self._tasks: set[asyncio.Task[None]] = set()
        self._starting: dict[str, asyncio.Task[None]] = {}

    def started(self, session_id: str) -> None:
        """Schedule the start notice of a just-claimed session (sent only with a fingerprint)."""
        if not self._notifier.enabled:
            return
        task = self._spawn(self._bounded(session_id, self._send_started(session_id)), session_id)
        self._starting[session_id] = task
        task.add_done_callback(lambda t: self._forget_start(session_id, t))

    def finished(self, session: AlertSession) -> None:
        """Schedule the terminal notice of ``session`` (read after its terminal state)."""
        if not self._notifier.enabled:
            return
        notice = notice_of(session)
        before = self._starting.pop(notice.session_id, None)
        self._spawn(self._send_finished(notice, before), notice.session_id)

    async def drain(self, timeout: float = DRAIN_TIMEOUT) -> None:
        """Wait up to ``timeout`` seconds for pending notices, then cancel what is left."""
        if not self._tasks:
            return
        _, pending = await asyncio.wait(set(self._tasks), timeout=timeout)
        if pending:
            log.warning("shutdown: dropping %d unsent session notice(s)", len(pending))
        for task in pending:
            task.cancel()
        await asyncio.gather(*pending, return_exceptions=True)

    @property
    def pending(self) -> int:
        return len(self._tasks)

    async def _send_started(self, session_id: str) -> None:
        session = await self._sessions.get(session_id)
        if session is None or not (session.slack_message_fingerprint or "").strip():
            return
        await self._notifier.session_started(notice_of(session, SessionStatus.IN_PROGRESS))

    async def _send_finished(
        self, notice: SessionNotice, before: asyncio.Task[None] | None
    ) -> None:
        if before is not None:
            await asyncio.wait({before})  # bounded by its own timeout
        await self._bounded(notice.session_id, self._notifier.session_finished(notice))

    async def _bounded(self, session_id: str, work: Coroutine[Any, Any, None]) -> None:
        try:
            async with asyncio.timeout(self._timeout):
                await work
        except TimeoutError:
            log.warning("session %s: notice not sent within %.0f s", session_id, self._timeout)
        except Exception:
            log.warning("session %s: notice failed", session_id, exc_info=True)

    def _spawn(self, work: Coroutine[Any, Any, None], session_id: str) -> asyncio.Task[None]:
        task = asyncio.create_task(work, name=f"notice-{session_id}")
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)
        return task

    def _forget_start(self, session_id: str, task: asyncio.Task[None]) -> None:
        if self._starting.get(session_id) is task:
            del self._starting[session_id]
