"""The per-execution toolset factory of this build: MCP client sessions by server id.

Each configured MCP server is opened through ``tarsy.mcp.McpSessions`` (one session per server
per execution, or one shared session for ``session_scope: shared``). Tests and embedders may
put an in-process ``Toolset`` in place of a server id; it is used instead of a client.
A server that an execution could not open puts up an ``mcp_unavailable`` system warning, which
the next execution that opens it takes down. Every server's results, in-process ones included,
pass through a ``MaskedToolset`` with that server's ``data_masking`` first, before anything else
(the summarizer, the recorder, the model) sees them.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Mapping, Sequence
from contextlib import asynccontextmanager

from tarsy.config import TarsyConfig
from tarsy.config.schema_tarsy import McpServerConfig
from tarsy.domain.tools import Toolset
from tarsy.masking import NULL_MASKER, CustomRule, MaskedToolset, Masker, MaskingRules, build_masker
from tarsy.mcp import McpSessions, ToolFilter
from tarsy.observability.warnings import WarningBoard
from tarsy.pipeline.ports import OpenedTools
from tarsy.pipeline.toolsets import CompositeToolset

UNAVAILABLE = "mcp_unavailable"


def server_masker(server: McpServerConfig) -> Masker:
    """The masker of one server's ``data_masking`` (``NULL_MASKER`` when off or absent)."""
    masking = server.data_masking
    if masking is None or not masking.enabled:
        return NULL_MASKER
    custom = tuple(
        CustomRule(c.pattern, c.replacement, c.description or "") for c in masking.custom_patterns
    )
    return build_masker(MaskingRules(masking.pattern_groups, masking.patterns, custom))


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
        self._maskers = {s: server_masker(c) for s, c in config.mcp_servers.items()}
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
            toolsets: list[Toolset] = [self._masked_local(s) for s in local]
            toolsets.append(MaskedToolset(opened.toolset, by_server=self._maskers))
            instructions.update(opened.instructions)
            yield OpenedTools(CompositeToolset(toolsets), instructions, opened.failed_servers)

    def _masked_local(self, server: str) -> Toolset:
        return MaskedToolset(self._in_process[server], self._maskers.get(server, NULL_MASKER))

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
