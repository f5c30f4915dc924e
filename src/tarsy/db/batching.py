"""Group commit for hot-path inserts: concurrent callers share one transaction.

Each ``insert`` waits until its row is committed. While one batch is being written, rows that
arrive queue up and go into the next transaction together, so under load many alerts cost one
commit, and an idle system writes each row at once (no added delay). On SQLite this also keeps
writers off the database lock's busy-wait.
"""

from __future__ import annotations

import asyncio
from typing import Any

from sqlalchemy import Table, insert
from sqlalchemy.ext.asyncio import AsyncEngine

from tarsy.db.engine import WriteGate

MAX_BATCH = 500


class BatchInserter:
    def __init__(self, engine: AsyncEngine, table: Table, gate: WriteGate) -> None:
        self._engine = engine
        self._gate = gate
        self._table = table
        self._pending: list[tuple[dict[str, Any], asyncio.Future[None]]] = []
        self._writer: asyncio.Task[None] | None = None

    async def insert(self, row: dict[str, Any]) -> None:
        future: asyncio.Future[None] = asyncio.get_running_loop().create_future()
        self._pending.append((row, future))
        if self._writer is None or self._writer.done():
            self._writer = asyncio.create_task(self._write_all(), name="batch-insert")
        await future

    async def _write_all(self) -> None:
        while self._pending:
            batch, self._pending = self._pending[:MAX_BATCH], self._pending[MAX_BATCH:]
            try:
                async with self._gate(), self._engine.begin() as conn:
                    await conn.execute(insert(self._table), [row for row, _ in batch])
            except Exception as exc:  # noqa: BLE001 - handed to every waiting caller
                for _, future in batch:
                    if not future.done():
                        future.set_exception(exc)
            else:
                for _, future in batch:
                    if not future.done():
                        future.set_result(None)
