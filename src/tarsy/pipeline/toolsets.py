"""Toolset combinators: several toolsets behind one, routed by ``server.`` prefix."""

from __future__ import annotations

from collections.abc import Sequence

from tarsy.domain.tools import ToolDef, ToolResult, Toolset


class CompositeToolset:
    """Implements ``Toolset`` over several; a call goes to the toolset that listed the name."""

    def __init__(self, toolsets: Sequence[Toolset]) -> None:
        self._toolsets = list(toolsets)
        self._owner: dict[str, Toolset] = {}

    async def list_tools(self) -> Sequence[ToolDef]:
        tools: list[ToolDef] = []
        self._owner.clear()
        for toolset in self._toolsets:
            for tool in await toolset.list_tools():
                self._owner.setdefault(tool.name, toolset)
                tools.append(tool)
        return tools

    async def call_tool(self, name: str, arguments: str) -> ToolResult:
        canonical = name if "." in name else name.replace("__", ".", 1)
        owner = self._owner.get(canonical)
        if owner is None:
            known = ", ".join(sorted(self._owner)) or "none"
            return ToolResult(
                f"Error: unknown tool '{name}'. Call one of: {known} (format server.tool).", True
            )
        return await owner.call_tool(canonical, arguments)
