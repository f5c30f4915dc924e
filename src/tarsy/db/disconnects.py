"""Telling a lost database connection from every other database error.

A write transaction that failed because the database could not be reached, or because the
connection dropped before the commit was sent, wrote nothing and may be tried again; a
constraint violation or a syntax error may not. ``is_disconnect`` looks through the whole
exception chain, since SQLAlchemy, its asyncpg adapter and asyncpg each wrap the one below.
"""

from __future__ import annotations

from sqlalchemy.exc import DBAPIError

# SQLSTATE class 08 (connection exception) and the operator-intervention codes a server sends
# when it stops or restarts: admin_shutdown, crash_shutdown, cannot_connect_now.
_SHUTDOWN_STATES = frozenset({"57P01", "57P02", "57P03"})


def is_disconnect(exc: BaseException) -> bool:
    """Whether ``exc`` says the database was unreachable or the connection was lost."""
    seen: set[int] = set()
    current: BaseException | None = exc
    while current is not None and id(current) not in seen:
        seen.add(id(current))
        if isinstance(current, OSError):  # refused, reset, unreachable, connect timeout
            return True
        if isinstance(current, DBAPIError) and current.connection_invalidated:
            return True
        state = getattr(current, "sqlstate", None)
        if isinstance(state, str) and (state.startswith("08") or state in _SHUTDOWN_STATES):
            return True
        current = current.__cause__ or current.__context__
    return False
