"""The demo cluster as a real stdio MCP server, opened through the demo configuration."""

from __future__ import annotations

from tarsy.config import load_config
from tarsy.mcp import McpSessions


async def test_demo_cluster_serves_kubectl_like_tools() -> None:
    config = load_config(None)
    sessions = McpSessions(config.mcp_servers)
    async with sessions.open(["kubernetes-server"], "demo-exec") as opened:
        tools = [t.name for t in await opened.toolset.list_tools()]
        pods = await opened.toolset.call_tool("kubernetes-server.pods_list", "{}")
        logs = await opened.toolset.call_tool(
            "kubernetes-server.pods_log", "name=api-7d9f8c6b5-m8w1z previous=true"
        )
        default_log = await opened.toolset.call_tool("kubernetes-server.pods_log", "{}")
        missing = await opened.toolset.call_tool(
            "kubernetes-server.resources_describe", '{"kind": "pod", "name": "ghost"}'
        )
    assert opened.failed_servers == {}
    assert "kubernetes-server" in opened.instructions
    # The scripted demo model prefers tools named after pods, calls two of them with no
    # arguments: both must answer with evidence.
    assert [t for t in tools if "pods" in t] == [
        "kubernetes-server.pods_list",
        "kubernetes-server.pods_log",
    ]
    assert "DATABASE_URL is missing" in default_log.content
    assert "CrashLoopBackOff" in pods.content
    assert "DATABASE_URL" in logs.content
    assert missing.is_error and "not found" in missing.content
