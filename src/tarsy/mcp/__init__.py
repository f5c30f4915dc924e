"""MCP client side (ring 2): transports, sessions, tool listing and calls as a ``Toolset``.

Modules (one job each):

- ``sdk``         the MCP SDK, imported by the first connection in a worker thread.
- ``arguments``   the model's argument text -> JSON object (JSON, YAML, ``k=v``, raw string).
- ``transports``  SDK transport per configured server (stdio, streamable HTTP, SSE); cleanup.
- ``connection``  ``McpConnection``: one client session held by its own task, with reconnect.
- ``toolset``     ``McpToolset``: ``server.tool`` names, per-alert filter, timeout, one retry.
- ``sessions``    ``McpSessions``: open servers per execution or shared; failed servers.
- ``health``      ``McpHealthMonitor``: periodic checks, cached tool lists, warnings.

Contracts: ``McpSessions.open(server_ids, execution_id, tool_filter)`` is an async context
manager yielding ``OpenedServers(toolset, instructions, failed_servers)``; it never raises for a
server that cannot be opened. ``McpToolset`` never raises for a failing tool.
"""

from __future__ import annotations

from tarsy.mcp.arguments import ParsedArguments, parse_arguments
from tarsy.mcp.connection import McpCallError, McpConnection, ServerTool
from tarsy.mcp.health import HealthWarning, McpHealthMonitor, ServerHealth, ToolSummary
from tarsy.mcp.sessions import McpSessions, OpenedServers
from tarsy.mcp.toolset import McpToolset, ToolFilter, canonical_name

__all__ = [
    "HealthWarning",
    "McpCallError",
    "McpConnection",
    "McpHealthMonitor",
    "McpSessions",
    "McpToolset",
    "OpenedServers",
    "ParsedArguments",
    "ServerHealth",
    "ServerTool",
    "ToolFilter",
    "ToolSummary",
    "canonical_name",
    "parse_arguments",
]
