"""``app.toolsets.McpToolsets``: the pipeline's ToolsetFactory over real MCP servers."""

from __future__ import annotations

from tarsy.app.toolsets import McpToolsets
from tarsy.config import load_config
from tarsy.domain.tools import StaticToolset, ToolDef
from tarsy.observability.warnings import WarningBoard


async def test_opens_demo_cluster_and_in_process_toolsets_together() -> None:
    config = load_config(None)
    local = StaticToolset([(ToolDef("notes.read", "Read notes"), "nothing new")])
    factory = McpToolsets(config, {"notes": local}, board=WarningBoard())
    try:
        async with factory(["kubernetes-server", "notes", "ghost"], "exec-1") as opened:
            names = [t.name for t in await opened.toolset.list_tools()]
            note = await opened.toolset.call_tool("notes.read", "{}")
            pods = await opened.toolset.call_tool("kubernetes-server__pods_list", "{}")
    finally:
        await factory.aclose()
    assert "notes.read" in names and "kubernetes-server.pods_list" in names
    assert note.content == "nothing new"
    assert "CrashLoopBackOff" in pods.content
    assert set(opened.failed_servers) == {"ghost"}
    assert "kubernetes-server" in opened.instructions


async def test_tool_filter_applies_to_the_mcp_servers() -> None:
    factory = McpToolsets(load_config(None), board=WarningBoard())
    allow = {"kubernetes-server": frozenset({"events_list"})}
    async with factory(["kubernetes-server"], "exec-2", allow) as opened:
        names = [t.name for t in await opened.toolset.list_tools()]
        refused = await opened.toolset.call_tool("kubernetes-server.pods_list", "{}")
    assert names == ["kubernetes-server.events_list"]
    # The composite routes listed names only; it names the allowed tool.
    assert refused.is_error and "kubernetes-server.events_list" in refused.content
