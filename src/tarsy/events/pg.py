"""PostgreSQL LISTEN/NOTIFY: one reconnecting LISTEN connection per process, and ``PgBus``.

``PgBus`` publishes through the ``Outbox``: a persisted event is an outbox row plus a
``pg_notify`` in the same transaction, a transient one a ``pg_notify`` queued behind what was
published before it. Every replica, the publishing one included, delivers what its LISTEN
connection receives, so all replicas see one order: PostgreSQL's commit order.

NOTIFY payloads are limited to 8000 bytes. A ``stream.chunk`` too large is split into several
chunks; any other event too large is sent as a stub ``{type, session_id, event_id?,
db_event_id?, truncated: true}``. A receiving replica replaces a stub that has a
``db_event_id`` by the stored event, so clients see a stub only for an oversized transient
event (and must then refetch over REST).

The listener LISTENs on a channel when its first local subscriber arrives and UNLISTENs when the
last leaves. After a lost connection it reconnects, re-LISTENs, and re-delivers the persisted
events stored meanwhile on every channel it listens to.
"""

from __future__ import annotations

import asyncio
import contextlib
import hashlib
import json
import logging
from collections import OrderedDict
from collections.abc import AsyncIterator, Callable, Mapping, Sequence
from datetime import UTC, datetime
from typing import Any

import asyncpg

from tarsy.events.bus import (
    Deliver,
    Envelope,
    Fill,
    ListenError,
    Outbox,
    Payload,
    Subscription,
    encode,
)
from tarsy.events.fanout import Fanout, iterate

log = logging.getLogger(__name__)

NOTIFY_LIMIT = 7900
LISTEN_TIMEOUT = 5.0
"""How long ``listen`` waits for a LISTEN connection that is down."""
RESYNC_LIMIT = 1000
_RECENT = 4096
_STUB_KEYS = ("type", "session_id", "event_id", "db_event_id")


def asyncpg_dsn(sqlalchemy_url: str) -> str:
    """``postgresql+asyncpg://...`` -> ``postgresql://...`` for asyncpg."""
    return sqlalchemy_url.replace("postgresql+asyncpg://", "postgresql://", 1)


def pg_channel(schema: str | None, channel: str) -> str:
    """The NOTIFY channel of ``channel``. Channels are database-wide, so deployments (or
    test runs) that share a database in different schemas get their own prefix."""
    if not schema:
        return channel
    return f"{hashlib.sha256(schema.encode()).hexdigest()[:8]}/{channel}"


def notify_texts(event: Payload, event_id: int | None, limit: int = NOTIFY_LIMIT) -> list[str]:
    """The NOTIFY payloads that carry ``event`` (with its ``db_event_id``), each <= ``limit``."""
    full = event if event_id is None else {**event, "db_event_id": event_id}
    text = encode(full)
    if len(text.encode()) <= limit:
        return [text]
    delta = full.get("delta")
    if full.get("type") == "stream.chunk" and isinstance(delta, str):
        overhead = len(encode({**full, "delta": ""}).encode())
        step = max(1, (limit - overhead) // 6)  # a character escapes to at most 6 bytes
        return [encode({**full, "delta": delta[i : i + step]}) for i in range(0, len(delta), step)]
    stub = {k: full[k] for k in _STUB_KEYS if k in full}
    return [encode({**stub, "truncated": True})]


Notified = Callable[[str, str], None]


class PgListener:
    """One dedicated LISTEN connection. ``on_notify(channel, payload)`` runs for every
    notification, ``on_reconnect()`` after the connection came back."""

    def __init__(
        self,
        dsn: str,
        on_notify: Notified,
        *,
        on_reconnect: Callable[[], None] | None = None,
        channels: Sequence[str] = (),
    ) -> None:
        self._dsn = dsn
        self._on_notify = on_notify
        self._on_reconnect = on_reconnect
        self._channels: set[str] = set(channels)
        self._conn: Any = None
        self._lock = asyncio.Lock()
        self._connected = asyncio.Event()
        self._task: asyncio.Task[None] | None = None

    @property
    def connected(self) -> bool:
        return self._connected.is_set()

    async def start(self, timeout: float = 10) -> None:
        self._task = asyncio.create_task(self._run(), name="pg-listener")
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(self._connected.wait(), timeout=timeout)

    async def stop(self) -> None:
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task
            self._task = None

    def keep(self, channel: str) -> None:
        """Before ``start``: LISTEN on ``channel`` from the first connection on."""
        self._channels.add(channel)

    async def listen(self, channel: str) -> None:
        """LISTEN on ``channel``; returns once PostgreSQL confirmed it. ``ListenError`` if the
        connection is down for longer than ``LISTEN_TIMEOUT``."""
        try:
            await asyncio.wait_for(self._connected.wait(), timeout=LISTEN_TIMEOUT)
        except TimeoutError:
            raise ListenError("the LISTEN connection to PostgreSQL is down") from None
        async with self._lock:
            if channel in self._channels:
                return
            try:
                await self._conn.add_listener(channel, self._notified)
            except Exception as exc:
                raise ListenError(f"LISTEN {channel} failed: {exc}") from exc
            self._channels.add(channel)

    async def unlisten(self, channel: str, still_wanted: Callable[[], bool]) -> None:
        """UNLISTEN ``channel`` unless ``still_wanted()`` says a subscriber came back."""
        async with self._lock:
            if still_wanted() or channel not in self._channels:
                return
            self._channels.discard(channel)
            if self._connected.is_set():
                with contextlib.suppress(Exception):
                    await self._conn.remove_listener(channel, self._notified)

    async def _run(self) -> None:
        backoff = 0.2
        first = True
        while True:
            conn: Any = None
            try:
                conn = await asyncpg.connect(self._dsn)
                lost = asyncio.Event()
                conn.add_termination_listener(lambda _c, lost=lost: lost.set())
                async with self._lock:
                    for channel in sorted(self._channels):
                        await conn.add_listener(channel, self._notified)
                    self._conn = conn
                    self._connected.set()
                backoff = 0.2
                if not first and self._on_reconnect is not None:
                    self._on_reconnect()
                first = False
                await lost.wait()
                log.warning("LISTEN connection lost; reconnecting")
            except asyncio.CancelledError:
                raise
            except Exception as exc:  # noqa: BLE001 - any connection failure means retry
                log.warning("LISTEN connection failed (%s); retrying in %.1fs", exc, backoff)
                await asyncio.sleep(backoff)
                backoff = min(backoff * 2, 5.0)
            finally:
                self._connected.clear()
                self._conn = None
                if conn is not None:
                    with contextlib.suppress(Exception):
                        await conn.close(timeout=2)

    def _notified(self, _conn: object, _pid: int, channel: str, payload: str) -> None:
        self._on_notify(channel, payload)


class PgBus:
    """Implements ``Bus`` across replicas sharing one PostgreSQL database."""

    def __init__(self, dsn: str, outbox: Outbox, *, schema: str | None = None) -> None:
        self._outbox = outbox
        self._schema = schema
        self._logical: dict[str, str] = {}
        self._fanout = Fanout(on_empty=self._channel_empty)
        self._listener = PgListener(dsn, self._received, on_reconnect=self._reconnected)
        self._inbox: asyncio.Queue[tuple[str, str | None]] = asyncio.Queue()
        self._last_id: dict[str, int] = {}
        self._max_seen = 0
        self._recent: OrderedDict[int, None] = OrderedDict()
        self._task: asyncio.Task[None] | None = None
        self._background: set[asyncio.Task[None]] = set()
        self._raw: dict[str, Callable[[str], None]] = {}

    def on_raw(self, channel: str, callback: Callable[[str], None]) -> None:
        """Before ``start``: deliver the plain-text notifications of an internal channel
        (``cancellations``) to ``callback`` for the life of the process."""
        self._raw[self._pg(channel)] = callback
        self._listener.keep(self._pg(channel))

    async def start(self, timeout: float = 10) -> None:
        """Connect; waits up to ``timeout`` seconds for the LISTEN connection (it keeps trying
        in the background after that)."""
        self._task = asyncio.create_task(self._deliver_loop(), name="pg-bus")
        await self._listener.start(timeout)

    async def aclose(self) -> None:
        await self._listener.stop()
        for task in [self._task, *self._background]:
            if task is not None:
                task.cancel()
                with contextlib.suppress(asyncio.CancelledError):
                    await task
        self._task = None

    async def publish(
        self,
        channel: str,
        payload: Mapping[str, Any],
        *,
        persist: bool = False,
        fill: Fill | None = None,
    ) -> None:
        event = {"timestamp": datetime.now(UTC).isoformat(), **payload}
        if persist:
            self._outbox.post(
                str(event.get("session_id", "")),
                channel,
                event,
                fill=fill,
                stored=_ignore,
                notify=(self._pg(channel), notify_texts),
            )
        else:
            self._outbox.notify(self._pg(channel), notify_texts(event, None))

    async def listen(self, channel: str, deliver: Deliver) -> Subscription:
        listener = self._fanout.add(channel, deliver)
        self._last_id.setdefault(channel, self._max_seen)
        try:
            await self._listener.listen(self._pg(channel))
        except BaseException:
            listener.close()
            raise
        return listener

    def subscribe(self, channel: str) -> AsyncIterator[Payload]:
        return iterate(self.listen, channel)

    # -- receiving ------------------------------------------------------------------------
    def _pg(self, channel: str) -> str:
        name = self._logical.get(channel)
        if name is None:
            name = pg_channel(self._schema, channel)
            if len(self._logical) > 10_000:
                self._logical.clear()
            self._logical[channel] = name
        return name

    def _received(self, pg_name: str, text: str) -> None:
        raw = self._raw.get(pg_name)
        if raw is not None:
            raw(text)
            return
        channel = pg_name.split("/", 1)[1] if self._schema else pg_name
        self._inbox.put_nowait((channel, text))

    def _reconnected(self) -> None:
        for channel in self._fanout.channels():
            self._inbox.put_nowait((channel, None))

    async def _deliver_loop(self) -> None:
        """One consumer, so events are delivered in the order PostgreSQL sent them."""
        while True:
            channel, text = await self._inbox.get()
            try:
                if text is None:
                    await self._resync(channel)
                else:
                    await self._deliver(channel, text)
            except Exception:
                log.exception("could not deliver a notification on %s", channel)

    async def _deliver(self, channel: str, text: str) -> None:
        if not self._fanout.count(channel):
            return
        payload = json.loads(text)
        if not isinstance(payload, dict):
            return
        envelope = Envelope(payload, text)
        event_id = envelope.db_event_id
        if payload.get("truncated") and event_id is not None:
            stored = await self._outbox.get(event_id)
            if stored is not None:
                envelope = Envelope(stored)
        self._hand_out(channel, envelope)

    async def _resync(self, channel: str) -> None:
        """After a reconnect: the persisted events stored while the connection was down."""
        after = self._last_id.get(channel, self._max_seen)
        if not self._fanout.count(channel):
            return
        for payload in await self._outbox.since(channel, after, RESYNC_LIMIT):
            self._hand_out(channel, Envelope(payload))

    def _hand_out(self, channel: str, envelope: Envelope) -> None:
        event_id = envelope.db_event_id
        if event_id is not None:
            if event_id in self._recent:
                return
            self._recent[event_id] = None
            if len(self._recent) > _RECENT:
                self._recent.popitem(last=False)
            self._last_id[channel] = max(event_id, self._last_id.get(channel, 0))
            self._max_seen = max(self._max_seen, event_id)
        self._fanout.deliver(channel, envelope)

    def _channel_empty(self, channel: str) -> None:
        self._last_id.pop(channel, None)
        task = asyncio.get_running_loop().create_task(
            self._listener.unlisten(self._pg(channel), lambda: self._fanout.count(channel) > 0)
        )
        self._background.add(task)
        task.add_done_callback(self._background.discard)


def _ignore(_event_id: int | None) -> None:
    return None
