"""``SessionEnds``: what a replica announces about a session's state, outside a run's own events.

- ``status``: the ``session.status`` event, persisted on the session's channel (catch-up) and
  live on the sessions list channel;
- ``terminal``: a terminal session's counters (wait and run time) and its terminal notice;
- ``cancelled_unclaimed``: both, for a pending session cancelled before any worker claimed it
  (no run ends it, so nothing else would).

The worker pool owns one; a replica without workers (``--role api``) has its own, so that a
pending session cancelled through it is announced too.
"""

from __future__ import annotations

import logging

from tarsy.db.repos.sessions import SessionRepo
from tarsy.db.tables import AlertSession
from tarsy.domain.statuses import SessionStatus
from tarsy.events.bus import SESSIONS, Bus, session_channel
from tarsy.events.payloads import SessionStatus as SessionStatusEvent
from tarsy.observability.metrics import Metrics
from tarsy.worker.notices import SessionNotices

log = logging.getLogger(__name__)


class SessionEnds:
    def __init__(
        self, bus: Bus, notices: SessionNotices, metrics: Metrics, sessions: SessionRepo
    ) -> None:
        self._bus = bus
        self.notices = notices
        self._metrics = metrics
        self._sessions = sessions

    async def status(self, session_id: str, status: SessionStatus) -> None:
        payload = SessionStatusEvent(
            type="session.status", session_id=session_id, status=status.value
        )
        await self._bus.publish(session_channel(session_id), payload, persist=True)
        await self._bus.publish(SESSIONS, payload)

    async def terminal(
        self, session_id: str, status: SessionStatus, session: AlertSession | None = None
    ) -> None:
        """Count a terminal session with its wait (submitted to claimed) and run time, and
        schedule its terminal notice. ``session`` is the stored row when the caller has it."""
        if session is None:
            try:
                session = await self._sessions.get(session_id)
            except Exception:
                log.exception("session %s: reading it for metrics failed", session_id)
                return
        if session is None:
            return
        self.notices.finished(session)
        started, completed = session.started_at, session.completed_at
        self._metrics.session_terminal(
            session.alert_type,
            status.value,
            wait_seconds=(started - session.created_at).total_seconds() if started else None,
            duration_seconds=(
                (completed - started).total_seconds() if started and completed else None
            ),
        )

    async def cancelled_unclaimed(self, session_id: str) -> None:
        await self.status(session_id, SessionStatus.CANCELLED)
        await self.terminal(session_id, SessionStatus.CANCELLED)
