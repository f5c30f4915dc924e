"""MCP client over streamable HTTP and SSE against the toy server on a random local port."""

from __future__ import annotations

import json
import time

import httpx2

from tarsy.mcp import McpSessions
from tests.integration.mcp.conftest import HttpServer, start_http


async def test_lists_and_calls(http_server: HttpServer) -> None:
    async with McpSessions({"toy": http_server.config()}).open(["toy"], "e") as opened:
        names = {t.name for t in await opened.toolset.list_tools()}
        result = await opened.toolset.call_tool("toy.add", '{"a": 20, "b": 22}')
    assert opened.failed_servers == {}
    assert "toy.echo" in names
    assert result.content == "42"


async def test_bearer_token_and_custom_headers_with_session_id(http_server: HttpServer) -> None:
    config = http_server.config(
        bearer_token="t0ken",
        custom_headers={"X-Sandbox": "sandbox-{{.SESSION_ID}}"},
        verify_ssl=False,
        timeout=5,
    )
    async with McpSessions({"toy": config}).open(["toy"], "exec-42") as opened:
        seen = json.loads((await opened.toolset.call_tool("toy.headers", "{}")).content)
    assert seen["authorization"] == "Bearer t0ken"
    assert seen["x-sandbox"] == "sandbox-exec-42"


async def test_hanging_tool_times_out(http_server: HttpServer) -> None:
    sessions = McpSessions({"toy": http_server.config()}, tool_timeout=1.0)
    async with sessions.open(["toy"], "e") as opened:
        started = time.monotonic()
        result = await opened.toolset.call_tool("toy.hang", "{}")
        elapsed = time.monotonic() - started
        after = await opened.toolset.call_tool("toy.echo", "ok")
    assert result.is_error and "too long" in result.content
    assert elapsed < 3
    assert after.content == "ok"


async def test_unreachable_server_is_reported_as_failed() -> None:
    server = start_http("http")
    config = server.config()
    server.stop()
    async with McpSessions({"toy": config}, connect_timeout=5).open(["toy"], "e") as opened:
        assert list(opened.failed_servers) == ["toy"]
        assert await opened.toolset.list_tools() == []


async def test_restarted_server_is_reconnected_on_the_next_call() -> None:
    server = start_http("http")
    try:
        async with McpSessions({"toy": server.config()}).open(["toy"], "e") as opened:
            assert (await opened.toolset.call_tool("toy.echo", "one")).content == "one"
            server.stop()
            down = await opened.toolset.call_tool("toy.echo", "two")
            server = start_http("http", server.port)
            up = await opened.toolset.call_tool("toy.echo", "three")
    finally:
        server.stop()
    assert down.is_error and "unreachable" in down.content
    assert up.content == "three"


async def test_session_cleanup_url_is_deleted_only_when_the_server_was_used(
    streamable_server: HttpServer,
) -> None:
    config = streamable_server.config(
        session_cleanup_url=f"{streamable_server.base}/cleanup/{{{{.SESSION_ID}}}}"
    )
    sessions = McpSessions({"toy": config})
    async with sessions.open(["toy"], "unused-exec"):
        pass
    async with sessions.open(["toy"], "used-exec") as opened:
        await opened.toolset.call_tool("toy.echo", "hi")
    async with httpx2.AsyncClient() as client:
        cleanups = (await client.get(f"{streamable_server.base}/cleanups")).json()
    assert cleanups == ["used-exec"]
