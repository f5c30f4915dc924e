"""The ``Bus`` contract: publish persisted or transient events on channels; subscribe."""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable
from typing import Any, Protocol

SESSIONS = "sessions"
CANCELLATIONS = "cancellations"

Payload = dict[str, Any]


def session_channel(session_id: str) -> str:
    return f"session:{session_id}"


Fill = Callable[[Payload], None]


class Outbox(Protocol):
    """Stores persisted events; the row id becomes the event's ``db_event_id``."""

    def post(
        self,
        session_id: str,
        channel: str,
        payload: Payload,
        *,
        fill: Fill | None,
        stored: Callable[[int | None], None],
    ) -> None:
        """Queue ``payload``; ``fill(payload)`` runs just before it is written and
        ``stored(id)`` once it is (``None`` if it could not be stored)."""
        ...


class Bus(Protocol):
    async def publish(
        self, channel: str, payload: Payload, *, persist: bool = False, fill: Fill | None = None
    ) -> None:
        """Deliver ``payload`` (which carries ``type`` and ``session_id``) on ``channel``.

        A persisted event is delivered once it is stored, with its ``db_event_id``; events
        published after it on the same channel wait for it, so subscribers see one order.
        ``fill`` completes a persisted payload with values known only when it is stored.
        """
        ...

    def subscribe(self, channel: str) -> AsyncIterator[Payload]:
        """Yield the events published on ``channel`` from now on."""
        ...
