"""The events outbox: persisted WebSocket events that late subscribers catch up on."""

from __future__ import annotations

from typing import Any

from sqlalchemy import select

from tarsy.db.clock import utcnow
from tarsy.db.engine import Database
from tarsy.db.tables import Event
from tarsy.db.writer import table_of

EVENTS = table_of(Event)


class OutboxRepo:
    """Implements ``tarsy.events.Outbox``."""

    def __init__(self, db: Database) -> None:
        self._db = db

    async def append(self, session_id: str, channel: str, payload: dict[str, Any]) -> int:
        row = {
            "session_id": session_id,
            "channel": channel,
            "payload": payload,
            "created_at": utcnow(),
        }
        return int(await self._db.writer.insert(EVENTS, row, returning="id"))

    async def since(self, channel: str, after_id: int, limit: int) -> list[Event]:
        async with self._db.sessions() as s:
            rows = await s.scalars(
                select(Event)
                .where(Event.channel == channel, Event.id > after_id)
                .order_by(Event.id)
                .limit(limit)
            )
            return list(rows.all())
