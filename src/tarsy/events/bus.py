"""The ``Bus`` contract: publish persisted or transient events on channels; subscribe."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any, Protocol

SESSIONS = "sessions"
CANCELLATIONS = "cancellations"

Payload = dict[str, Any]


def session_channel(session_id: str) -> str:
    return f"session:{session_id}"


class Outbox(Protocol):
    """Stores persisted events; returns the row id that becomes ``db_event_id``."""

    async def append(self, session_id: str, channel: str, payload: Payload) -> int: ...


class Bus(Protocol):
    async def publish(self, channel: str, payload: Payload, *, persist: bool = False) -> None:
        """Deliver ``payload`` (which carries ``type`` and ``session_id``) on ``channel``."""
        ...

    def subscribe(self, channel: str) -> AsyncIterator[Payload]:
        """Yield the events published on ``channel`` from now on."""
        ...
