"""Shared fixtures: migrated databases on SQLite and on real PostgreSQL.

PostgreSQL comes from ``TARSY_TEST_DATABASE_URL`` (default: the local test database). Each test
gets a fresh schema, dropped afterwards, so runs never see each other's rows. When PostgreSQL is
unreachable the PostgreSQL variants are skipped on a laptop but fail under ``CI=true``.
"""

from __future__ import annotations

import os
import uuid
from collections.abc import AsyncIterator
from pathlib import Path

import asyncpg
import pytest
from hypothesis import settings

from tarsy.config import Settings
from tarsy.db.engine import Database, connect
from tarsy.db.migrate import upgrade

DEFAULT_PG_URL = "postgresql+asyncpg://postgres@127.0.0.1:5432/test"

# CI explores the same examples on every run (a red build is reproducible); laptops explore
# new ones each time.
settings.register_profile("ci", derandomize=True)
if os.environ.get("CI", "").lower() == "true":
    settings.load_profile("ci")


def pg_url() -> str:
    return os.environ.get("TARSY_TEST_DATABASE_URL", DEFAULT_PG_URL)


def _dsn(url: str) -> str:
    return url.replace("postgresql+asyncpg://", "postgresql://", 1)


_pg_checked: list[str | None] = []


async def _require_postgres() -> None:
    if not _pg_checked:
        try:
            conn = await asyncpg.connect(_dsn(pg_url()), timeout=5)
            await conn.close()
            _pg_checked.append(None)
        except (OSError, asyncpg.PostgresError) as exc:
            _pg_checked.append(f"PostgreSQL unreachable at {pg_url()}: {exc}")
    reason = _pg_checked[0]
    if reason is not None:
        if os.environ.get("CI", "").lower() == "true":
            pytest.fail(f"{reason} (CI=true: PostgreSQL tests must run)")
        pytest.skip(reason)


async def new_pg_schema() -> str:
    await _require_postgres()
    schema = f"tarsy_t_{uuid.uuid4().hex[:12]}"
    conn = await asyncpg.connect(_dsn(pg_url()))
    try:
        await conn.execute(f'CREATE SCHEMA "{schema}"')
    finally:
        await conn.close()
    return schema


async def drop_pg_schema(schema: str) -> None:
    conn = await asyncpg.connect(_dsn(pg_url()))
    try:
        await conn.execute(f'DROP SCHEMA IF EXISTS "{schema}" CASCADE')
    finally:
        await conn.close()


@pytest.fixture
async def pg_schema() -> AsyncIterator[str]:
    """A fresh, empty PostgreSQL schema name (dropped after the test)."""
    schema = await new_pg_schema()
    try:
        yield schema
    finally:
        await drop_pg_schema(schema)


@pytest.fixture
async def pg_db(pg_schema: str) -> AsyncIterator[Database]:
    """A migrated PostgreSQL database in a fresh schema."""
    db = connect(pg_url(), schema=pg_schema)
    await upgrade(db)
    try:
        yield db
    finally:
        await db.dispose()


@pytest.fixture
async def sqlite_db(tmp_path: Path) -> AsyncIterator[Database]:
    db = connect(f"sqlite+aiosqlite:///{tmp_path / 'tarsy.db'}")
    await upgrade(db)
    try:
        yield db
    finally:
        await db.dispose()


@pytest.fixture(params=["sqlite", "postgres"])
async def database(request: pytest.FixtureRequest, tmp_path: Path) -> AsyncIterator[Database]:
    """A migrated database, once on SQLite and once on PostgreSQL."""
    if request.param == "sqlite":
        db = connect(f"sqlite+aiosqlite:///{tmp_path / 'tarsy.db'}")
        await upgrade(db)
        try:
            yield db
        finally:
            await db.dispose()
        return
    schema = await new_pg_schema()
    db = connect(pg_url(), schema=schema)
    try:
        await upgrade(db)
        yield db
    finally:
        await db.dispose()
        await drop_pg_schema(schema)


@pytest.fixture
def sqlite_settings(tmp_path: Path) -> Settings:
    """Settings of an app on a fresh SQLite database."""
    return Settings(data_dir=tmp_path, database_url=f"sqlite+aiosqlite:///{tmp_path}/t.db")
