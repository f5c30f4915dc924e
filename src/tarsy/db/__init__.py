"""Persistence (ring 2): SQLAlchemy tables, Alembic migrations and one repository per aggregate.

Modules:
- ``tables``   -- typed ORM tables of SPEC §1.1–1.9 plus our session-wide timeline counter.
- ``engine``   -- ``connect(url) -> Database`` for SQLite (WAL) and PostgreSQL (asyncpg).
- ``migrate``  -- applies ``migrations/`` at start-up and from ``tarsy migrate``.
- ``clock``    -- ``utcnow()``; the one place repositories read the time.
- ``repos.sessions``  -- create, read, cancel, progress and finalisation of alert sessions.
- ``repos.queue``     -- the database as the work queue: claims, heartbeats, orphans, depth.
- ``repos.runs``      -- stages and agent executions.
- ``repos.timeline``  -- timeline events with a session-wide sequence.
- ``repos.trace``     -- messages, LLM and MCP interactions.
- ``repos.outbox``    -- the events outbox (implements ``tarsy.events.Outbox``).
- ``repos.queries``   -- read models for the sessions API (list, filters, detail, summary).

Every repository takes a ``Database`` and runs each public method in its own transaction;
callers never see an open transaction.
"""
