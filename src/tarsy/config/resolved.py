"""Result types of resolution: what one agent execution gets from configuration, merged."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta
from typing import Literal

from tarsy.config.schema_common import FallbackEntry, LlmBackend, SubAgentRef
from tarsy.config.schema_providers import ProviderConfig

ResolvedKind = Literal["investigation", "synthesis", "exec_summary", "scoring", "action"]


@dataclass(frozen=True, slots=True)
class NativeToolSettings:
    google_search: bool = False
    code_execution: bool = False
    url_context: bool = False

    @property
    def any_enabled(self) -> bool:
        return self.google_search or self.code_execution or self.url_context


@dataclass(frozen=True, slots=True)
class OrchestratorLimits:
    max_concurrent_agents: int = 5
    agent_timeout: timedelta = timedelta(seconds=420)
    max_budget: timedelta = timedelta(seconds=900)


@dataclass(frozen=True, slots=True)
class ResolvedAgentConfig:
    """Everything one agent execution needs from configuration, already merged."""

    agent_name: str
    agent_type: ResolvedKind
    description: str
    custom_instructions: str
    llm_provider: str
    provider: ProviderConfig
    llm_backend: LlmBackend
    max_iterations: int
    mcp_servers: tuple[str, ...]
    native_tools: NativeToolSettings
    fallback_providers: tuple[FallbackEntry, ...]
    sub_agents: tuple[SubAgentRef, ...]
    skills: tuple[str, ...] | None
    required_skills: tuple[str, ...]
    orchestrator: OrchestratorLimits


@dataclass(frozen=True, slots=True)
class StageExecutionSpec:
    """One execution of a stage: display name (``Name-2`` for replicas) and agent entry index."""

    name: str
    agent_index: int


@dataclass(frozen=True, slots=True)
class ResolvedSummarization:
    """How tool results of one MCP server are summarized for a given calling agent."""

    enabled: bool
    size_threshold_tokens: int
    summary_max_token_limit: int
    llm_provider: str
    provider: ProviderConfig
    llm_backend: LlmBackend
