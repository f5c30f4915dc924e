"""Configuration (ring 1): read ``tarsy.yaml`` + ``llm-providers.yaml``, validate once, freeze.

Imports only ``tarsy.domain``, the standard library, pydantic and PyYAML.

Modules (one job each):

- ``durations``       Go-style durations (``90s``, ``1h30m``) <-> ``timedelta``; pydantic types.
- ``interpolate``     ``{{.VAR}}`` / ``${VAR}`` expansion of raw file text, keeping line numbers.
- ``yaml_source``     YAML parsing (YAML 1.2 scalars, duplicate keys rejected) + key path -> line.
- ``masking_names``   names of the built-in masking patterns, code maskers and pattern groups.
- ``schema_common``   strict frozen pydantic base and the small models shared by both files.
- ``schema_tarsy``    models of every ``tarsy.yaml`` section (queue, system, defaults, mcp_servers,
                      agents, agent_chains).
- ``schema_providers`` models of ``llm-providers.yaml`` (with our ``scripted`` and ``thinking``).
- ``builtins``        built-in agents, MCP server, providers and chain (user keys replace them).
- ``demo``            the configuration used when no config directory is given.
- ``skills``          ``skills/`` loader (``<dir>/SKILL.md`` or flat ``*.md`` with front matter).
- ``model``           ``TarsyConfig`` (the frozen result), ``Skill``, ``ConfigWarning``.
- ``locate``          key path formatting, file/line lookup, pydantic error translation.
- ``validate``        cross-reference checks of agents, MCP servers, chains, references.
- ``validate_system`` queue, system, defaults, providers and credential checks.
- ``lint``            warnings: valid but suspicious configuration.
- ``loader``          ``load_config``: the load sequence, collecting every error into one raise.
- ``resolved``        the frozen results of resolution (``ResolvedAgentConfig`` and friends).
- ``resolve``         the resolution hierarchy -> flat ``ResolvedAgentConfig`` per execution kind.
- ``settings``        process settings from environment variables (pydantic-settings).

Contracts:

- ``load_config(config_dir: Path | None, *, env: Mapping[str, str] | None = None) -> TarsyConfig``
  ``None`` loads the built-in demo configuration. ``env`` defaults to ``os.environ`` and is used
  for interpolation and for the credential checks. Raises ``ConfigErrors`` holding every
  ``ConfigError`` found (each names file, dotted key path and line). Warnings are returned on
  ``TarsyConfig.warnings``.
- ``TarsyConfig`` is frozen; its maps are read-only. ``chain_id_for_alert_type`` maps alert
  types to chains.
- ``resolve_*`` functions return a frozen ``ResolvedAgentConfig`` for one execution: stage agent,
  sub-agent, chat, scoring, synthesis and executive summary; ``stage_executions`` expands
  replicas; ``resolve_success_policy`` and ``resolve_summarization`` cover the remaining rows of
  the hierarchy. They raise ``ConfigError`` for a dangling reference (only possible with a
  per-alert MCP override, since loading validated everything else).
- ``Settings`` is the frozen process configuration (database URL, port, config dir, logging, pod
  id, host); ``Settings()`` reads the environment, ``Settings.from_environ(mapping)`` a mapping.
"""

from __future__ import annotations

from tarsy.config.durations import format_go_duration, parse_go_duration
from tarsy.config.interpolate import SESSION_ID_PLACEHOLDER, expand_env
from tarsy.config.loader import PROVIDERS_FILE, TARSY_FILE, load_config
from tarsy.config.model import ConfigWarning, Skill, TarsyConfig
from tarsy.config.resolve import (
    chain_agents,
    chain_mcp_servers,
    resolve_chat_agent,
    resolve_exec_summary_agent,
    resolve_scoring_agent,
    resolve_stage_agent,
    resolve_sub_agent,
    resolve_success_policy,
    resolve_summarization,
    resolve_synthesis_agent,
    stage_executions,
)
from tarsy.config.resolved import (
    NativeToolSettings,
    OrchestratorLimits,
    ResolvedAgentConfig,
    ResolvedKind,
    ResolvedSummarization,
    StageExecutionSpec,
)
from tarsy.config.schema_providers import ProviderConfig, ThinkingConfig
from tarsy.config.schema_tarsy import (
    AgentConfig,
    ChainConfig,
    DefaultsConfig,
    McpServerConfig,
    QueueConfig,
    StageConfig,
    SystemConfig,
)
from tarsy.config.settings import Settings

__all__ = [
    "PROVIDERS_FILE",
    "SESSION_ID_PLACEHOLDER",
    "TARSY_FILE",
    "AgentConfig",
    "ChainConfig",
    "ConfigWarning",
    "DefaultsConfig",
    "McpServerConfig",
    "NativeToolSettings",
    "OrchestratorLimits",
    "ProviderConfig",
    "QueueConfig",
    "ResolvedAgentConfig",
    "ResolvedKind",
    "ResolvedSummarization",
    "Settings",
    "Skill",
    "StageConfig",
    "StageExecutionSpec",
    "SystemConfig",
    "TarsyConfig",
    "ThinkingConfig",
    "chain_agents",
    "chain_mcp_servers",
    "expand_env",
    "format_go_duration",
    "load_config",
    "parse_go_duration",
    "resolve_chat_agent",
    "resolve_exec_summary_agent",
    "resolve_scoring_agent",
    "resolve_stage_agent",
    "resolve_sub_agent",
    "resolve_success_policy",
    "resolve_summarization",
    "resolve_synthesis_agent",
    "stage_executions",
]
