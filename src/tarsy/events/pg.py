"""PostgreSQL LISTEN/NOTIFY: a notifier and a reconnecting listener (cross-replica signals)."""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Callable, Coroutine
from typing import Any

import asyncpg

log = logging.getLogger(__name__)

Handler = Callable[[str, str], Coroutine[object, object, None]]


def asyncpg_dsn(sqlalchemy_url: str) -> str:
    """``postgresql+asyncpg://...`` -> ``postgresql://...`` for asyncpg."""
    return sqlalchemy_url.replace("postgresql+asyncpg://", "postgresql://", 1)


class PgListener:
    """One dedicated LISTEN connection; calls ``handler(channel, payload)``; reconnects."""

    def __init__(self, dsn: str, channels: list[str], handler: Handler) -> None:
        self._dsn = dsn
        self._channels = channels
        self._handler = handler
        self._task: asyncio.Task[None] | None = None
        self._ready = asyncio.Event()

    async def start(self) -> None:
        self._task = asyncio.create_task(self._run(), name="pg-listener")
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(self._ready.wait(), timeout=10)

    async def stop(self) -> None:
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task

    async def _run(self) -> None:
        backoff = 0.2
        while True:
            conn: Any = None
            try:
                conn = await asyncpg.connect(self._dsn)
                lost = asyncio.Event()
                conn.add_termination_listener(lambda _c, lost=lost: lost.set())
                for channel in self._channels:
                    await conn.add_listener(channel, self._on_notify)
                self._ready.set()
                backoff = 0.2
                await lost.wait()
                log.warning("LISTEN connection lost; reconnecting")
            except asyncio.CancelledError:
                raise
            except Exception as exc:  # noqa: BLE001 - any connection failure means retry
                log.warning("LISTEN connection failed (%s); retrying in %.1fs", exc, backoff)
                await asyncio.sleep(backoff)
                backoff = min(backoff * 2, 5.0)
            finally:
                if conn is not None:
                    with contextlib.suppress(Exception):
                        await conn.close()

    def _on_notify(self, _conn: object, _pid: int, channel: str, payload: str) -> None:
        asyncio.get_running_loop().create_task(self._handler(channel, payload))
