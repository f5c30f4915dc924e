"""``GroupWriter``: group commit for the hot write path (trace rows, timeline events, outbox).

Callers await each write as before (when ``insert``/``update`` returns, the row is committed),
but writes that arrive while a batch is being committed are written together in the next
transaction, as multi-row statements: one ``INSERT`` per table and one ``UPDATE`` per column
set, in foreign-key order (inserts before updates). An idle system writes each row at once;
under load a hundred sessions' writes cost one transaction instead of a hundred. A caller's own
writes stay in order because each waits for the previous one to commit, so reordering inside a
batch only concerns writes of different callers, which cannot depend on each other's
uncommitted rows.

Timeline events take the next session-wide sequence numbers in the same transaction: one
``UPDATE alert_sessions ... RETURNING`` per batch covers every session in it.

``post_notify`` queues ``pg_notify`` calls (PostgreSQL): they run after the batch's rows, in
posting order, so a notification is delivered once the rows posted before it are committed.

If a batch fails (a row violates a constraint), every write in it is retried alone, so one bad
row fails only its own caller. Writes are not cancelled with their caller: a batch always runs
to its end (see ``uncancellable``).

A batch that failed because the database was unreachable, or whose connection dropped before
its commit was sent (so nothing of it was written), is written again once the database is back:
the writer keeps trying for up to ``patience`` seconds (a database restart), and its callers
simply wait. A connection lost during the commit itself is not retried, since the batch may
have been committed; nor is a batch retried alone write by write after an outage.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable, Mapping, Sequence
from contextlib import AbstractAsyncContextManager
from dataclasses import dataclass, field
from typing import Any, Literal, Protocol

from sqlalchemy import (
    MetaData,
    Table,
    bindparam,
    case,
    func,
    insert,
    inspect,
    select,
    text,
    update,
)
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine
from sqlalchemy.sql import Executable

from tarsy.db.disconnects import is_disconnect

log = logging.getLogger(__name__)

MAX_BATCH = 1000
OUTAGE_PATIENCE = 60.0
"""Seconds a batch waits for an unreachable database before its writes fail."""


class Gate(Protocol):
    """Entry to a write transaction (``engine.WriteGate``)."""

    def __call__(self) -> AbstractAsyncContextManager[None]: ...


_MARK_TABLE = Table("_flush_mark", MetaData())


def _future() -> asyncio.Future[Any]:
    return asyncio.get_running_loop().create_future()


@dataclass(slots=True)
class _Write:
    kind: Literal["insert", "update", "timeline", "indexed", "statement", "fetch", "mark", "notify"]
    table: Table
    row: dict[str, Any]
    returning: str | None = None
    key: str = ""
    counter: Table | None = None
    statement: Executable | None = None
    prepare: Callable[[dict[str, Any]], None] | None = None
    after: _Write | None = None
    texts: Callable[[Any], Sequence[str]] | None = None
    future: asyncio.Future[Any] = field(default_factory=_future)


class Pending:
    """A posted write. ``result()`` waits for its commit; ``when_done`` runs a callback then
    (with the write's result, or None if it failed)."""

    def __init__(self, write: _Write) -> None:
        self._write = write

    @property
    def row(self) -> dict[str, Any]:
        """The row as it will be (or was) written; the writer fills ``sequence_number``."""
        return self._write.row

    async def result(self) -> Any:
        return await asyncio.shield(self._write.future)

    def when_done(self, callback: Callable[[Any], None]) -> None:
        def call(future: asyncio.Future[Any]) -> None:
            ok = not future.cancelled() and future.exception() is None
            callback(future.result() if ok else None)

        self._write.future.add_done_callback(call)


class GroupWriter:
    """One per database. ``order`` lists table names in foreign-key order (parents first)."""

    def __init__(
        self,
        engine: AsyncEngine,
        gate: Gate,
        *,
        order: Sequence[str],
        patience: float = OUTAGE_PATIENCE,
    ) -> None:
        self._engine = engine
        self._gate = gate
        self._patience = patience
        self._order = {name: i for i, name in enumerate(order)}
        self._pending: list[_Write] = []
        self._statements: dict[tuple[str | None, ...], Any] = {}
        self._task: asyncio.Task[None] | None = None

    async def insert(self, table: Table, row: Mapping[str, Any], *, returning: str = "") -> Any:
        """Insert ``row`` and wait for it; the value of column ``returning`` (e.g. an id)."""
        return await self.post_insert(table, row, returning=returning).result()

    async def update(self, table: Table, key: str, row: Mapping[str, Any]) -> None:
        """Set the other columns of ``row`` on the row whose column ``key`` equals row[key]."""
        await self.post_update(table, key, row).result()

    async def insert_numbered(self, table: Table, row: Mapping[str, Any], counter: Table) -> int:
        """Insert ``row`` with the next ``sequence_number`` of its session, counted in the
        ``timeline_seq`` column of ``counter`` (the sessions table); returns the number."""
        return int(await self.post_numbered(table, row, counter).result())

    # Posting: the write is queued and the caller goes on; ``flush`` or ``Pending.result``
    # wait for it. A failed posted write is logged (and reported to whoever waits for it).
    def post_insert(
        self,
        table: Table,
        row: Mapping[str, Any],
        *,
        returning: str = "",
        prepare: Callable[[dict[str, Any]], None] | None = None,
    ) -> Pending:
        """Queue an insert. ``prepare(row)`` runs just before it is written (after numbering),
        to fill in values known only then."""
        return self._post(_Write("insert", table, dict(row), returning or None, prepare=prepare))

    def post_update(self, table: Table, key: str, row: Mapping[str, Any]) -> Pending:
        return self._post(_Write("update", table, dict(row), key=key))

    def post_numbered(self, table: Table, row: Mapping[str, Any], counter: Table) -> Pending:
        return self._post(_Write("timeline", table, dict(row), counter=counter))

    async def insert_indexed(self, table: Table, row: Mapping[str, Any], *, index: str) -> int:
        """Insert ``row`` with column ``index`` set to 1 + the largest ``index`` of the rows of
        the same session in ``table`` (a 1-based position per session); returns it."""
        write = _Write("indexed", table, dict(row), key=index)
        return int(await self._post(write).result())

    async def execute(self, statement: Executable) -> int:
        """Run ``statement`` (an UPDATE or DELETE) after everything posted before it; the
        number of rows it changed."""
        return int(await self.post_execute(statement).result())

    def post_execute(self, statement: Executable) -> Pending:
        """Queue ``statement`` (an UPDATE or DELETE) to run after everything posted before it;
        its result is the number of rows it changed."""
        return self._post(_Write("statement", _MARK_TABLE, {}, statement=statement))

    async def fetch(self, statement: Executable) -> list[Any]:
        """Run ``statement`` (an UPDATE ... RETURNING) after everything posted before it; the
        rows it returned, as mappings."""
        write = _Write("fetch", _MARK_TABLE, {}, statement=statement)
        return list(await self._post(write).result())

    def post_notify(
        self, channel: str, texts: Callable[[Any], Sequence[str]], *, after: Pending | None = None
    ) -> Pending:
        """Queue ``pg_notify(channel, text)`` for each of ``texts(result)``, where ``result`` is
        the result of the write ``after`` (None without one, or if it failed). The notifications
        of a transaction are sent in the order they were posted, after its rows are written, so
        they are delivered once those rows are committed (PostgreSQL only)."""
        source = None if after is None else after._write
        return self._post(
            _Write("notify", _MARK_TABLE, {"channel": channel}, after=source, texts=texts)
        )

    async def flush(self) -> None:
        """Wait until every write posted so far is committed (or failed); later ones are not
        waited for."""
        if self._task is None or self._task.done():
            return
        mark = _Write("mark", _MARK_TABLE, {})
        await self._post(mark).result()

    def _post(self, write: _Write) -> Pending:
        write.future.add_done_callback(_log_failure)
        self._pending.append(write)
        if self._task is None or self._task.done():
            self._task = asyncio.create_task(self._drain(), name="group-writer")
        return Pending(write)

    async def _drain(self) -> None:
        while self._pending:
            batch, self._pending = self._pending[:MAX_BATCH], self._pending[MAX_BATCH:]
            if all(w.kind == "mark" for w in batch):
                for write in batch:
                    _done(write, None)
                continue
            try:
                results = await self._commit(batch)
            except Exception as exc:  # noqa: BLE001 - retried one by one below
                if is_disconnect(exc):
                    log.warning("%d database write(s) failed: %s", len(batch), exc)
                    for write in batch:
                        _fail(write, exc)
                    continue
                if len(batch) == 1:
                    _fail(batch[0], exc)
                    continue
                log.warning(
                    "group write of %d rows failed (%s); retrying one by one", len(batch), exc
                )
                for write in batch:
                    try:
                        [result] = await self._commit([write])
                    except Exception as one:  # noqa: BLE001 - handed to its caller
                        _fail(write, one)
                    else:
                        _done(write, result)
            else:
                for write, result in zip(batch, results, strict=True):
                    _done(write, result)

    async def _commit(self, batch: list[_Write]) -> list[Any]:
        """Write ``batch`` in one transaction, again while the database is unreachable and
        nothing of it was written, for up to ``patience`` seconds."""
        loop = asyncio.get_running_loop()
        deadline = loop.time() + self._patience
        delay = 0.1
        warned = False
        while True:
            committing = False
            try:
                async with self._gate(), self._engine.begin() as conn:
                    results = await self._write(conn, batch)
                    committing = True  # leaving the block commits
                return results
            except Exception as exc:
                if committing or not is_disconnect(exc) or loop.time() + delay > deadline:
                    raise
                if not warned:
                    log.warning("database unreachable (%s); holding %d write(s)", exc, len(batch))
                    warned = True
            await asyncio.sleep(delay)
            delay = min(delay * 2, 2.0)

    async def _write(self, conn: AsyncConnection, batch: list[_Write]) -> list[Any]:
        """Write ``batch`` in ``conn``'s transaction; one result per write, in batch order."""
        results: dict[int, Any] = {}
        timeline = [w for w in batch if w.kind == "timeline"]
        if timeline:
            await self._number(conn, timeline)
            for w in timeline:
                results[id(w)] = w.row["sequence_number"]
        indexed = [w for w in batch if w.kind == "indexed"]
        if indexed:
            await self._index(conn, indexed)
            for w in indexed:
                results[id(w)] = w.row[w.key]
        inserts = [w for w in batch if w.kind in ("insert", "timeline", "indexed")]
        for w in inserts:
            if w.prepare is not None:
                w.prepare(w.row)
        for table_rows in self._by_table(inserts):
            first = table_rows[0]
            rows = [w.row for w in table_rows]
            stmt = self._insert_statement(first.table, first.returning)
            if first.returning is not None:
                values = (await conn.execute(stmt, rows)).scalars().all()
                for w, value in zip(table_rows, values, strict=True):
                    results[id(w)] = value
            else:
                await conn.execute(stmt, rows)
        updates: dict[tuple[str, str, tuple[str, ...]], list[_Write]] = {}
        for w in batch:
            if w.kind == "update":
                columns = tuple(sorted(k for k in w.row if k != w.key))
                updates.setdefault((w.table.name, w.key, columns), []).append(w)
        for (_, key, columns), group in updates.items():
            change = self._update_statement(group[0].table, key, columns)
            params = [{"_key": w.row[key], **{f"_v_{c}": w.row[c] for c in columns}} for w in group]
            await conn.execute(change, params)
        for w in batch:
            if w.kind == "statement" and w.statement is not None:
                outcome = await conn.execute(w.statement)
                results[id(w)] = int(getattr(outcome, "rowcount", 0) or 0)
            elif w.kind == "fetch" and w.statement is not None:
                results[id(w)] = (await conn.execute(w.statement)).mappings().all()
        await self._notify(conn, [w for w in batch if w.kind == "notify"], results)
        return [results.get(id(w)) for w in batch]

    async def _notify(
        self, conn: AsyncConnection, writes: list[_Write], results: dict[int, Any]
    ) -> None:
        """All notifications of the batch in one statement, in posting order."""
        channels: list[str] = []
        texts: list[str] = []
        sent: set[tuple[str, str]] = set()
        for w in writes:
            if w.texts is None:
                continue
            source = None
            if w.after is not None:
                source = results[id(w.after)] if id(w.after) in results else _outcome(w.after)
            channel = str(w.row["channel"])
            for note in w.texts(source):
                # PostgreSQL folds identical notifications of one transaction into one; a
                # trailing space keeps each (JSON parses the same).
                unique = note
                while (channel, unique) in sent:
                    unique += " "
                sent.add((channel, unique))
                channels.append(channel)
                texts.append(unique)
        if channels:
            await conn.execute(_NOTIFY, {"channels": channels, "texts": texts})

    def _insert_statement(self, table: Table, returning: str | None) -> Executable:
        """Statements are built once and reused, so SQLAlchemy's cache key is not rebuilt."""
        key = ("insert", table.name, returning)
        stmt = self._statements.get(key)
        if stmt is None:
            stmt = insert(table)
            if returning is not None:
                stmt = stmt.returning(table.c[returning], sort_by_parameter_order=True)
            self._statements[key] = stmt
        return stmt

    def _update_statement(self, table: Table, key: str, columns: tuple[str, ...]) -> Executable:
        cache = ("update", table.name, key, *columns)
        stmt = self._statements.get(cache)
        if stmt is None:
            stmt = (
                update(table)
                .where(table.c[key] == bindparam("_key"))
                .values({c: bindparam(f"_v_{c}") for c in columns})
            )
            self._statements[cache] = stmt
        return stmt

    def _by_table(self, writes: list[_Write]) -> list[list[_Write]]:
        """Inserts grouped per table and per column set, parents first."""
        groups: dict[tuple[str, tuple[str, ...], str | None], list[_Write]] = {}
        for w in writes:
            groups.setdefault((w.table.name, tuple(sorted(w.row)), w.returning), []).append(w)
        return sorted(groups.values(), key=lambda g: self._order.get(g[0].table.name, 1_000))

    async def _number(self, conn: AsyncConnection, writes: list[_Write]) -> None:
        """Give each timeline row the next sequence numbers of its session, in batch order."""
        sessions = writes[0].counter
        if sessions is None:
            raise RuntimeError("a numbered insert needs its counter table")
        counts: dict[str, int] = {}
        for w in writes:
            sid = str(w.row["session_id"])
            counts[sid] = counts.get(sid, 0) + 1
        sid_col, seq_col = sessions.c.session_id, sessions.c.timeline_seq
        stmt = (
            update(sessions)
            .where(sid_col.in_(list(counts)))
            .values(timeline_seq=seq_col + case(counts, value=sid_col, else_=0))
            .returning(sid_col, seq_col)
        )
        last = {str(sid): int(seq) for sid, seq in (await conn.execute(stmt)).all()}
        missing = set(counts) - set(last)
        if missing:
            raise LookupError(f"no session {sorted(missing)[0]!r} for its timeline event")
        nxt = {sid: last[sid] - counts[sid] + 1 for sid in counts}
        for w in writes:
            sid = str(w.row["session_id"])
            w.row["sequence_number"] = nxt[sid]
            nxt[sid] += 1

    async def _index(self, conn: AsyncConnection, writes: list[_Write]) -> None:
        """Give each indexed row 1 + the session's current largest index, in batch order."""
        by_table: dict[tuple[str, str], list[_Write]] = {}
        for w in writes:
            by_table.setdefault((w.table.name, w.key), []).append(w)
        for group in by_table.values():
            table, column = group[0].table, group[0].key
            sessions = sorted({str(w.row["session_id"]) for w in group})
            sid = table.c.session_id
            rows = await conn.execute(
                select(sid, func.max(table.c[column])).where(sid.in_(sessions)).group_by(sid)
            )
            nxt = {str(s): int(m or 0) + 1 for s, m in rows.all()}
            for w in group:
                key = str(w.row["session_id"])
                w.row[column] = nxt.get(key, 1)
                nxt[key] = w.row[column] + 1


_NOTIFY = text(
    "SELECT count(pg_notify(c, t)) FROM unnest(CAST(:channels AS text[]), CAST(:texts AS text[]))"
    " AS n(c, t)"
)


def _outcome(write: _Write) -> Any:
    """The result of a write committed in an earlier transaction (None if it failed)."""
    future = write.future
    if future.done() and not future.cancelled() and future.exception() is None:
        return future.result()
    return None


def _log_failure(future: asyncio.Future[Any]) -> None:
    if future.cancelled() or (exc := future.exception()) is None:
        return
    if not is_disconnect(exc):  # an outage is logged once per batch
        log.warning("a database write failed: %s", exc)


def _done(write: _Write, result: Any) -> None:
    if not write.future.done():
        write.future.set_result(result)


def _fail(write: _Write, exc: BaseException) -> None:
    if not write.future.done():
        write.future.set_exception(exc)


def row_of(obj: object) -> dict[str, Any]:
    """The column values of a transient ORM object, keyed by column name."""
    mapper = inspect(type(obj))
    return {attr.columns[0].name: getattr(obj, attr.key) for attr in mapper.column_attrs}


def table_of(mapped: type) -> Table:
    """The ``Table`` of a mapped class."""
    table = getattr(mapped, "__table__", None)
    if not isinstance(table, Table):
        raise TypeError(f"{mapped.__name__} is not mapped to a table")
    return table
