"""``WarningBoard``: warnings go up once per id, keep their first time, and come down."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from tarsy.observability.warnings import WarningBoard


def test_raise_refresh_list_and_clear() -> None:
    now = [datetime(2026, 12, 1, tzinfo=UTC)]

    def clock() -> datetime:
        now[0] += timedelta(seconds=1)
        return now[0]

    board = WarningBoard(clock)
    first = board.raise_warning("mcp_health", "b", "b is down", "refused")
    board.raise_warning("mcp_unavailable", "a", "a failed", "exit 3")
    again = board.raise_warning("mcp_health", "b", "b is down", "timeout")
    assert again.created_at == first.created_at and again.details == "timeout"
    assert [w.id for w in board.list()] == ["mcp_health:b", "mcp_unavailable:a"]
    assert [w.id for w in board.list("mcp_unavailable")] == ["mcp_unavailable:a"]
    assert board.is_up("mcp_health", "b")
    assert board.clear("mcp_health", "b") is True
    assert board.clear("mcp_health", "b") is False
    assert [w.server_id for w in board.list()] == ["a"]
