"""Migrations apply on SQLite and PostgreSQL and create every table of the data model."""

from __future__ import annotations

from sqlalchemy import inspect

from tarsy.db.engine import Database
from tarsy.db.migrate import current_revision, upgrade

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
