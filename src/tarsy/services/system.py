"""System views for operators: MCP server health, system warnings, a chain's default tools.

``/system/mcp-servers`` reads the health monitor's cache; ``/system/warnings`` the process's
warning board (MCP health and servers that failed to start for an execution);
``/system/default-tools`` resolves which MCP servers and native tools an alert type's chain
uses, which drives the submit form's override picker.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Protocol

from pydantic import BaseModel, ConfigDict

from tarsy.config import TarsyConfig, chain_agents, chain_mcp_servers
from tarsy.mcp import ServerHealth
from tarsy.observability.warnings import WarningBoard
from tarsy.services.alerts import chain_for_alert_type


class ServerHealthSource(Protocol):
    def servers(self) -> list[ServerHealth]: ...


class NoHealthChecks:
    """A ``ServerHealthSource`` for processes that do not check MCP servers (none listed)."""

    def servers(self) -> list[ServerHealth]:
        return []


class ToolView(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    name: str
    description: str


class McpServerView(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: str
    healthy: bool
    last_check: datetime | None
    tool_count: int
    tools: list[ToolView]
    error: str | None


class McpServersResponse(BaseModel):
    servers: list[McpServerView]


class WarningView(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: str
    category: str
    message: str
    details: str
    server_id: str
    created_at: datetime


class WarningsResponse(BaseModel):
    warnings: list[WarningView]


class NativeToolsView(BaseModel):
    google_search: bool
    code_execution: bool
    url_context: bool


class DefaultToolsResponse(BaseModel):
    alert_type: str | None
    mcp_servers: list[str]
    native_tools: NativeToolsView


@dataclass(frozen=True, slots=True)
class SystemService:
    config: TarsyConfig
    health: ServerHealthSource
    board: WarningBoard

    def mcp_servers(self) -> McpServersResponse:
        servers = [McpServerView.model_validate(s) for s in self.health.servers()]
        return McpServersResponse(servers=servers)

    def warnings(self) -> WarningsResponse:
        return WarningsResponse(warnings=[WarningView.model_validate(w) for w in self.board.list()])

    def default_tools(self, alert_type: str | None) -> DefaultToolsResponse:
        """The chain's servers and native tools for ``alert_type``; every server without one."""
        if not alert_type:
            return DefaultToolsResponse(
                alert_type=None,
                mcp_servers=sorted(self.config.mcp_servers),
                native_tools=NativeToolsView(
                    google_search=False, code_execution=False, url_context=False
                ),
            )
        chain_id = chain_for_alert_type(self.config, alert_type)
        agents = chain_agents(self.config, chain_id)
        return DefaultToolsResponse(
            alert_type=alert_type,
            mcp_servers=list(chain_mcp_servers(self.config, chain_id)),
            native_tools=NativeToolsView(
                google_search=any(a.native_tools.google_search for a in agents),
                code_execution=any(a.native_tools.code_execution for a in agents),
                url_context=any(a.native_tools.url_context for a in agents),
            ),
        )
