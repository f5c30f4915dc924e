"""What the pipeline needs from the outside, wired by the composition root."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from contextlib import AbstractAsyncContextManager
from dataclasses import dataclass, field
from typing import Protocol

from tarsy.agent.prompts import SubAgentInfo
from tarsy.config import ResolvedAgentConfig
from tarsy.domain.tools import Toolset
from tarsy.llm.fallback import OnFallback, ignore_fallback
from tarsy.llm.model import Model


@dataclass(frozen=True, slots=True)
class ModelHooks:
    """Per-execution needs of the model: where provider switches are reported, and whether the
    execution is a single call (synthesis, executive summary: fallback after one failure)."""

    on_fallback: OnFallback = ignore_fallback
    single_shot: bool = False


class ModelFactory(Protocol):
    def __call__(self, agent: ResolvedAgentConfig, hooks: ModelHooks) -> Model:
        """The model for one execution; raises ``TarsyError`` when it cannot be built."""
        ...


@dataclass(frozen=True, slots=True)
class OpenedTools:
    """The tools of one execution plus what could not be opened (shown in the prompt), and
    the sub-agents it may dispatch."""

    toolset: Toolset
    instructions: Mapping[str, str] = field(default_factory=dict)
    failed_servers: Mapping[str, str] = field(default_factory=dict)
    sub_agents: tuple[SubAgentInfo, ...] = ()


class ToolsetFactory(Protocol):
    def __call__(
        self,
        servers: Sequence[str],
        execution_id: str,
        tool_filter: Mapping[str, frozenset[str]] | None = None,
    ) -> AbstractAsyncContextManager[OpenedTools]:
        """Open the given MCP servers for one execution; closed when the execution ends.

        ``tool_filter`` (from the alert's ``mcp`` override) limits a server to the named tools.
        """
        ...
