"""Settings for end-to-end runs on SQLite and on PostgreSQL (a fresh schema each)."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from tarsy.config import Settings
from tests.conftest import drop_pg_schema, new_pg_schema, pg_url


@pytest.fixture(params=["sqlite", "postgres"])
async def settings(request: pytest.FixtureRequest, tmp_path: Path) -> AsyncIterator[Settings]:
    if request.param == "sqlite":
        yield Settings(data_dir=tmp_path, database_url=f"sqlite+aiosqlite:///{tmp_path}/t.db")
        return
    schema = await new_pg_schema()
    try:
        yield Settings(data_dir=tmp_path, database_url=pg_url(), database_schema=schema)
    finally:
        await drop_pg_schema(schema)


@pytest.fixture
async def pg_settings(tmp_path: Path) -> AsyncIterator[Settings]:
    schema = await new_pg_schema()
    try:
        yield Settings(data_dir=tmp_path, database_url=pg_url(), database_schema=schema)
    finally:
        await drop_pg_schema(schema)
