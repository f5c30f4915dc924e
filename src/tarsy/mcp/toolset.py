"""``McpToolset``: the tools of one execution's MCP servers as a ``Toolset`` (``server.tool``).

It applies the per-alert override (which servers, and optionally which tools of each), parses
the model's argument text, calls with a per-tool timeout and retries once, on a fresh session,
after a connection error. Every failure comes back as an instructive error ``ToolResult``.
"""

from __future__ import annotations

import asyncio
import random
from collections.abc import Mapping, Sequence

from tarsy.domain.tools import JsonValue, ToolDef, ToolResult
from tarsy.mcp.arguments import parse_arguments
from tarsy.mcp.connection import McpCallError, McpConnection, ServerTool

DEFAULT_TOOL_TIMEOUT = 60.0
RETRY_DELAY = (0.25, 0.75)

ToolFilter = Mapping[str, frozenset[str]]
"""Per server id, the tools the per-alert override allows; a server absent or empty: all."""


def canonical_name(name: str) -> str:
    """``server.tool`` from ``server.tool`` or the provider-safe ``server__tool``."""
    name = name.strip()
    if "." not in name and "__" in name:
        return name.replace("__", ".", 1)
    return name


class McpToolset:
    """Implements ``Toolset`` over open ``McpConnection`` objects keyed by server id."""

    def __init__(
        self,
        connections: Mapping[str, McpConnection],
        *,
        tool_filter: ToolFilter | None = None,
        tool_timeout: float = DEFAULT_TOOL_TIMEOUT,
        retry_delay: tuple[float, float] = RETRY_DELAY,
    ) -> None:
        self._connections = dict(connections)
        self._filter = dict(tool_filter or {})
        self._timeout = tool_timeout
        self._retry_delay = retry_delay

    def allowed(self, server: str, tool: str) -> bool:
        allow = self._filter.get(server)
        return not allow or tool in allow

    async def list_tools(self) -> Sequence[ToolDef]:
        return [
            ToolDef(f"{server}.{tool.name}", tool.description, tool.input_schema)
            for server, conn in self._connections.items()
            for tool in conn.tools
            if self.allowed(server, tool.name)
        ]

    async def call_tool(self, name: str, arguments: str) -> ToolResult:
        canonical = canonical_name(name)
        server, _, tool_name = canonical.partition(".")
        conn = self._connections.get(server)
        if not tool_name or conn is None:
            return self._unknown(name)
        tool = next((t for t in conn.tools if t.name == tool_name), None)
        if tool is None:
            return self._unknown(name)
        if not self.allowed(server, tool_name):
            allowed = ", ".join(f"{server}.{t}" for t in sorted(self._filter[server]))
            return ToolResult(
                f"Error: tool '{canonical}' is not enabled for this investigation (the alert "
                f"restricts server '{server}' to: {allowed}). Use one of those tools instead.",
                True,
            )
        parsed = parse_arguments(arguments, tool.input_schema)
        if parsed.arguments is None:
            return ToolResult(parsed.error or "Error: invalid arguments", True)
        return await self._call(conn, tool, parsed.arguments, canonical)

    async def _call(
        self,
        conn: McpConnection,
        tool: ServerTool,
        arguments: dict[str, JsonValue],
        canonical: str,
    ) -> ToolResult:
        generation = conn.generation
        try:
            outcome = await conn.call_tool(tool.name, arguments, self._timeout)
        except McpCallError as first:
            if first.kind != "connection":
                return _failure(canonical, first)
            await asyncio.sleep(random.uniform(*self._retry_delay))
            try:
                await conn.reconnect(generation)
                outcome = await conn.call_tool(tool.name, arguments, self._timeout)
            except McpCallError as second:
                return _failure(canonical, second, retried=True)
        if outcome.is_error:
            text = outcome.text.strip() or "the tool reported an error without details"
            if not text.lower().startswith("error"):
                text = f"Error executing tool {canonical}: {text}"
            return ToolResult(text, True)
        return ToolResult(outcome.text)

    def _unknown(self, name: str) -> ToolResult:
        known = [
            f"{server}.{tool.name}"
            for server, conn in self._connections.items()
            for tool in conn.tools
            if self.allowed(server, tool.name)
        ]
        listing = ", ".join(sorted(known)) or "none"
        return ToolResult(
            f"Error: unknown tool '{name}'. Tool names have the form server.tool; "
            f"available: {listing}",
            True,
        )


def _failure(canonical: str, error: McpCallError, *, retried: bool = False) -> ToolResult:
    server = canonical.split(".", 1)[0]
    match error.kind:
        case "timeout":
            hint = "The tool took too long. Narrow the request (namespace, name, time range)."
        case "connection":
            again = " even after reconnecting" if retried else ""
            hint = f"The MCP server '{server}' is unreachable{again}; do not rely on its tools."
        case "protocol":
            hint = "The server rejected the request; check the tool name and arguments."
        case "unknown":
            hint = "Unexpected failure; try another tool or continue without this data."
    return ToolResult(f"Error executing tool {canonical}: {error.message}. {hint}", True)
