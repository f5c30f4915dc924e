"""Apply the Alembic migrations shipped in ``tarsy/db/migrations`` (run at start-up).

A database already at the shipped head is recognised with one query, without importing
Alembic (about half a second of every start-up otherwise).
"""

from __future__ import annotations

import re
from functools import cache
from pathlib import Path
from typing import TYPE_CHECKING

from sqlalchemy import Connection, text
from sqlalchemy.exc import DBAPIError

from tarsy.db.engine import Database

if TYPE_CHECKING:
    from alembic.config import Config

MIGRATIONS_DIR = Path(__file__).with_name("migrations")
_REVISION = re.compile(
    r"^(down_revision|revision)\s*(?::[^=]*)?=\s*['\"]?([\w-]+|None)['\"]?", re.MULTILINE
)


@cache
def shipped_head() -> str:
    """The newest revision shipped: the one no other revision names as its ``down_revision``."""
    revisions: set[str] = set()
    parents: set[str] = set()
    for path in (MIGRATIONS_DIR / "versions").glob("*.py"):
        for key, value in _REVISION.findall(path.read_text()):
            (revisions if key == "revision" else parents).add(value)
    heads = revisions - parents
    if len(heads) != 1:
        raise RuntimeError(f"the shipped migrations have {len(heads)} heads: {sorted(heads)}")
    return heads.pop()


async def is_current(db: Database) -> bool:
    """Whether the schema is at the shipped head (False when it has no schema at all)."""
    try:
        async with db.engine.connect() as conn:
            version = await conn.scalar(text("SELECT version_num FROM alembic_version"))
    except DBAPIError:
        return False
    return bool(version == shipped_head())


def alembic_config(connection: Connection | None = None) -> Config:
    from alembic.config import Config

    cfg = Config()
    cfg.set_main_option("script_location", str(MIGRATIONS_DIR))
    if connection is not None:
        cfg.attributes["connection"] = connection
    return cfg


MIGRATION_LOCK = 0x7A25_0001
"""PostgreSQL advisory lock held while migrating: replicas that start together take turns."""


async def upgrade(db: Database, revision: str = "head") -> None:
    """Bring the schema of ``db`` up to ``revision``. On PostgreSQL, under a transaction-level
    advisory lock, so that replicas starting at once migrate one after the other (the later
    ones find nothing left to do)."""

    if revision == "head" and await is_current(db):
        return

    def _run(connection: Connection) -> None:
        from alembic import command

        command.upgrade(alembic_config(connection), revision)

    async with db.engine.begin() as conn:
        if db.is_postgres:
            await conn.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": MIGRATION_LOCK})
        await conn.run_sync(_run)


async def current_revision(db: Database) -> str | None:
    def _run(connection: Connection) -> str | None:
        from alembic.runtime.migration import MigrationContext

        return MigrationContext.configure(connection).get_current_revision()

    async with db.engine.connect() as conn:
        return await conn.run_sync(_run)
