"""The resolution hierarchy: one flat ``ResolvedAgentConfig`` per agent execution.

Each setting is taken from a chain of layers, lowest first; unless noted, the last layer that
sets a non-empty value wins. Indices (``stage_index``, ``agent_index``) are 0-based positions in
the configuration, not the 1-based indices stored for a session.

- stage agent: backend langchain -> defaults -> agent -> chain -> stage agent; provider defaults
  -> chain -> stage agent; max_iterations 20 -> defaults -> agent -> chain -> stage -> stage
  agent; mcp_servers agent -> chain -> stage -> stage agent -> per-alert override (replaces,
  even when empty); fallback_providers: the most specific list that is written (``[]`` clears)
  of defaults -> chain -> stage -> stage agent; sub_agents: first non-empty of stage agent ->
  stage -> chain.
- sub-agent: a stage agent in an empty stage, with the reference's overrides; no sub-agents.
- chat: like a stage agent with ``chat`` as the last layer; mcp_servers agent -> (chain's, or the
  union of every stage agent's) -> chat -> override; fallback defaults -> chain; sub_agents chat
  -> chain.
- scoring: backend ... -> agent -> defaults.scoring -> scoring (the chain's backend is ignored);
  provider defaults -> defaults.scoring -> chain -> scoring; max_iterations and mcp_servers
  ... -> agent -> defaults.scoring -> chain -> scoring; agent ScoringAgent -> defaults.scoring
  -> scoring.
- exec summary: backend ... -> agent -> chain; provider defaults -> chain ->
  executive_summary_provider; no MCP servers; single shot (max_iterations 1).
- synthesis: backend ... -> agent -> chain -> synthesis; provider defaults -> chain ->
  synthesis; fallback defaults -> chain -> stage; no MCP servers; single shot.
- orchestrator limits (every kind): 5 / 420s / 900s -> defaults.orchestrator -> agent, per key.
- skills: the agent's (None = all on demand) extended by the stage agent's or reference's when
  the agent has an allowlist; required_skills: agent's plus stage agent's (de-duplicated).
- native tools: the Google provider's, overridden per key by the agent's.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TypeVar

from tarsy.config.model import TarsyConfig
from tarsy.config.resolved import (
    NativeToolSettings,
    OrchestratorLimits,
    ResolvedAgentConfig,
    ResolvedKind,
    ResolvedSummarization,
    StageExecutionSpec,
)
from tarsy.config.schema_common import (
    DEFAULT_BACKEND,
    DEFAULT_MAX_ITERATIONS,
    DEFAULT_SUCCESS_POLICY,
    FallbackEntry,
    LlmBackend,
    NativeToolsConfig,
    SubAgentRef,
    SuccessPolicy,
)
from tarsy.config.schema_providers import ProviderConfig
from tarsy.config.schema_tarsy import (
    EXEC_SUMMARY_AGENT,
    SCORING_AGENT,
    SYNTHESIS_AGENT,
    AgentConfig,
    ChainConfig,
    StageConfig,
)
from tarsy.domain.errors import ConfigError

T = TypeVar("T")


def _last(*values: T | None) -> T | None:
    """The last value that is set (not ``None``)."""
    found: T | None = None
    for value in values:
        if value is not None:
            found = value
    return found


def _last_nonempty(*lists: Sequence[str]) -> tuple[str, ...]:
    found: Sequence[str] = ()
    for names in lists:
        if names:
            found = names
    return tuple(found)


def _first_nonempty(*lists: Sequence[SubAgentRef]) -> tuple[SubAgentRef, ...]:
    return next((tuple(refs) for refs in lists if refs), ())


def _dedupe(*lists: Sequence[str]) -> tuple[str, ...]:
    return tuple(dict.fromkeys(name for names in lists for name in names))


def _skills(agent: AgentConfig, extra: Sequence[str]) -> tuple[str, ...] | None:
    return None if agent.skills is None else _dedupe(agent.skills, extra)


def _kind(agent: AgentConfig, override: str | None = None) -> ResolvedKind:
    kind = override if override is not None else agent.type
    if kind == "synthesis":
        return "synthesis"
    if kind == "exec_summary":
        return "exec_summary"
    if kind == "scoring":
        return "scoring"
    if kind == "action":
        return "action"
    return "investigation"


def _native_tools(provider: ProviderConfig, agent: AgentConfig) -> NativeToolSettings:
    layers: list[NativeToolsConfig] = []
    if provider.type == "google" and provider.native_tools is not None:
        layers.append(provider.native_tools)
    if agent.native_tools is not None:
        layers.append(agent.native_tools)
    return NativeToolSettings(
        google_search=bool(_last(*(layer.google_search for layer in layers))),
        code_execution=bool(_last(*(layer.code_execution for layer in layers))),
        url_context=bool(_last(*(layer.url_context for layer in layers))),
    )


def _orchestrator(config: TarsyConfig, agent: AgentConfig) -> OrchestratorLimits:
    base = OrchestratorLimits()
    blocks = [b for b in (config.defaults.orchestrator, agent.orchestrator) if b is not None]
    return OrchestratorLimits(
        max_concurrent_agents=_last(
            base.max_concurrent_agents, *(b.max_concurrent_agents for b in blocks)
        )
        or base.max_concurrent_agents,
        agent_timeout=_last(base.agent_timeout, *(b.agent_timeout for b in blocks))
        or base.agent_timeout,
        max_budget=_last(base.max_budget, *(b.max_budget for b in blocks)) or base.max_budget,
    )


def _provider(config: TarsyConfig, name: str | None, what: str) -> tuple[str, ProviderConfig]:
    if name is None:
        raise ConfigError(f"no llm provider resolves for {what}; set defaults.llm_provider")
    return name, config.provider(name)


def _stage(config: TarsyConfig, chain_id: str, stage_index: int) -> tuple[ChainConfig, StageConfig]:
    chain = config.chain(chain_id)
    if not 0 <= stage_index < len(chain.stages):
        raise ConfigError(f"chain {chain_id!r} has no stage {stage_index}")
    return chain, chain.stages[stage_index]


def _build(
    config: TarsyConfig,
    name: str,
    agent: AgentConfig,
    *,
    kind: ResolvedKind,
    provider_name: str | None,
    backend: LlmBackend | None,
    max_iterations: int | None,
    mcp_servers: tuple[str, ...],
    fallback: Sequence[FallbackEntry] | None,
    sub_agents: tuple[SubAgentRef, ...] = (),
    extra_skills: Sequence[str] = (),
    extra_required: Sequence[str] = (),
) -> ResolvedAgentConfig:
    provider_key, provider = _provider(config, provider_name, f"agent {name!r}")
    return ResolvedAgentConfig(
        agent_name=name,
        agent_type=kind,
        description=agent.description,
        custom_instructions=agent.custom_instructions,
        llm_provider=provider_key,
        provider=provider,
        llm_backend=backend or DEFAULT_BACKEND,
        max_iterations=max_iterations or DEFAULT_MAX_ITERATIONS,
        mcp_servers=mcp_servers,
        native_tools=_native_tools(provider, agent),
        fallback_providers=tuple(fallback or ()),
        sub_agents=sub_agents,
        skills=_skills(agent, extra_skills),
        required_skills=_dedupe(agent.required_skills, extra_required),
        orchestrator=_orchestrator(config, agent),
    )


def _check_servers(config: TarsyConfig, servers: tuple[str, ...]) -> tuple[str, ...]:
    for server in servers:
        if server not in config.mcp_servers:
            raise ConfigError(f"unknown MCP server {server!r}", key_path="mcp_servers")
    return servers


def resolve_stage_agent(
    config: TarsyConfig,
    chain_id: str,
    stage_index: int,
    agent_index: int,
    mcp_override: list[str] | None = None,
) -> ResolvedAgentConfig:
    """Resolve ``agent_chains.<chain_id>.stages[stage_index].agents[agent_index]``."""
    chain, stage = _stage(config, chain_id, stage_index)
    if not 0 <= agent_index < len(stage.agents):
        raise ConfigError(f"stage {stage.name!r} of chain {chain_id!r} has no agent {agent_index}")
    entry = stage.agents[agent_index]
    agent = config.agent(entry.name)
    d = config.defaults
    servers = _last_nonempty(
        agent.mcp_servers, chain.mcp_servers, stage.mcp_servers, entry.mcp_servers
    )
    return _build(
        config,
        entry.name,
        agent,
        kind=_kind(agent, entry.type),
        provider_name=_last(d.llm_provider, chain.llm_provider, entry.llm_provider),
        backend=_last(d.llm_backend, agent.llm_backend, chain.llm_backend, entry.llm_backend),
        max_iterations=_last(
            d.max_iterations,
            agent.max_iterations,
            chain.max_iterations,
            stage.max_iterations,
            entry.max_iterations,
        ),
        mcp_servers=_check_servers(
            config, tuple(mcp_override) if mcp_override is not None else servers
        ),
        fallback=_last(
            d.fallback_providers,
            chain.fallback_providers,
            stage.fallback_providers,
            entry.fallback_providers,
        ),
        sub_agents=_first_nonempty(entry.sub_agents, stage.sub_agents, chain.sub_agents),
        extra_skills=entry.skills,
        extra_required=entry.required_skills,
    )


def resolve_sub_agent(
    config: TarsyConfig,
    chain_id: str,
    ref: SubAgentRef | str,
    mcp_override: list[str] | None = None,
) -> ResolvedAgentConfig:
    """Resolve a sub-agent of chain ``chain_id``: an empty stage plus the ref's overrides."""
    chain = config.chain(chain_id)
    ref = SubAgentRef(name=ref) if isinstance(ref, str) else ref
    agent = config.agent(ref.name)
    d = config.defaults
    servers = _last_nonempty(agent.mcp_servers, chain.mcp_servers, ref.mcp_servers or ())
    return _build(
        config,
        ref.name,
        agent,
        kind=_kind(agent),
        provider_name=_last(d.llm_provider, chain.llm_provider, ref.llm_provider),
        backend=_last(d.llm_backend, agent.llm_backend, chain.llm_backend, ref.llm_backend),
        max_iterations=_last(
            d.max_iterations, agent.max_iterations, chain.max_iterations, ref.max_iterations
        ),
        mcp_servers=_check_servers(
            config, tuple(mcp_override) if mcp_override is not None else servers
        ),
        fallback=_last(d.fallback_providers, chain.fallback_providers),
        extra_skills=ref.skills,
        extra_required=ref.required_skills,
    )


def stage_executions(
    config: TarsyConfig, chain_id: str, stage_index: int
) -> tuple[StageExecutionSpec, ...]:
    """The executions a stage runs: ``replicas > 1`` runs agents[0] as ``Name-1..N``."""
    _, stage = _stage(config, chain_id, stage_index)
    if stage.replicas > 1:
        first = stage.agents[0].name
        return tuple(StageExecutionSpec(f"{first}-{n}", 0) for n in range(1, stage.replicas + 1))
    return tuple(StageExecutionSpec(entry.name, index) for index, entry in enumerate(stage.agents))


def chain_agents(config: TarsyConfig, chain_id: str) -> tuple[ResolvedAgentConfig, ...]:
    """Every investigation execution of a chain, resolved (replicas once per replica)."""
    chain = config.chain(chain_id)
    return tuple(
        resolve_stage_agent(config, chain_id, stage_index, spec.agent_index)
        for stage_index in range(len(chain.stages))
        for spec in stage_executions(config, chain_id, stage_index)
    )


def chain_mcp_servers(config: TarsyConfig, chain_id: str) -> tuple[str, ...]:
    """The chain's ``mcp_servers``, else the union of its stage agents' servers."""
    return _chain_servers(config, chain_id, config.chain(chain_id))


def _chain_servers(config: TarsyConfig, chain_id: str, chain: ChainConfig) -> tuple[str, ...]:
    if chain.mcp_servers:
        return tuple(chain.mcp_servers)
    union = [server for agent in chain_agents(config, chain_id) for server in agent.mcp_servers]
    return tuple(dict.fromkeys(union))


def resolve_chat_agent(
    config: TarsyConfig, chain_id: str, mcp_override: list[str] | None = None
) -> ResolvedAgentConfig:
    """Resolve the follow-up chat agent of a chain (enabled or not: callers check that)."""
    chain = config.chain(chain_id)
    chat = chain.chat
    name = chain.chat_agent
    agent = config.agent(name)
    d = config.defaults
    servers = _last_nonempty(
        agent.mcp_servers,
        _chain_servers(config, chain_id, chain),
        chat.mcp_servers if chat is not None else (),
    )
    return _build(
        config,
        name,
        agent,
        kind=_kind(agent),
        provider_name=_last(
            d.llm_provider, chain.llm_provider, chat.llm_provider if chat else None
        ),
        backend=_last(
            d.llm_backend, agent.llm_backend, chain.llm_backend, chat.llm_backend if chat else None
        ),
        max_iterations=_last(
            d.max_iterations,
            agent.max_iterations,
            chain.max_iterations,
            chat.max_iterations if chat else None,
        ),
        mcp_servers=_check_servers(
            config, tuple(mcp_override) if mcp_override is not None else servers
        ),
        fallback=_last(d.fallback_providers, chain.fallback_providers),
        sub_agents=_first_nonempty(chat.sub_agents if chat else (), chain.sub_agents),
    )


def resolve_scoring_agent(config: TarsyConfig, chain_id: str) -> ResolvedAgentConfig:
    """Resolve the scoring agent of a chain (the chain's ``llm_backend`` does not apply)."""
    chain = config.chain(chain_id)
    d = config.defaults
    ds = d.scoring
    sc = chain.scoring
    name = _last(SCORING_AGENT, ds.agent if ds else None, sc.agent if sc else None) or SCORING_AGENT
    agent = config.agent(name)
    return _build(
        config,
        name,
        agent,
        kind=_kind(agent),
        provider_name=_last(
            d.llm_provider,
            ds.llm_provider if ds else None,
            chain.llm_provider,
            sc.llm_provider if sc else None,
        ),
        backend=_last(
            d.llm_backend,
            agent.llm_backend,
            ds.llm_backend if ds else None,
            sc.llm_backend if sc else None,
        ),
        max_iterations=_last(
            d.max_iterations,
            agent.max_iterations,
            ds.max_iterations if ds else None,
            chain.max_iterations,
            sc.max_iterations if sc else None,
        ),
        mcp_servers=_last_nonempty(
            agent.mcp_servers,
            ds.mcp_servers if ds else (),
            chain.mcp_servers,
            sc.mcp_servers if sc else (),
        ),
        fallback=_last(d.fallback_providers, chain.fallback_providers),
    )


def resolve_exec_summary_agent(config: TarsyConfig, chain_id: str) -> ResolvedAgentConfig:
    """Resolve the executive-summary agent of a chain (single shot, no MCP servers)."""
    chain = config.chain(chain_id)
    agent = config.agent(EXEC_SUMMARY_AGENT)
    d = config.defaults
    return _build(
        config,
        EXEC_SUMMARY_AGENT,
        agent,
        kind=_kind(agent),
        provider_name=_last(d.llm_provider, chain.llm_provider, chain.executive_summary_provider),
        backend=_last(d.llm_backend, agent.llm_backend, chain.llm_backend),
        max_iterations=1,
        mcp_servers=(),
        fallback=_last(d.fallback_providers, chain.fallback_providers),
    )


def resolve_synthesis_agent(
    config: TarsyConfig, chain_id: str, stage_index: int
) -> ResolvedAgentConfig:
    """Resolve the synthesis agent that follows a parallel stage (single shot, no MCP servers)."""
    chain, stage = _stage(config, chain_id, stage_index)
    syn = stage.synthesis
    name = syn.agent if syn is not None and syn.agent else SYNTHESIS_AGENT
    agent = config.agent(name)
    d = config.defaults
    return _build(
        config,
        name,
        agent,
        kind=_kind(agent),
        provider_name=_last(d.llm_provider, chain.llm_provider, syn.llm_provider if syn else None),
        backend=_last(
            d.llm_backend, agent.llm_backend, chain.llm_backend, syn.llm_backend if syn else None
        ),
        max_iterations=1,
        mcp_servers=(),
        fallback=_last(d.fallback_providers, chain.fallback_providers, stage.fallback_providers),
    )


def resolve_success_policy(config: TarsyConfig, chain_id: str, stage_index: int) -> SuccessPolicy:
    """Stage -> defaults -> ``any``."""
    _, stage = _stage(config, chain_id, stage_index)
    return stage.success_policy or config.defaults.success_policy or DEFAULT_SUCCESS_POLICY


def resolve_summarization(
    config: TarsyConfig, server_id: str, caller: ResolvedAgentConfig
) -> ResolvedSummarization:
    """Server's provider -> defaults.summarization -> the calling agent's provider and backend."""
    server = config.mcp_servers.get(server_id)
    if server is None:
        raise ConfigError(f"unknown MCP server {server_id!r}", key_path="mcp_servers")
    block = server.summarization
    default = config.defaults.summarization
    if block.llm_provider is not None:
        name, backend = block.llm_provider, block.llm_backend or DEFAULT_BACKEND
    elif default is not None and default.llm_provider is not None:
        name, backend = default.llm_provider, default.llm_backend or DEFAULT_BACKEND
    else:
        name, backend = caller.llm_provider, caller.llm_backend
    return ResolvedSummarization(
        enabled=block.enabled is not False,
        size_threshold_tokens=block.size_threshold_tokens or 5000,
        summary_max_token_limit=block.summary_max_token_limit or 1000,
        llm_provider=name,
        provider=config.provider(name),
        llm_backend=backend,
    )
