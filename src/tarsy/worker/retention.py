"""The retention loop: every ``cleanup_interval``, hide old sessions and drop stale events.

Sessions whose ``completed_at`` is older than ``session_retention_days`` (and sessions still
pending since before then) are soft-deleted; outbox events of sessions that ended more than
``event_ttl`` ago are deleted. A failed pass is logged and the loop carries on (fail-open).
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Protocol

from tarsy.config.schema_tarsy import RetentionConfig
from tarsy.db.clock import utcnow

log = logging.getLogger(__name__)


class RetentionStore(Protocol):
    """What the loop needs of the database (``db.repos.retention.RetentionRepo``)."""

    async def soft_delete_sessions(self, cutoff: datetime) -> int: ...

    async def delete_events(self, cutoff: datetime) -> int: ...


@dataclass(frozen=True, slots=True)
class RetentionSettings:
    session_retention: timedelta
    event_ttl: timedelta
    cleanup_interval: timedelta

    @staticmethod
    def from_config(config: RetentionConfig) -> RetentionSettings:
        return RetentionSettings(
            session_retention=timedelta(days=config.session_retention_days),
            event_ttl=config.event_ttl,
            cleanup_interval=config.cleanup_interval,
        )


@dataclass(frozen=True, slots=True)
class CleanupReport:
    sessions_deleted: int
    events_deleted: int


class RetentionLoop:
    def __init__(
        self,
        store: RetentionStore,
        settings: RetentionSettings,
        *,
        clock: Callable[[], datetime] = utcnow,
    ) -> None:
        self._store = store
        self._settings = settings
        self._clock = clock
        self._task: asyncio.Task[None] | None = None

    async def start(self) -> None:
        """Run a first pass at once, then one every ``cleanup_interval``."""
        if self._task is None:
            self._task = asyncio.create_task(self._loop(), name="retention")

    async def stop(self) -> None:
        task, self._task = self._task, None
        if task is not None:
            task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await task

    async def run_once(self) -> CleanupReport | None:
        """One cleanup pass; None if it failed (logged)."""
        now = self._clock()
        try:
            sessions = await self._store.soft_delete_sessions(
                now - self._settings.session_retention
            )
            events = await self._store.delete_events(now - self._settings.event_ttl)
        except Exception:
            log.exception(
                "retention cleanup failed; retrying in %s", self._settings.cleanup_interval
            )
            return None
        if sessions or events:
            log.info("retention: soft-deleted %d sessions, deleted %d events", sessions, events)
        return CleanupReport(sessions, events)

    async def _loop(self) -> None:
        interval = self._settings.cleanup_interval.total_seconds()
        while True:
            await self.run_once()
            await asyncio.sleep(interval)
