"""Live updates over WebSocket (SPEC §6.5): one ``LiveConnection`` per client, framework-free.

Client -> server: ``{action: subscribe|unsubscribe|catchup|ping, channel?, last_event_id?}``.
Server -> client: ``connection.established``, ``subscription.confirmed``, ``subscription.error``,
the events of the subscribed channels, ``catchup.overflow``, ``pong`` and ``error``.

``subscribe`` starts listening first and then sends the stored events of the channel after
``last_event_id`` (0 when absent), at most ``catchup_limit`` of them, then
``catchup.overflow {channel, has_more}`` when there are more (the client reloads over REST).
Live events that arrive meanwhile are held back and sent after the catch-up, minus those the
catch-up already sent, so a reconnecting client gets every persisted event it missed exactly
once. A client that reads too slowly is disconnected (code 1013) instead of slowing the server
down; it reconnects and catches up.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
from collections import OrderedDict
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from fnmatch import fnmatchcase
from typing import Any, Protocol
from urllib.parse import urlsplit

from tarsy.domain.ids import new_id
from tarsy.events.bus import Bus, Envelope, ListenError, Payload, Subscription, encode
from tarsy.events.bus import is_client_channel as valid_channel

log = logging.getLogger(__name__)

CATCHUP_LIMIT = 200
SEND_QUEUE = 5000
_SENT_IDS = 2048
CLOSE_TOO_SLOW = 1013
CLOSE_GOING_AWAY = 1001
LOCAL_ORIGINS = ("localhost", "localhost:*", "127.0.0.1", "127.0.0.1:*", "[::1]", "[::1]:*")

Send = Callable[[str], Awaitable[None]]
Close = Callable[[int, str], Awaitable[None]]


class CatchUp(Protocol):
    async def since(self, channel: str, after_id: int, limit: int) -> list[Payload]: ...


@dataclass
class _Channel:
    subscription: Subscription | None = None
    held: list[Envelope] | None = field(default_factory=list)


class LiveConnection:
    """The protocol state of one client; ``send`` and ``close`` reach its socket."""

    def __init__(
        self,
        service: LiveService,
        send: Send,
        close: Close,
        *,
        queue_size: int = SEND_QUEUE,
    ) -> None:
        self.connection_id = new_id()
        self._service = service
        self._send = send
        self._close = close
        self._channels: dict[str, _Channel] = {}
        self._sent: OrderedDict[tuple[str, int], None] = OrderedDict()
        self._queue: asyncio.Queue[str | None] = asyncio.Queue(queue_size)
        self._sender: asyncio.Task[None] | None = None
        self._closed = False

    async def open(self) -> None:
        self._sender = asyncio.create_task(self._send_loop(), name="ws-send")
        self._emit({"type": "connection.established", "connection_id": self.connection_id})

    async def handle(self, text: str) -> None:
        """One message from the client."""
        try:
            message = json.loads(text)
        except ValueError:
            self._emit({"type": "error", "message": "messages must be JSON objects"})
            return
        if not isinstance(message, dict):
            self._emit({"type": "error", "message": "messages must be JSON objects"})
            return
        action = message.get("action")
        channel = message.get("channel")
        if action == "ping":
            self._emit({"type": "pong"})
            return
        if action not in ("subscribe", "unsubscribe", "catchup"):
            self._emit({"type": "error", "message": f"unknown action {action!r}"})
            return
        if not isinstance(channel, str) or not channel:
            self._emit({"type": "error", "message": f"{action} needs a channel"})
            return
        after = message.get("last_event_id")
        if after is not None and (not isinstance(after, int) or isinstance(after, bool)):
            self._emit({"type": "error", "message": "last_event_id must be an integer"})
            return
        if action == "unsubscribe":
            self._unsubscribe(channel)
        elif not valid_channel(channel):
            self._emit(
                {
                    "type": "subscription.error",
                    "channel": channel,
                    "message": "channels are 'sessions' and 'session:<session_id>'",
                }
            )
        elif action == "subscribe":
            await self._subscribe(channel, after or 0)
        else:
            await self._catch_up(channel, after or 0)

    async def aclose(self, code: int | None = None, reason: str = "") -> None:
        """Stop listening; with ``code``, close the socket too."""
        if self._closed:
            return
        self._closed = True
        for state in self._channels.values():
            if state.subscription is not None:
                state.subscription.close()
        self._channels.clear()
        self._service.forget(self)
        if self._sender is not None:
            self._sender.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._sender
        if code is not None:
            with contextlib.suppress(Exception):
                await self._close(code, reason)

    # -- subscriptions ------------------------------------------------------------------------
    async def _subscribe(self, channel: str, after: int) -> None:
        if channel in self._channels:
            self._emit({"type": "subscription.confirmed", "channel": channel})
            await self._catch_up(channel, after)
            return
        state = _Channel()
        self._channels[channel] = state
        try:
            state.subscription = await self._service.bus.listen(
                channel, lambda envelope: self._live(channel, envelope)
            )
        except ListenError as exc:
            self._channels.pop(channel, None)
            self._emit({"type": "subscription.error", "channel": channel, "message": str(exc)})
            return
        self._emit({"type": "subscription.confirmed", "channel": channel})
        await self._replay(channel, state, after)

    def _unsubscribe(self, channel: str) -> None:
        state = self._channels.pop(channel, None)
        if state is not None and state.subscription is not None:
            state.subscription.close()

    async def _catch_up(self, channel: str, after: int) -> None:
        state = self._channels.get(channel)
        if state is None:
            await self._replay(channel, None, after)
            return
        if state.held is None:
            state.held = []
        await self._replay(channel, state, after)

    async def _replay(self, channel: str, state: _Channel | None, after: int) -> None:
        """Stored events after ``after``, then what arrived live meanwhile."""
        limit = self._service.catchup_limit
        try:
            stored = await self._service.outbox.since(channel, after, limit + 1)
        except Exception:
            log.exception("catch-up of %s failed", channel)
            stored = []
            self._emit({"type": "catchup.overflow", "channel": channel, "has_more": True})
        for payload in stored[:limit]:
            self._emit_event(channel, Envelope(payload))
        if len(stored) > limit:
            self._emit({"type": "catchup.overflow", "channel": channel, "has_more": True})
        if state is not None and state.held is not None:
            held, state.held = state.held, None
            for envelope in held:
                self._emit_event(channel, envelope)

    def _live(self, channel: str, envelope: Envelope) -> None:
        state = self._channels.get(channel)
        if state is None:
            return
        if state.held is not None:
            state.held.append(envelope)
        else:
            self._emit_event(channel, envelope)

    # -- sending ------------------------------------------------------------------------------
    def _emit_event(self, channel: str, envelope: Envelope) -> None:
        event_id = envelope.db_event_id
        if event_id is not None:
            key = (channel, event_id)
            if key in self._sent:
                return
            self._sent[key] = None
            if len(self._sent) > _SENT_IDS:
                self._sent.popitem(last=False)
        self._put(envelope.text)

    def _emit(self, message: dict[str, Any]) -> None:
        self._put(encode(message))

    def _put(self, text: str) -> None:
        if self._closed:
            return
        try:
            self._queue.put_nowait(text)
        except asyncio.QueueFull:
            log.warning("WebSocket client %s reads too slowly; disconnecting", self.connection_id)
            self._service.spawn(self.aclose(CLOSE_TOO_SLOW, "too slow; reconnect and catch up"))

    async def _send_loop(self) -> None:
        while True:
            text = await self._queue.get()
            if text is None:
                return
            try:
                await self._send(text)
            except Exception:  # noqa: BLE001 - the socket is gone; the receive side ends it
                return


class LiveService:
    """Accepts WebSocket clients: origin policy, connections, shutdown."""

    def __init__(
        self,
        bus: Bus,
        outbox: CatchUp,
        *,
        dashboard_url: str,
        allowed_origins: tuple[str, ...] = (),
        catchup_limit: int = CATCHUP_LIMIT,
    ) -> None:
        self.bus = bus
        self.outbox = outbox
        self.catchup_limit = catchup_limit
        self._patterns = (
            *LOCAL_ORIGINS,
            _host(dashboard_url),
            *(_host(origin) for origin in allowed_origins),
        )
        self._connections: set[LiveConnection] = set()
        self._tasks: set[asyncio.Task[None]] = set()

    def origin_allowed(self, origin: str | None) -> bool:
        """No Origin (a non-browser client), localhost/127.0.0.1 on any port, the dashboard's
        host, and ``system.allowed_ws_origins`` (host patterns; ``*`` matches anything)."""
        if not origin:
            return True
        host = _host(origin)
        return any(fnmatchcase(host, pattern) for pattern in self._patterns)

    def connect(self, send: Send, close: Close) -> LiveConnection:
        connection = LiveConnection(self, send, close)
        self._connections.add(connection)
        return connection

    def forget(self, connection: LiveConnection) -> None:
        self._connections.discard(connection)

    def spawn(self, work: Awaitable[None]) -> None:
        task = asyncio.ensure_future(work)
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    @property
    def connection_count(self) -> int:
        return len(self._connections)

    async def close_all(self) -> None:
        for connection in list(self._connections):
            await connection.aclose(CLOSE_GOING_AWAY, "server shutting down")


def _host(url: str) -> str:
    """``scheme://host:port/...`` -> ``host:port`` (lower case); a bare host stays itself."""
    parts = urlsplit(url if "//" in url else f"//{url}")
    return (parts.netloc or parts.path).lower()
