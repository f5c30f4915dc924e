"""The ``Bus`` contract: publish persisted or transient events on channels; listen to them."""

from __future__ import annotations

import json
import re
from collections.abc import AsyncIterator, Callable, Mapping, Sequence
from typing import Any, Protocol

SESSIONS = "sessions"
CANCELLATIONS = "cancellations"
SESSION_PREFIX = "session:"
_CHANNEL = re.compile(r"^(sessions|session:[A-Za-z0-9_.\-]{1,100})$")

Payload = dict[str, Any]


def session_channel(session_id: str) -> str:
    return f"{SESSION_PREFIX}{session_id}"


def is_client_channel(channel: str) -> bool:
    """Whether a WebSocket client may subscribe to ``channel`` (``sessions``, ``session:<id>``)."""
    return _CHANNEL.match(channel) is not None


def encode(payload: Payload) -> str:
    """The wire form of an event: compact JSON, UTF-8 text."""
    return json.dumps(payload, separators=(",", ":"), ensure_ascii=False, default=str)


class Envelope:
    """One delivered event: its payload and its JSON text, encoded at most once for every
    subscriber of the process."""

    __slots__ = ("_text", "payload")

    def __init__(self, payload: Payload, text: str | None = None) -> None:
        self.payload = payload
        self._text = text

    @property
    def text(self) -> str:
        if self._text is None:
            self._text = encode(self.payload)
        return self._text

    @property
    def db_event_id(self) -> int | None:
        value = self.payload.get("db_event_id")
        return value if isinstance(value, int) else None


Fill = Callable[[Payload], None]
Deliver = Callable[[Envelope], None]
NotifyTexts = Callable[[Payload, "int | None"], Sequence[str]]

Notice = tuple[str, NotifyTexts]
"""How a stored event is also sent with ``pg_notify``: (channel, texts(payload, db_event_id))."""


class ListenError(Exception):
    """The bus could not start listening on a channel (e.g. PostgreSQL is unreachable)."""


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
        notify: Notice | None = None,
    ) -> None:
        """Queue ``payload``; ``fill(payload)`` runs just before it is written and
        ``stored(id)`` once it is (``None`` if it could not be stored). With ``notify``, its
        texts are sent with ``pg_notify`` in the same transaction."""
        ...

    def notify(self, channel: str, texts: Sequence[str]) -> None:
        """Send ``texts`` with ``pg_notify`` after everything posted before (transient events)."""
        ...

    async def since(self, channel: str, after_id: int, limit: int) -> list[Payload]:
        """Stored events of ``channel`` with an id above ``after_id``, oldest first, each with
        its ``db_event_id``."""
        ...

    async def get(self, event_id: int) -> Payload | None:
        """One stored event with its ``db_event_id``."""
        ...


class Subscription(Protocol):
    def close(self) -> None:
        """Stop delivering (idempotent)."""
        ...


class Bus(Protocol):
    async def publish(
        self,
        channel: str,
        payload: Mapping[str, Any],
        *,
        persist: bool = False,
        fill: Fill | None = None,
    ) -> None:
        """Deliver ``payload`` (which carries ``type`` and ``session_id``) on ``channel``.

        A persisted event is delivered once it is stored, with its ``db_event_id``; events
        published after it on the same channel wait for it, so subscribers see one order.
        ``fill`` completes a persisted payload with values known only when it is stored.
        """
        ...

    async def listen(self, channel: str, deliver: Deliver) -> Subscription:
        """Call ``deliver`` for every event of ``channel`` published (on any replica) once this
        returns. Raises ``ListenError`` when the bus cannot listen."""
        ...

    def subscribe(self, channel: str) -> AsyncIterator[Payload]:
        """Yield the events published on ``channel`` from the first iteration on."""
        ...
