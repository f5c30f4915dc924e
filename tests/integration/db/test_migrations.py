"""Migrations apply on SQLite and PostgreSQL and create every table of the data model."""

from __future__ import annotations

from pathlib import Path

from sqlalchemy import inspect

from tarsy.db.engine import Database, connect
from tarsy.db.migrate import current_revision, is_current, shipped_head, upgrade
from tests.conftest import pg_url

TABLES = {
    "alert_sessions",
    "stages",
    "agent_executions",
    "timeline_events",
    "messages",
    "llm_interactions",
    "mcp_interactions",
    "chats",
    "chat_user_messages",
    "events",
}


async def test_migrations_create_all_tables(database: Database) -> None:
    async with database.engine.connect() as conn:
        names = await conn.run_sync(lambda c: set(inspect(c).get_table_names()))
    assert names >= TABLES
    assert await current_revision(database) is not None


async def test_upgrade_is_idempotent(database: Database) -> None:
    before = await current_revision(database)
    await upgrade(database)
    assert await current_revision(database) == before


def test_the_shipped_head_is_alembics_head() -> None:
    from alembic.script import ScriptDirectory

    from tarsy.db.migrate import alembic_config

    assert shipped_head() == ScriptDirectory.from_config(alembic_config()).get_current_head()


async def test_a_current_schema_is_recognised_without_alembic(
    database: Database, tmp_path: Path, pg_schema: str
) -> None:
    assert await is_current(database)
    # An empty database (no alembic_version table) is not current, and upgrade creates it.
    empty = (
        connect(pg_url(), schema=pg_schema)
        if database.is_postgres
        else connect(f"sqlite+aiosqlite:///{tmp_path / 'empty.db'}")
    )
    try:
        assert not await is_current(empty)
        await upgrade(empty)
        assert await is_current(empty)
        assert await current_revision(empty) == shipped_head()
    finally:
        await empty.dispose()
