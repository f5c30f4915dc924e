"""Alembic environment: runs on the connection TARSy hands over (see tarsy.db.migrate)."""

from __future__ import annotations

from alembic import context

from tarsy.db.tables import Base

connection = context.config.attributes.get("connection")
if connection is None:  # pragma: no cover - only through tarsy.db.migrate
    raise RuntimeError("run migrations through `tarsy migrate`")
context.configure(
    connection=connection,
    target_metadata=Base.metadata,
    render_as_batch=connection.dialect.name == "sqlite",
)
with context.begin_transaction():
    context.run_migrations()
