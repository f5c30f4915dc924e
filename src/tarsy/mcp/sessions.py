"""Open the configured MCP servers for one agent execution, honouring ``session_scope``.

``per_execution`` (default): a fresh client session per server per execution, closed (and its
``session_cleanup_url`` called, if that execution used the server) when the execution ends.
``shared``: one long-lived session per server reused by every execution, opened on first use
and closed by ``aclose`` at shutdown. Servers that cannot be opened are reported, not raised.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Coroutine, Mapping, Sequence
from contextlib import asynccontextmanager
from dataclasses import dataclass, field

from tarsy.config.schema_tarsy import McpServerConfig
from tarsy.mcp.connection import McpCallError, McpConnection
from tarsy.mcp.toolset import DEFAULT_TOOL_TIMEOUT, McpToolset, ToolFilter
from tarsy.mcp.transports import cleanup_session

SHARED_SESSION_ID = "shared"


@dataclass(frozen=True, slots=True)
class OpenedServers:
    """What one execution got: its toolset, prompt instructions and servers that failed."""

    toolset: McpToolset
    instructions: Mapping[str, str] = field(default_factory=dict)
    failed_servers: Mapping[str, str] = field(default_factory=dict)


class McpSessions:
    """Opens servers per execution (``open``) and owns the shared-scope sessions (``aclose``)."""

    def __init__(
        self,
        servers: Mapping[str, McpServerConfig],
        *,
        tool_timeout: float = DEFAULT_TOOL_TIMEOUT,
        connect_timeout: float = 30.0,
    ) -> None:
        self._servers = dict(servers)
        self._tool_timeout = tool_timeout
        self._connect_timeout = connect_timeout
        self._shared: dict[str, McpConnection] = {}
        self._shared_lock = asyncio.Lock()

    @asynccontextmanager
    async def open(
        self,
        server_ids: Sequence[str],
        execution_id: str,
        tool_filter: ToolFilter | None = None,
    ) -> AsyncIterator[OpenedServers]:
        """Open ``server_ids`` for ``execution_id``; everything per-execution closes on exit."""
        wanted = list(dict.fromkeys(server_ids))
        failed: dict[str, str] = {}
        known = [s for s in wanted if s in self._servers]
        for server in wanted:
            if server not in self._servers:
                failed[server] = "not configured in mcp_servers"
        own = {
            s: McpConnection(
                s, self._servers[s], execution_id, connect_timeout=self._connect_timeout
            )
            for s in known
            if self._servers[s].session_scope != "shared"
        }
        try:
            results = await asyncio.gather(*(self._connect(s, own.get(s)) for s in known))
        except BaseException:
            await _finish(self._close_owned(list(own.values()), execution_id))
            raise
        connections: dict[str, McpConnection] = {}
        for server, (conn, error) in zip(known, results, strict=True):
            if error is not None:
                failed[server] = error
            elif conn is not None:
                connections[server] = conn
        owned = list(own.values())
        instructions = {s: self._instructions(s, c) for s, c in connections.items()}
        toolset = McpToolset(connections, tool_filter=tool_filter, tool_timeout=self._tool_timeout)
        try:
            yield OpenedServers(toolset, {s: t for s, t in instructions.items() if t}, failed)
        finally:
            await _finish(self._close_owned(owned, execution_id))

    async def aclose(self) -> None:
        """Close the shared-scope sessions (at shutdown)."""
        async with self._shared_lock:
            shared, self._shared = self._shared, {}
        await asyncio.gather(*(c.close() for c in shared.values()))

    async def _connect(
        self, server: str, own: McpConnection | None
    ) -> tuple[McpConnection | None, str | None]:
        """Open ``own`` (per-execution) or the shared session; the reason when it fails."""
        try:
            if own is None:
                return await self._shared_connection(server), None
            await own.open()
        except McpCallError as exc:
            return None, exc.message
        return own, None

    async def _shared_connection(self, server: str) -> McpConnection:
        async with self._shared_lock:
            conn = self._shared.get(server)
            if conn is None:
                conn = McpConnection(
                    server,
                    self._servers[server],
                    SHARED_SESSION_ID,
                    connect_timeout=self._connect_timeout,
                )
                self._shared[server] = conn
        if not conn.is_open:
            await conn.reconnect(conn.generation)
        return conn

    def _instructions(self, server: str, conn: McpConnection) -> str:
        configured = self._servers[server].instructions.strip()
        return configured or conn.server_instructions.strip()

    async def _close_owned(self, owned: list[McpConnection], execution_id: str) -> None:
        await asyncio.gather(*(c.close() for c in owned))
        await asyncio.gather(
            *(cleanup_session(c.config.transport, execution_id) for c in owned if c.used)
        )


async def _finish(closing: Coroutine[object, object, None]) -> None:
    """Run ``closing`` to the end even if we are cancelled meanwhile, then re-raise that.

    Closing is bounded (each session ~10 s, cleanup 15 s); abandoning it would leave server
    processes behind the event loop.
    """
    task = asyncio.ensure_future(closing)
    cancelled = False
    while not task.done():
        try:
            await asyncio.shield(task)
        except asyncio.CancelledError:
            cancelled = True
    if cancelled:
        raise asyncio.CancelledError
