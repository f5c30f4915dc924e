"""The MCP health monitor against real servers: status, cached tools, warnings and recovery."""

from __future__ import annotations

import sys

from tarsy.config.schema_tarsy import McpServerConfig
from tarsy.mcp import McpHealthMonitor
from tests.integration.mcp.conftest import start_http, stdio_config


async def test_reports_healthy_and_unhealthy_servers_with_warnings() -> None:
    broken = McpServerConfig.model_validate(
        {"transport": {"type": "stdio", "command": sys.executable, "args": ["-c", "exit(1)"]}}
    )
    monitor = McpHealthMonitor({"toy": stdio_config(), "broken": broken}, interval=3600)
    await monitor.start()
    try:
        status = {s.id: s for s in monitor.servers()}
        warnings = monitor.warnings()
    finally:
        await monitor.stop()
    assert status["toy"].healthy and status["toy"].error is None
    assert status["toy"].tool_count >= 5
    assert "echo" in {t.name for t in status["toy"].tools}
    assert not status["broken"].healthy and status["broken"].error
    assert status["broken"].last_check is not None
    assert [(w.server_id, w.category) for w in warnings] == [("broken", "mcp_health")]


async def test_warning_clears_when_the_server_recovers() -> None:
    server = start_http("http")
    monitor = McpHealthMonitor({"toy": server.config()}, interval=3600, check_timeout=3)
    try:
        await monitor.start()
        assert monitor.warnings() == []
        server.stop()
        await monitor.check_all()
        down = monitor.server("toy")
        assert down is not None and not down.healthy
        assert [w.server_id for w in monitor.warnings()] == ["toy"]
        server = start_http("http", server.port)
        await monitor.check_all()
        up = monitor.server("toy")
        assert up is not None and up.healthy
        assert monitor.warnings() == []
    finally:
        await monitor.stop()
        server.stop()
