"""Async engine and session factory for SQLite (embedded default) and PostgreSQL."""

from __future__ import annotations

import asyncio
import functools
from collections.abc import AsyncIterator, Callable, Coroutine
from contextlib import asynccontextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any, ParamSpec, TypeVar

from sqlalchemy import event
from sqlalchemy.engine import make_url
from sqlalchemy.ext.asyncio import (
    AsyncEngine,
    AsyncSession,
    async_sessionmaker,
    create_async_engine,
)

from tarsy.db.writer import GroupWriter

TABLE_ORDER = (
    "alert_sessions",
    "stages",
    "agent_executions",
    "messages",
    "llm_interactions",
    "mcp_interactions",
    "timeline_events",
    "events",
)
"""Tables in foreign-key order, parents first: the order of a group commit's inserts."""


class WriteGate:
    """Serialises this process's write transactions on SQLite; lets them all through on
    PostgreSQL.

    SQLite has one database-wide write lock. Connections that contend for it wait in SQLite's
    busy handler, which sleeps in steps of up to 100 ms; queueing writers on an asyncio lock
    instead hands the lock over as soon as it is free.
    """

    def __init__(self, serialise: bool) -> None:
        self._lock = asyncio.Lock() if serialise else None

    @asynccontextmanager
    async def __call__(self) -> AsyncIterator[None]:
        if self._lock is None:
            yield
            return
        async with self._lock:
            yield


class Sessions:
    """Session factory: ``sessions()`` for reads, ``sessions.begin()`` for a write transaction
    (committed on success, rolled back on error) that passes the ``WriteGate``."""

    def __init__(self, maker: async_sessionmaker[AsyncSession], gate: WriteGate) -> None:
        self._maker = maker
        self._gate = gate

    def __call__(self) -> AsyncSession:
        return self._maker()

    @asynccontextmanager
    async def begin(self) -> AsyncIterator[AsyncSession]:
        async with self._gate(), self._maker.begin() as session:
            yield session


@dataclass(frozen=True, slots=True)
class Database:
    """An engine plus its session factory; ``dialect`` is ``sqlite`` or ``postgresql``.

    Write transactions go through ``sessions.begin()`` (or ``writing()`` around
    ``engine.begin()``), so that on SQLite they take turns in this process.
    """

    engine: AsyncEngine
    sessions: Sessions
    writing: WriteGate
    writer: GroupWriter
    schema: str | None = None

    @property
    def dialect(self) -> str:
        return self.engine.dialect.name

    @property
    def is_postgres(self) -> bool:
        return self.dialect == "postgresql"

    async def dispose(self) -> None:
        await self.engine.dispose()


def _sqlite_pragmas(dbapi_connection: Any, _record: Any) -> None:
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA busy_timeout=30000")
    cursor.close()


def connect(url: str, *, schema: str | None = None, pool_size: int = 10) -> Database:
    """Create the engine for ``url``. ``schema`` pins the PostgreSQL search_path (tests)."""
    parsed = make_url(url)
    kwargs: dict[str, Any] = {}
    if parsed.get_backend_name() == "sqlite":
        if parsed.database and parsed.database != ":memory:":
            Path(parsed.database).parent.mkdir(parents=True, exist_ok=True)
        kwargs["connect_args"] = {"timeout": 30}
    else:
        kwargs["pool_size"] = pool_size
        kwargs["max_overflow"] = pool_size
        kwargs["pool_pre_ping"] = True
        if schema:
            kwargs["connect_args"] = {"server_settings": {"search_path": schema}}
    engine = create_async_engine(url, **kwargs)
    if parsed.get_backend_name() == "sqlite":
        event.listen(engine.sync_engine, "connect", _sqlite_pragmas)
    gate = WriteGate(serialise=parsed.get_backend_name() == "sqlite")
    maker = async_sessionmaker(engine, expire_on_commit=False)
    writer = GroupWriter(engine, gate, order=TABLE_ORDER)
    return Database(engine, Sessions(maker, gate), gate, writer, schema or None)


P = ParamSpec("P")
R = TypeVar("R")


def uncancellable(fn: Callable[P, Coroutine[Any, Any, R]]) -> Callable[P, Coroutine[Any, Any, R]]:
    """Run a repository write to its end even when the caller is cancelled meanwhile.

    A write interrupted half-way can leave its pooled connection inside a transaction; on
    SQLite that connection then holds the database's write lock and every other writer waits
    for it in vain. The caller's cancellation is delivered once the write has finished.
    """

    @functools.wraps(fn)
    async def guarded(*args: P.args, **kwargs: P.kwargs) -> R:
        task = asyncio.ensure_future(fn(*args, **kwargs))
        cancelled = False
        while not task.done():
            try:
                await asyncio.shield(task)
            except asyncio.CancelledError:
                if task.done() and task.cancelled():
                    raise
                cancelled = True
        if cancelled:
            raise asyncio.CancelledError
        return task.result()

    return guarded
