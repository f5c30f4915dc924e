"""``is_disconnect``: a lost or refused connection, anywhere in the exception chain, and nothing
else (a constraint violation must never be written again)."""

from __future__ import annotations

import pytest
from sqlalchemy.exc import IntegrityError, InterfaceError, OperationalError

from tarsy.db.disconnects import is_disconnect


class PgError(Exception):
    """What asyncpg raises: an error carrying the server's SQLSTATE."""

    def __init__(self, sqlstate: str) -> None:
        super().__init__(f"SQLSTATE {sqlstate}")
        self.sqlstate = sqlstate


def wrapped(inner: BaseException) -> OperationalError:
    """As SQLAlchemy's asyncpg adapter re-raises: the driver error as the cause."""
    outer = OperationalError("UPDATE alert_sessions ...", {}, Exception("adapted"))
    outer.__cause__ = inner
    return outer


@pytest.mark.parametrize(
    "error",
    [
        ConnectionRefusedError(111, "Connect call failed ('127.0.0.1', 5432)"),
        ConnectionResetError(104, "Connection reset by peer"),
        InterfaceError("COMMIT", {}, Exception("connection closed"), connection_invalidated=True),
        wrapped(PgError("57P01")),  # terminating connection due to administrator command
        wrapped(PgError("57P03")),  # the database system is starting up
        wrapped(PgError("08006")),  # connection failure
    ],
    ids=["refused", "reset", "invalidated", "admin-shutdown", "starting-up", "class-08"],
)
def test_lost_connections_are_disconnects(error: BaseException) -> None:
    assert is_disconnect(error)


@pytest.mark.parametrize(
    "error",
    [
        IntegrityError("INSERT ...", {}, Exception("duplicate key value")),
        wrapped(PgError("23505")),  # unique_violation
        wrapped(PgError("40P01")),  # deadlock_detected
        OperationalError("UPDATE ...", {}, Exception("database is locked")),
        ValueError("not a database error"),
    ],
    ids=["integrity", "unique-violation", "deadlock", "sqlite-locked", "other"],
)
def test_other_errors_are_not(error: BaseException) -> None:
    assert not is_disconnect(error)


def test_a_cyclic_exception_chain_ends() -> None:
    first, second = ValueError("a"), KeyError("b")
    first.__context__, second.__context__ = second, first
    assert not is_disconnect(first)
