"""The events outbox: persisted WebSocket events that late subscribers catch up on."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

from sqlalchemy import select

from tarsy.db.clock import utcnow
from tarsy.db.engine import Database
from tarsy.db.tables import Event
from tarsy.db.writer import Pending, table_of

Notice = tuple[str, Callable[[dict[str, Any], int | None], Sequence[str]]]

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
        notify: Notice | None = None,
    ) -> None:
        """Queue an event; ``fill(payload)`` runs just before it is written, ``stored(id)``
        once it is (``None`` if it could not be); ``notify`` says what is sent with
        ``pg_notify`` in the same transaction."""
        pending = self._pending(session_id, channel, payload, fill)
        pending.when_done(lambda value: stored(None if value is None else int(value)))
        if notify is not None:
            row = pending.row

            notify_channel, encode = notify

            def texts(event_id: Any) -> Sequence[str]:
                return encode(row["payload"], None if event_id is None else int(event_id))

            self._db.writer.post_notify(notify_channel, texts, after=pending)

    def notify(self, channel: str, texts: Sequence[str]) -> None:
        self._db.writer.post_notify(channel, lambda _none: texts)

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

    async def since(self, channel: str, after_id: int, limit: int) -> list[dict[str, Any]]:
        async with self._db.sessions() as s:
            rows = await s.execute(
                select(Event.id, Event.payload)
                .where(Event.channel == channel, Event.id > after_id)
                .order_by(Event.id)
                .limit(limit)
            )
            return [{**payload, "db_event_id": int(i)} for i, payload in rows.all()]

    async def get(self, event_id: int) -> dict[str, Any] | None:
        async with self._db.sessions() as s:
            row = (
                await s.execute(select(Event.payload).where(Event.id == event_id))
            ).scalar_one_or_none()
            return None if row is None else {**row, "db_event_id": event_id}
