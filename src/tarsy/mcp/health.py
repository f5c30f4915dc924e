"""``McpHealthMonitor``: checks every MCP server periodically, caches status, tools and warnings.

It keeps one long-lived session per server, independent of the executions' sessions. Each round
lists the tools with a short timeout; on failure it recreates the session and tries once more.
An unhealthy server raises a warning that clears by itself when the server recovers.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime

from tarsy.config.schema_tarsy import McpServerConfig
from tarsy.mcp.connection import McpCallError, McpConnection
from tarsy.observability.warnings import SystemWarning, WarningBoard

log = logging.getLogger(__name__)

HEALTH_SESSION_ID = "health-check"
WARNING_CATEGORY = "mcp_health"


@dataclass(frozen=True, slots=True)
class ToolSummary:
    name: str
    description: str


@dataclass(frozen=True, slots=True)
class ServerHealth:
    """The last known state of one server (``last_check`` is None before the first check)."""

    id: str
    healthy: bool
    last_check: datetime | None
    tools: tuple[ToolSummary, ...]
    error: str | None

    @property
    def tool_count(self) -> int:
        return len(self.tools)


HealthWarning = SystemWarning
"""A system warning about an unhealthy server (``/system/warnings`` item)."""


class McpHealthMonitor:
    """Checks the servers every ``interval`` seconds between ``start`` and ``stop``."""

    def __init__(
        self,
        servers: Mapping[str, McpServerConfig],
        *,
        interval: float = 15.0,
        check_timeout: float = 5.0,
        clock: Callable[[], datetime] = lambda: datetime.now(UTC),
        board: WarningBoard | None = None,
    ) -> None:
        self._interval = interval
        self._timeout = check_timeout
        self._clock = clock
        self._connections = {
            server: McpConnection(server, config, HEALTH_SESSION_ID, connect_timeout=check_timeout)
            for server, config in servers.items()
        }
        self._status: dict[str, ServerHealth] = {
            server: ServerHealth(server, False, None, (), "not checked yet") for server in servers
        }
        self._board = board if board is not None else WarningBoard(clock)
        self._task: asyncio.Task[None] | None = None

    async def start(self, *, wait: bool = True) -> None:
        """Check every server once (failures only warn), then keep checking in the background.

        With ``wait=False`` the first check runs in the background too, so start-up is not held
        up by a slow server.
        """
        if wait:
            await self.check_all()
        self._task = asyncio.create_task(self._loop(first=not wait), name="mcp-health")

    async def stop(self) -> None:
        task, self._task = self._task, None
        if task is not None:
            task.cancel()
            await asyncio.gather(task, return_exceptions=True)
        await asyncio.gather(*(c.close() for c in self._connections.values()))

    async def check_all(self) -> None:
        await asyncio.gather(*(self._check(server) for server in self._connections))

    def servers(self) -> list[ServerHealth]:
        """Every configured server's cached status, by server id."""
        return [self._status[s] for s in sorted(self._status)]

    def server(self, server_id: str) -> ServerHealth | None:
        return self._status.get(server_id)

    def warnings(self) -> list[HealthWarning]:
        """Warnings of the servers that are unhealthy now, oldest first."""
        return self._board.list(WARNING_CATEGORY)

    async def _loop(self, *, first: bool) -> None:
        if first:
            await self.check_all()
        while True:
            await asyncio.sleep(self._interval)
            await self.check_all()

    async def _check(self, server: str) -> None:
        conn = self._connections[server]
        error: str | None = None
        try:
            if conn.is_open:
                try:
                    await conn.list_tools(self._timeout)
                except McpCallError:
                    await conn.reconnect(conn.generation)
            else:
                await conn.reconnect(conn.generation)
        except McpCallError as exc:
            error = exc.message
        now = self._clock()
        tools = tuple(ToolSummary(t.name, t.description) for t in conn.tools) if not error else ()
        self._status[server] = ServerHealth(server, error is None, now, tools, error)
        if error is None:
            if self._board.clear(WARNING_CATEGORY, server):
                log.info("MCP server %s is healthy again", server)
            return
        if not self._board.is_up(WARNING_CATEGORY, server):
            log.warning("MCP server %s is unhealthy: %s", server, error)
        self._board.raise_warning(
            WARNING_CATEGORY,
            server,
            f"MCP server '{server}' is unreachable; its tools are unavailable.",
            error,
        )
