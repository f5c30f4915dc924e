"""The per-execution toolset factory of this build: in-process toolsets by server id.

MCP clients arrive with the MCP issue; until then a configured server that has no in-process
toolset is reported to the agent (and on the timeline) as unavailable, never silently dropped.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Mapping, Sequence
from contextlib import asynccontextmanager

from tarsy.config import TarsyConfig
from tarsy.domain.tools import Toolset
from tarsy.pipeline.ports import OpenedTools
from tarsy.pipeline.toolsets import CompositeToolset


class InProcessToolsets:
    """Implements ``pipeline.ToolsetFactory`` from a map of server id to Toolset."""

    def __init__(self, config: TarsyConfig, toolsets: Mapping[str, Toolset]) -> None:
        self._config = config
        self._toolsets = dict(toolsets)

    @asynccontextmanager
    async def __call__(
        self, servers: Sequence[str], execution_id: str
    ) -> AsyncIterator[OpenedTools]:
        opened: list[Toolset] = []
        instructions: dict[str, str] = {}
        failed: dict[str, str] = {}
        for server in servers:
            cfg = self._config.mcp_servers.get(server)
            if cfg is not None and cfg.instructions:
                instructions[server] = cfg.instructions
            toolset = self._toolsets.get(server)
            if toolset is not None:
                opened.append(toolset)
            else:
                transport = cfg.transport.type if cfg else "unknown"
                failed[server] = f"no client for MCP transport {transport!r} in this build of TARSy"
        yield OpenedTools(CompositeToolset(opened), instructions, failed)
