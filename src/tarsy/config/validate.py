"""Cross-reference validation of the merged configuration (runs once at start-up).

Every error names the file, the dotted key path and the line where the offending value is
written (``built-in`` for built-in definitions). All problems are collected; nothing stops at
the first one.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from datetime import timedelta

from tarsy.config.locate import BUILTIN, TARSY_FILE, Locator
from tarsy.config.masking_names import PATTERN_GROUPS, PATTERN_NAMES
from tarsy.config.model import TarsyConfig
from tarsy.config.schema_tarsy import ChainConfig, McpServerConfig, StageConfig
from tarsy.config.validate_alertmanager import check_alertmanager
from tarsy.config.validate_context import Context, known
from tarsy.config.validate_system import (
    check_defaults,
    check_orchestrator,
    check_providers,
    check_queue,
    check_system,
)
from tarsy.config.yaml_source import KeyPath
from tarsy.domain.errors import ConfigError


def validate_config(
    config: TarsyConfig,
    locator: Locator,
    env: Mapping[str, str],
    broken: frozenset[KeyPath] = frozenset(),
) -> list[ConfigError]:
    """Every cross-reference and range problem of ``config``, sorted by file and line."""
    ctx = Context(config, locator, env, broken)
    check_queue(ctx)
    check_system(ctx)
    check_alertmanager(ctx)
    check_defaults(ctx)
    check_agents(ctx)
    check_mcp_servers(ctx)
    check_chains(ctx)
    check_providers(ctx)
    ctx.check_credentials()
    return sorted(
        ctx.errors,
        key=lambda e: (e.file != TARSY_FILE, e.file or "", e.line or 0),
    )


def check_agents(ctx: Context) -> None:
    for name, agent in ctx.config.agents.items():
        path: KeyPath = ("agents", name)
        if ctx.is_broken(path):
            continue
        ctx.mcp_refs(agent.mcp_servers, (*path, "mcp_servers"))
        ctx.skill_refs(agent.skills, (*path, "skills"))
        ctx.skill_refs(agent.required_skills, (*path, "required_skills"))
        check_orchestrator(ctx, agent.orchestrator, (*path, "orchestrator"))


def check_mcp_servers(ctx: Context) -> None:
    for server_id, server in ctx.config.mcp_servers.items():
        path: KeyPath = ("mcp_servers", server_id)
        if ctx.is_broken(path):
            continue
        _check_transport(ctx, server, path)
        _check_masking(ctx, server, path)
        block = server.summarization
        summary_path = (*path, "summarization")
        if block.enabled is False and block.llm_provider is not None:
            ctx.fail(
                (*summary_path, "llm_provider"),
                "llm_provider is set but summarization is disabled (enabled: false)",
            )
        if block.llm_backend is not None and block.llm_provider is None:
            ctx.fail((*summary_path, "llm_backend"), "llm_backend needs llm_provider")
        ctx.provider_ref(
            block.llm_provider, (*summary_path, "llm_provider"), used=block.enabled is not False
        )


def _check_transport(ctx: Context, server: McpServerConfig, path: KeyPath) -> None:
    transport = server.transport
    if transport.type == "stdio" and not transport.command:
        ctx.fail((*path, "transport"), "stdio transport needs 'command'")
    if transport.type in ("http", "sse") and not transport.url:
        ctx.fail((*path, "transport"), f"{transport.type} transport needs 'url'")
    if transport.timeout is not None and transport.timeout < timedelta(0):
        ctx.fail((*path, "transport", "timeout"), "timeout must not be negative (0: default)")


def _check_masking(ctx: Context, server: McpServerConfig, path: KeyPath) -> None:
    masking = server.data_masking
    if masking is None:
        return
    base = (*path, "data_masking")
    for index, group in enumerate(masking.pattern_groups):
        if group not in PATTERN_GROUPS:
            ctx.fail(
                (*base, "pattern_groups", index),
                f"unknown masking pattern group {group!r} (known: {known(PATTERN_GROUPS)})",
            )
    for index, name in enumerate(masking.patterns):
        if name not in PATTERN_NAMES:
            ctx.fail(
                (*base, "patterns", index),
                f"unknown masking pattern {name!r} (known: {known(PATTERN_NAMES)})",
            )
    for index, custom in enumerate(masking.custom_patterns):
        item = (*base, "custom_patterns", index)
        if not custom.pattern:
            ctx.fail(item, "custom pattern needs 'pattern'")
        else:
            try:
                re.compile(custom.pattern)
            except re.error as exc:
                ctx.fail((*item, "pattern"), f"invalid regular expression: {exc}")
        if not custom.replacement:
            ctx.fail(item, "custom pattern needs 'replacement'")


def check_chains(ctx: Context) -> None:
    alert_owner: dict[str, str] = {}
    defaults_broken = ctx.is_broken(("defaults",))
    for chain_id, chain in ctx.config.agent_chains.items():
        path: KeyPath = ("agent_chains", chain_id)
        if ctx.is_broken(path):
            continue
        for index, alert_type in enumerate(chain.alert_types):
            owner = alert_owner.setdefault(alert_type, chain_id)
            if owner != chain_id:
                ctx.fail(
                    (*path, "alert_types", index),
                    f"alert type {alert_type!r} is already handled by chain {owner!r}; "
                    "each alert type maps to exactly one chain",
                )
        no_default = not defaults_broken and ctx.config.defaults.llm_provider is None
        # A built-in chain the user never touches must not make their configuration invalid;
        # running it without a provider fails that session with the same explanation.
        builtin = ctx.locator.locate(path).file == BUILTIN
        if chain.llm_provider is None and no_default and not builtin:
            ctx.fail(
                path,
                f"chain {chain_id!r} has no LLM provider: set defaults.llm_provider in "
                f"{TARSY_FILE} or llm_provider on the chain",
            )
        ctx.provider_ref(chain.llm_provider, (*path, "llm_provider"))
        ctx.provider_ref(chain.executive_summary_provider, (*path, "executive_summary_provider"))
        ctx.mcp_refs(chain.mcp_servers, (*path, "mcp_servers"))
        ctx.fallback_refs(chain.fallback_providers, (*path, "fallback_providers"))
        ctx.sub_agent_refs(chain.sub_agents, (*path, "sub_agents"))
        for index, stage in enumerate(chain.stages):
            _check_stage(ctx, stage, (*path, "stages", index))
        _check_chat_and_scoring(ctx, chain, path)


def _check_stage(ctx: Context, stage: StageConfig, path: KeyPath) -> None:
    for index, entry in enumerate(stage.agents):
        entry_path = (*path, "agents", index)
        ctx.agent_ref(entry.name, (*entry_path, "name"))
        ctx.provider_ref(entry.llm_provider, (*entry_path, "llm_provider"))
        ctx.mcp_refs(entry.mcp_servers, (*entry_path, "mcp_servers"))
        ctx.sub_agent_refs(entry.sub_agents, (*entry_path, "sub_agents"))
        ctx.fallback_refs(entry.fallback_providers, (*entry_path, "fallback_providers"))
        ctx.skill_refs(entry.skills, (*entry_path, "skills"))
        ctx.skill_refs(entry.required_skills, (*entry_path, "required_skills"))
    ctx.mcp_refs(stage.mcp_servers, (*path, "mcp_servers"))
    ctx.fallback_refs(stage.fallback_providers, (*path, "fallback_providers"))
    ctx.sub_agent_refs(stage.sub_agents, (*path, "sub_agents"))
    if stage.synthesis is not None:
        parallel = stage.replicas > 1 or len(stage.agents) > 1
        if stage.synthesis.agent is not None:
            ctx.agent_ref(stage.synthesis.agent, (*path, "synthesis", "agent"))
        ctx.provider_ref(
            stage.synthesis.llm_provider, (*path, "synthesis", "llm_provider"), used=parallel
        )


def _check_chat_and_scoring(ctx: Context, chain: ChainConfig, path: KeyPath) -> None:
    chat = chain.chat
    if chat is not None and chat.enabled:
        chat_path = (*path, "chat")
        if chat.agent is None:
            ctx.fail(chat_path, "chat is enabled, so chat.agent is required")
        else:
            ctx.agent_ref(chat.agent, (*chat_path, "agent"))
        ctx.provider_ref(chat.llm_provider, (*chat_path, "llm_provider"))
        ctx.mcp_refs(chat.mcp_servers, (*chat_path, "mcp_servers"))
        ctx.sub_agent_refs(chat.sub_agents, (*chat_path, "sub_agents"))
    scoring = chain.scoring
    if scoring is not None and scoring.enabled:
        scoring_path = (*path, "scoring")
        if scoring.agent is not None:
            ctx.agent_ref(scoring.agent, (*scoring_path, "agent"))
        ctx.provider_ref(scoring.llm_provider, (*scoring_path, "llm_provider"))
        ctx.mcp_refs(scoring.mcp_servers, (*scoring_path, "mcp_servers"))
