"""The per-execution toolset factory of this build: MCP client sessions by server id.

Each configured MCP server is opened through ``tarsy.mcp.McpSessions`` (one session per server
per execution, or one shared session for ``session_scope: shared``). Tests and embedders may
put an in-process ``Toolset`` in place of a server id; it is used instead of a client.
A server that an execution could not open puts up an ``mcp_unavailable`` system warning, which
the next execution that opens it takes down.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Mapping, Sequence
from contextlib import asynccontextmanager

from tarsy.config import TarsyConfig
from tarsy.domain.tools import Toolset
from tarsy.mcp import McpSessions, ToolFilter
from tarsy.observability.warnings import WarningBoard
from tarsy.pipeline.ports import OpenedTools
from tarsy.pipeline.toolsets import CompositeToolset

UNAVAILABLE = "mcp_unavailable"


class McpToolsets:
    """Implements ``pipeline.ToolsetFactory``; ``aclose`` ends the shared sessions at shutdown."""

    def __init__(
        self,
        config: TarsyConfig,
        in_process: Mapping[str, Toolset] | None = None,
        *,
        tool_timeout: float = 60.0,
        board: WarningBoard,
    ) -> None:
        self._config = config
        self._board = board
        self._in_process = dict(in_process or {})
        servers = {k: v for k, v in config.mcp_servers.items() if k not in self._in_process}
        self._sessions = McpSessions(servers, tool_timeout=tool_timeout)

    @asynccontextmanager
    async def __call__(
        self,
        servers: Sequence[str],
        execution_id: str,
        tool_filter: ToolFilter | None = None,
    ) -> AsyncIterator[OpenedTools]:
        local = [s for s in servers if s in self._in_process]
        remote = [s for s in servers if s not in self._in_process]
        instructions: dict[str, str] = {}
        for server in local:
            cfg = self._config.mcp_servers.get(server)
            if cfg is not None and cfg.instructions:
                instructions[server] = cfg.instructions
        async with self._sessions.open(remote, execution_id, tool_filter) as opened:
            self._report(remote, opened.failed_servers)
            toolsets: list[Toolset] = [self._in_process[s] for s in local]
            toolsets.append(opened.toolset)
            instructions.update(opened.instructions)
            yield OpenedTools(CompositeToolset(toolsets), instructions, opened.failed_servers)

    def _report(self, servers: Sequence[str], failed: Mapping[str, str]) -> None:
        for server in servers:
            error = failed.get(server)
            if error is None:
                self._board.clear(UNAVAILABLE, server)
                continue
            self._board.raise_warning(
                UNAVAILABLE,
                server,
                f"MCP server '{server}' failed to start for an investigation; agents ran "
                "without its tools.",
                error,
            )

    async def aclose(self) -> None:
        await self._sessions.aclose()
