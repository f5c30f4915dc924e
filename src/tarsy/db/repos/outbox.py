"""The events outbox: persisted WebSocket events that late subscribers catch up on."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from sqlalchemy import select

from tarsy.db.clock import utcnow
from tarsy.db.engine import Database
from tarsy.db.tables import Event
from tarsy.db.writer import Pending, table_of

EVENTS = table_of(Event)


class OutboxRepo:
    """Implements ``tarsy.events.Outbox``."""

    def __init__(self, db: Database) -> None:
        self._db = db

    async def append(self, session_id: str, channel: str, payload: dict[str, Any]) -> int:
        """Store an event and wait for it; its id."""
        return int(await self._pending(session_id, channel, payload, None).result())

    def post(
        self,
        session_id: str,
        channel: str,
        payload: dict[str, Any],
        *,
        fill: Callable[[dict[str, Any]], None] | None,
        stored: Callable[[int | None], None],
    ) -> None:
        """Queue an event; ``fill(payload)`` runs just before it is written, ``stored(id)``
        once it is (``None`` if it could not be)."""
        self._pending(session_id, channel, payload, fill).when_done(
            lambda value: stored(None if value is None else int(value))
        )

    def _pending(
        self,
        session_id: str,
        channel: str,
        payload: dict[str, Any],
        fill: Callable[[dict[str, Any]], None] | None,
    ) -> Pending:
        row = {
            "session_id": session_id,
            "channel": channel,
            "payload": payload,
            "created_at": utcnow(),
        }

        def prepare(values: dict[str, Any]) -> None:
            if fill is not None:
                fill(values["payload"])

        return self._db.writer.post_insert(EVENTS, row, returning="id", prepare=prepare)

    async def since(self, channel: str, after_id: int, limit: int) -> list[Event]:
        async with self._db.sessions() as s:
            rows = await s.scalars(
                select(Event)
                .where(Event.channel == channel, Event.id > after_id)
                .order_by(Event.id)
                .limit(limit)
            )
            return list(rows.all())
