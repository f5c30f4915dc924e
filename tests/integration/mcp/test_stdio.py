"""MCP client over stdio against the toy server: listing, calls, env, faults, override filter."""

from __future__ import annotations

import asyncio
import os
import signal
import sys
import time
from pathlib import Path

import pytest

from tarsy.config.schema_tarsy import McpServerConfig
from tarsy.domain.tools import ToolResult
from tarsy.mcp import McpSessions
from tests.integration.mcp.conftest import stdio_config


async def test_lists_tools_as_server_dot_tool_with_schema_and_instructions() -> None:
    sessions = McpSessions({"toy": stdio_config()})
    async with sessions.open(["toy"], "exec-1") as opened:
        tools = {t.name: t for t in await opened.toolset.list_tools()}
        assert opened.failed_servers == {}
        assert opened.instructions == {"toy": "Toy server: echo things back."}
    assert {"toy.echo", "toy.add", "toy.hang", "toy.crash"} <= set(tools)
    add = tools["toy.add"]
    assert add.server == "toy" and add.tool == "add"
    assert add.parameters["required"] == ["a", "b"]


async def test_calls_with_each_argument_form() -> None:
    async with McpSessions({"toy": stdio_config()}).open(["toy"], "e") as opened:
        call = opened.toolset.call_tool
        assert (await call("toy.add", '{"a": 2, "b": 3}')).content == "5"
        assert (await call("toy__add", "a: 4\nb: 5")).content == "9"
        assert (await call("toy.add", "a=1, b=1")).content == "2"
        assert (await call("toy.echo", "just some words")).content == "just some words"
        bad = await call("toy.add", '{"a": "x"}')
    assert bad.is_error and "add" in bad.content


async def test_stdio_env_is_passed_but_our_environment_is_not() -> None:
    os.environ["TARSY_TEST_SECRET_OF_PARENT"] = "leak"
    config = stdio_config(env={"KUBECONFIG": "/tmp/kc"})
    try:
        async with McpSessions({"toy": config}).open(["toy"], "e") as opened:
            passed = await opened.toolset.call_tool("toy.env", '{"name": "KUBECONFIG"}')
            hidden = await opened.toolset.call_tool("toy.env", "TARSY_TEST_SECRET_OF_PARENT")
    finally:
        del os.environ["TARSY_TEST_SECRET_OF_PARENT"]
    assert passed.content == "/tmp/kc"
    assert hidden.content == "<unset>"


async def test_server_that_fails_to_start_is_reported_with_its_stderr() -> None:
    broken = McpServerConfig.model_validate(
        {
            "transport": {
                "type": "stdio",
                "command": sys.executable,
                "args": ["-c", "import sys; sys.stderr.write('no kubeconfig found'); sys.exit(2)"],
            }
        }
    )
    missing = McpServerConfig.model_validate(
        {"transport": {"type": "stdio", "command": "/nonexistent/tarsy-mcp-server"}}
    )
    sessions = McpSessions({"toy": stdio_config(), "broken": broken, "missing": missing})
    async with sessions.open(["toy", "broken", "missing", "unknown"], "e") as opened:
        names = {t.name for t in await opened.toolset.list_tools()}
        failed = dict(opened.failed_servers)
    assert set(failed) == {"broken", "missing", "unknown"}
    assert "no kubeconfig found" in failed["broken"]
    assert "tarsy-mcp-server" in failed["missing"]
    assert "not configured" in failed["unknown"]
    assert names and all(n.startswith("toy.") for n in names)


async def test_hanging_tool_times_out_within_the_configured_time() -> None:
    sessions = McpSessions({"toy": stdio_config()}, tool_timeout=1.0)
    async with sessions.open(["toy"], "e") as opened:
        started = time.monotonic()
        result = await opened.toolset.call_tool("toy.hang", "{}")
        elapsed = time.monotonic() - started
        after = await opened.toolset.call_tool("toy.echo", '{"text": "still here"}')
    assert result.is_error and "1 s" in result.content and "too long" in result.content
    assert 0.9 <= elapsed < 3
    assert after.content == "still here"


async def test_server_killed_mid_call_gives_error_then_next_call_reconnects() -> None:
    sessions = McpSessions({"toy": stdio_config()})
    async with sessions.open(["toy"], "e") as opened:
        crashed = await opened.toolset.call_tool("toy.crash", "{}")
        assert crashed.is_error and "unreachable even after reconnecting" in crashed.content
        again = await opened.toolset.call_tool("toy.echo", '{"text": "back"}')
    assert again == ToolResult("back")


async def test_killed_server_is_replaced_transparently_by_the_one_retry() -> None:
    async with McpSessions({"toy": stdio_config()}).open(["toy"], "e") as opened:
        pid = int((await opened.toolset.call_tool("toy.pid", "{}")).content)
        call = asyncio.create_task(opened.toolset.call_tool("toy.hang", '{"seconds": 0.5}'))
        await asyncio.sleep(0.2)
        os.kill(pid, signal.SIGKILL)
        result = await call
        new_pid = int((await opened.toolset.call_tool("toy.pid", "{}")).content)
    assert result.content == "slept 0.5" and not result.is_error
    assert new_pid != pid


async def test_per_alert_tool_filter_hides_and_refuses_other_tools() -> None:
    sessions = McpSessions({"toy": stdio_config()})
    async with sessions.open(["toy"], "e", {"toy": frozenset({"echo"})}) as opened:
        names = [t.name for t in await opened.toolset.list_tools()]
        refused = await opened.toolset.call_tool("toy.add", '{"a": 1, "b": 2}')
        unknown = await opened.toolset.call_tool("other.tool", "{}")
        malformed = await opened.toolset.call_tool("echo", "{}")
    assert names == ["toy.echo"]
    assert refused.is_error and "not enabled" in refused.content and "toy.echo" in refused.content
    assert unknown.is_error and "available: toy.echo" in unknown.content
    assert malformed.is_error and "server.tool" in malformed.content


async def test_shared_scope_reuses_one_session_across_executions() -> None:
    shared = stdio_config().model_copy(update={"session_scope": "shared"})
    sessions = McpSessions({"toy": shared})
    try:
        async with sessions.open(["toy"], "e1") as first:
            pid1 = (await first.toolset.call_tool("toy.pid", "{}")).content
        async with sessions.open(["toy"], "e2") as second:
            pid2 = (await second.toolset.call_tool("toy.pid", "{}")).content
    finally:
        await sessions.aclose()
    assert pid1 == pid2


async def test_per_execution_scope_starts_a_session_per_execution() -> None:
    sessions = McpSessions({"toy": stdio_config()})
    pids = []
    for execution in ("e1", "e2"):
        async with sessions.open(["toy"], execution) as opened:
            pids.append((await opened.toolset.call_tool("toy.pid", "{}")).content)
    assert pids[0] != pids[1]


async def test_cancelled_while_opening_leaves_no_server_running(tmp_path: Path) -> None:
    pid_file = tmp_path / "pid"
    script = "import os, sys, time; open(sys.argv[1], 'w').write(str(os.getpid())); time.sleep(60)"
    slow = McpServerConfig.model_validate(
        {
            "transport": {
                "type": "stdio",
                "command": sys.executable,
                "args": ["-c", script, str(pid_file)],
            }
        }
    )
    sessions = McpSessions({"slow": slow}, connect_timeout=30)

    async def run() -> None:
        async with sessions.open(["slow"], "e"):
            pass

    task = asyncio.create_task(run())
    for _ in range(200):  # the server process is up once it has written its pid
        if pid_file.exists() and pid_file.read_text():
            break
        await asyncio.sleep(0.05)
    task.cancel()
    started = time.monotonic()
    await asyncio.gather(task, return_exceptions=True)
    assert task.cancelled()
    assert time.monotonic() - started < 5
    with pytest.raises(ProcessLookupError):
        os.kill(int(pid_file.read_text()), 0)
