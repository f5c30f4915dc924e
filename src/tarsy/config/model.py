"""``TarsyConfig``: the validated, frozen configuration, plus ``Skill`` and ``ConfigWarning``."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from types import MappingProxyType
from typing import TypeVar

from tarsy.config.schema_providers import ProviderConfig
from tarsy.config.schema_tarsy import (
    AgentConfig,
    ChainConfig,
    DefaultsConfig,
    McpServerConfig,
    QueueConfig,
    SystemConfig,
)
from tarsy.domain.errors import ConfigError


@dataclass(frozen=True, slots=True)
class Skill:
    """Domain knowledge an agent can receive (required) or load on demand."""

    name: str
    description: str
    body: str
    source: str  # path relative to the config directory, e.g. ``skills/k8s/SKILL.md``


@dataclass(frozen=True, slots=True)
class ConfigWarning:
    """Valid but suspicious configuration; located like a ``ConfigError``."""

    message: str
    file: str | None = None
    key_path: str | None = None
    line: int | None = None

    def __str__(self) -> str:
        where = []
        if self.file:
            where.append(self.file if self.line is None else f"{self.file}:{self.line}")
        if self.key_path:
            where.append(self.key_path)
        return f"{': '.join(where)}: {self.message}" if where else self.message


V = TypeVar("V")


def _frozen_map(items: Mapping[str, V]) -> Mapping[str, V]:
    return MappingProxyType(dict(items))


@dataclass(frozen=True, slots=True)
class TarsyConfig:
    """Everything loaded from the config directory (or the demo), built-ins merged, validated.

    Maps keep the order of definition: built-ins first, then user keys in file order.
    """

    queue: QueueConfig
    system: SystemConfig
    defaults: DefaultsConfig
    mcp_servers: Mapping[str, McpServerConfig]
    agents: Mapping[str, AgentConfig]
    agent_chains: Mapping[str, ChainConfig]
    llm_providers: Mapping[str, ProviderConfig]
    skills: Mapping[str, Skill] = field(default_factory=dict)
    warnings: tuple[ConfigWarning, ...] = ()
    config_dir: Path | None = None

    def __post_init__(self) -> None:
        for name in ("mcp_servers", "agents", "agent_chains", "llm_providers", "skills"):
            value = getattr(self, name)
            if not isinstance(value, MappingProxyType):
                object.__setattr__(self, name, _frozen_map(value))

    def chain_id_for_alert_type(self, alert_type: str) -> str | None:
        """The chain that handles ``alert_type`` (validation guarantees at most one)."""
        for chain_id, chain in self.agent_chains.items():
            if alert_type in chain.alert_types:
                return chain_id
        return None

    def chain(self, chain_id: str) -> ChainConfig:
        """The chain ``chain_id``; ``ConfigError`` when it does not exist."""
        try:
            return self.agent_chains[chain_id]
        except KeyError:
            raise ConfigError(f"unknown chain {chain_id!r}", key_path="agent_chains") from None

    def agent(self, name: str) -> AgentConfig:
        try:
            return self.agents[name]
        except KeyError:
            raise ConfigError(f"unknown agent {name!r}", key_path="agents") from None

    def provider(self, name: str) -> ProviderConfig:
        try:
            return self.llm_providers[name]
        except KeyError:
            raise ConfigError(f"unknown llm provider {name!r}", key_path="llm_providers") from None
