"""The resolution hierarchy of SPEC §2.10, row by row, on small configurations."""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta

import pytest

from tarsy.config import (
    TarsyConfig,
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
from tarsy.config.schema_common import SubAgentRef
from tarsy.domain.errors import ConfigError
from tests.unit.config.conftest import WriteConfig, load

NAMES = ("p-default", "p-chain", "p-stage-agent", "p-chat", "p-scoring", "p-ds", "p-exec", "p-syn")
PROVIDERS = (
    "llm_providers:\n"
    + "".join(f"  {name}:\n    type: scripted\n    model: m-{name}\n" for name in NAMES)
    + (
        "  gem:\n    type: google\n    model: g\n    api_key_env: GKEY\n"
        "    native_tools: {google_search: true, url_context: true, code_execution: false}\n"
    )
)

Build = Callable[[str], TarsyConfig]


@pytest.fixture
def build(write_config: WriteConfig) -> Build:
    def make(tarsy: str) -> TarsyConfig:
        return load(write_config(tarsy, PROVIDERS), {"GKEY": "k"})

    return make


def chain(
    *, chain_keys: str = "", stage_keys: str = "", agent_keys: str = "", agent: str = "A"
) -> str:
    """One chain ``c`` with one stage holding one agent entry; keys are indented YAML lines."""
    return (
        "agent_chains:\n  c:\n    alert_types: [a]\n"
        + chain_keys
        + "    stages:\n      - name: s\n"
        + stage_keys
        + f"        agents:\n          - name: {agent}\n"
        + agent_keys
    )


AGENT_A = "agents:\n  A:\n    description: agent a\n"

# --- investigation (stage) agent -------------------------------------------------------------


@pytest.mark.parametrize(
    ("defaults", "agent", "chain_key", "entry", "expected"),
    [
        ("", "", "", "", "langchain"),
        ("  llm_backend: google-native\n", "", "", "", "google-native"),
        ("  llm_backend: google-native\n", "    llm_backend: langchain\n", "", "", "langchain"),
        (
            "",
            "    llm_backend: langchain\n",
            "    llm_backend: google-native\n",
            "",
            "google-native",
        ),
        (
            "",
            "",
            "    llm_backend: google-native\n",
            "            llm_backend: langchain\n",
            "langchain",
        ),
    ],
)
def test_stage_agent_backend(
    build: Build, defaults: str, agent: str, chain_key: str, entry: str, expected: str
) -> None:
    tarsy = "defaults:\n  llm_provider: p-default\n" + defaults + AGENT_A + agent
    config = build(tarsy + chain(chain_keys=chain_key, agent_keys=entry))
    assert resolve_stage_agent(config, "c", 0, 0).llm_backend == expected


@pytest.mark.parametrize(
    ("chain_key", "entry", "expected"),
    [
        ("", "", "p-default"),
        ("    llm_provider: p-chain\n", "", "p-chain"),
        (
            "    llm_provider: p-chain\n",
            "            llm_provider: p-stage-agent\n",
            "p-stage-agent",
        ),
    ],
)
def test_stage_agent_provider(build: Build, chain_key: str, entry: str, expected: str) -> None:
    config = build(
        "defaults:\n  llm_provider: p-default\n"
        + AGENT_A
        + chain(chain_keys=chain_key, agent_keys=entry)
    )
    resolved = resolve_stage_agent(config, "c", 0, 0)
    assert resolved.llm_provider == expected
    assert resolved.provider.model == f"m-{expected}"


@pytest.mark.parametrize(
    ("layers", "expected"),
    [
        ({}, 20),
        ({"defaults": 2}, 2),
        ({"defaults": 2, "agent": 3}, 3),
        ({"defaults": 2, "agent": 3, "chain": 4}, 4),
        ({"agent": 3, "chain": 4, "stage": 5}, 5),
        ({"chain": 4, "stage": 5, "entry": 6}, 6),
    ],
)
def test_stage_agent_max_iterations(build: Build, layers: dict[str, int], expected: int) -> None:
    def line(indent: int, key: str) -> str:
        return f"{' ' * indent}max_iterations: {layers[key]}\n" if key in layers else ""

    tarsy = (
        "defaults:\n  llm_provider: p-default\n" + line(2, "defaults") + AGENT_A + line(4, "agent")
    )
    tarsy += chain(
        chain_keys=line(4, "chain"), stage_keys=line(8, "stage"), agent_keys=line(12, "entry")
    )
    assert resolve_stage_agent(build(tarsy), "c", 0, 0).max_iterations == expected


def test_stage_agent_mcp_servers_last_non_empty_and_override(build: Build) -> None:
    servers = "mcp_servers:\n" + "".join(
        f"  {n}:\n    transport: {{type: sse, url: 'http://{n}'}}\n" for n in "wxyz"
    )
    base = "defaults:\n  llm_provider: p-default\n" + servers + AGENT_A + "    mcp_servers: [w]\n"
    assert resolve_stage_agent(build(base + chain()), "c", 0, 0).mcp_servers == ("w",)
    config = build(base + chain(chain_keys="    mcp_servers: [x]\n"))
    assert resolve_stage_agent(config, "c", 0, 0).mcp_servers == ("x",)
    config = build(
        base
        + chain(
            chain_keys="    mcp_servers: [x]\n",
            stage_keys="        mcp_servers: [y]\n",
            agent_keys="            mcp_servers: []\n",
        )
    )
    assert resolve_stage_agent(config, "c", 0, 0).mcp_servers == ("y",)  # [] is "not set"
    config = build(
        base
        + chain(
            stage_keys="        mcp_servers: [y]\n", agent_keys="            mcp_servers: [z]\n"
        )
    )
    assert resolve_stage_agent(config, "c", 0, 0).mcp_servers == ("z",)
    assert resolve_stage_agent(config, "c", 0, 0, mcp_override=["w", "x"]).mcp_servers == ("w", "x")
    assert resolve_stage_agent(config, "c", 0, 0, mcp_override=[]).mcp_servers == ()
    with pytest.raises(ConfigError, match="unknown MCP server 'nope'"):
        resolve_stage_agent(config, "c", 0, 0, mcp_override=["nope"])


FB = "{indent}fallback_providers: [{{provider: {name}, backend: langchain}}]\n"


def test_stage_agent_fallback_most_specific_written_list_wins(build: Build) -> None:
    base = (
        "defaults:\n  llm_provider: p-default\n"
        + FB.format(indent="  ", name="p-default")
        + AGENT_A
    )

    def providers(config: TarsyConfig) -> list[str]:
        return [e.provider for e in resolve_stage_agent(config, "c", 0, 0).fallback_providers]

    assert providers(build(base + chain())) == ["p-default"]
    assert providers(build(base + chain(chain_keys=FB.format(indent="    ", name="p-chain")))) == [
        "p-chain"
    ]
    config = build(
        base
        + chain(
            chain_keys=FB.format(indent="    ", name="p-chain"),
            stage_keys=FB.format(indent="        ", name="p-stage-agent"),
        )
    )
    assert providers(config) == ["p-stage-agent"]
    config = build(
        base
        + chain(
            chain_keys=FB.format(indent="    ", name="p-chain"),
            agent_keys="            fallback_providers: []\n",
        )
    )
    assert providers(config) == []  # explicit [] clears


def test_stage_agent_sub_agents_first_non_empty_from_the_top(build: Build) -> None:
    base = "defaults:\n  llm_provider: p-default\n" + AGENT_A

    def names(config: TarsyConfig) -> list[str]:
        return [r.name for r in resolve_stage_agent(config, "c", 0, 0).sub_agents]

    assert names(build(base + chain())) == []
    assert names(build(base + chain(chain_keys="    sub_agents: [GeneralWorker]\n"))) == [
        "GeneralWorker"
    ]
    config = build(
        base
        + chain(
            chain_keys="    sub_agents: [GeneralWorker]\n",
            stage_keys="        sub_agents: [WebResearcher]\n",
        )
    )
    assert names(config) == ["WebResearcher"]
    config = build(
        base
        + chain(
            stage_keys="        sub_agents: [WebResearcher]\n",
            agent_keys=(
                "            sub_agents:\n              - CodeExecutor\n"
                "              - {name: GeneralWorker, max_iterations: 2}\n"
            ),
        )
    )
    assert names(config) == ["CodeExecutor", "GeneralWorker"]


def test_success_policy(build: Build) -> None:
    base = "defaults:\n  llm_provider: p-default\n"
    assert resolve_success_policy(build(base + chain(agent="GeneralWorker")), "c", 0) == "any"
    config = build(base + "  success_policy: all\n" + chain(agent="GeneralWorker"))
    assert resolve_success_policy(config, "c", 0) == "all"
    config = build(
        base
        + "  success_policy: all\n"
        + chain(agent="GeneralWorker", stage_keys="        success_policy: any\n")
    )
    assert resolve_success_policy(config, "c", 0) == "any"


def test_orchestrator_limits_per_key(build: Build) -> None:
    base = "defaults:\n  llm_provider: p-default\n"
    resolved = resolve_stage_agent(build(base + AGENT_A + chain()), "c", 0, 0)
    assert (
        resolved.orchestrator.max_concurrent_agents,
        resolved.orchestrator.agent_timeout,
        resolved.orchestrator.max_budget,
    ) == (
        5,
        timedelta(seconds=420),
        timedelta(seconds=900),
    )
    tarsy = base + "  orchestrator: {max_concurrent_agents: 2, agent_timeout: 1m}\n" + AGENT_A
    tarsy += "    orchestrator: {agent_timeout: 2m}\n" + chain()
    limits = resolve_stage_agent(build(tarsy), "c", 0, 0).orchestrator
    assert (limits.max_concurrent_agents, limits.agent_timeout, limits.max_budget) == (
        2,
        timedelta(minutes=2),
        timedelta(seconds=900),
    )


def test_skills_are_additive_and_only_extend_an_allowlist(write_config: WriteConfig) -> None:
    skills = {f"{n}.md": f"---\nname: {n}\ndescription: d\n---\nb\n" for n in ("s1", "s2", "s3")}
    agents = (
        "agents:\n  All: {required_skills: [s1]}\n  Some: {skills: [s1], required_skills: [s1]}\n"
    )
    entry = "            skills: [s2, s1]\n            required_skills: [s3, s1]\n"
    tarsy = "defaults:\n  llm_provider: p-default\n" + agents
    tarsy += (
        "agent_chains:\n  c:\n    alert_types: [a]\n    stages:\n      - name: s\n        agents:\n"
    )
    tarsy += "          - name: All\n" + entry + "          - name: Some\n" + entry
    config = load(write_config(tarsy, PROVIDERS, skills))
    all_skills = resolve_stage_agent(config, "c", 0, 0)
    assert all_skills.skills is None
    assert all_skills.required_skills == ("s1", "s3")
    some = resolve_stage_agent(config, "c", 0, 1)
    assert some.skills == ("s1", "s2")
    assert some.required_skills == ("s1", "s3")


def test_native_tools_merge_agent_over_provider_and_type_override(build: Build) -> None:
    tarsy = (
        "defaults:\n  llm_provider: gem\nagents:\n  A:\n"
        "    native_tools: {url_context: false, code_execution: true}\n"
    )
    tarsy += chain(agent_keys="            type: action\n")
    resolved = resolve_stage_agent(build(tarsy), "c", 0, 0)
    tools = resolved.native_tools
    assert (tools.google_search, tools.url_context, tools.code_execution) == (True, False, True)
    assert resolved.agent_type == "action"
    plain = resolve_stage_agent(
        build("defaults:\n  llm_provider: p-default\n" + AGENT_A + chain()), "c", 0, 0
    )
    assert not plain.native_tools.any_enabled
    assert plain.agent_type == "investigation"
    assert plain.description == "agent a"


def test_stage_executions_expand_replicas(build: Build) -> None:
    base = "defaults:\n  llm_provider: p-default\n"
    config = build(base + chain(agent="KubernetesAgent", stage_keys="        replicas: 3\n"))
    specs = stage_executions(config, "c", 0)
    assert [(s.name, s.agent_index) for s in specs] == [
        ("KubernetesAgent-1", 0),
        ("KubernetesAgent-2", 0),
        ("KubernetesAgent-3", 0),
    ]
    config = build(
        base + chain(agent="KubernetesAgent", agent_keys="          - name: GeneralWorker\n")
    )
    assert [(s.name, s.agent_index) for s in stage_executions(config, "c", 0)] == [
        ("KubernetesAgent", 0),
        ("GeneralWorker", 1),
    ]


# --- sub-agents --------------------------------------------------------------------------------


def test_sub_agent_is_a_stage_agent_in_an_empty_stage_plus_ref_overrides(build: Build) -> None:
    tarsy = "defaults:\n  llm_provider: p-default\n  max_iterations: 7\n" + AGENT_A
    tarsy += chain(
        chain_keys="    llm_provider: p-chain\n    llm_backend: google-native\n",
        stage_keys="        max_iterations: 99\n",
    )
    config = build(tarsy)
    bare = resolve_sub_agent(config, "c", "GeneralWorker")
    assert (bare.llm_provider, bare.llm_backend, bare.max_iterations) == (
        "p-chain",
        "google-native",
        7,
    )
    assert bare.sub_agents == ()
    ref = SubAgentRef(
        name="GeneralWorker",
        llm_provider="p-stage-agent",
        llm_backend="langchain",
        max_iterations=3,
    )
    resolved = resolve_sub_agent(config, "c", ref)
    assert (resolved.llm_provider, resolved.llm_backend, resolved.max_iterations) == (
        "p-stage-agent",
        "langchain",
        3,
    )
    servers = resolve_sub_agent(config, "c", SubAgentRef(name="KubernetesAgent")).mcp_servers
    assert servers == ("kubernetes-server",)


# --- chat --------------------------------------------------------------------------------------


def test_chat_defaults_to_chat_agent_with_union_of_stage_servers(build: Build) -> None:
    servers = "mcp_servers:\n  x:\n    transport: {type: sse, url: 'http://x'}\n"
    tarsy = "defaults:\n  llm_provider: p-default\n" + servers
    tarsy += chain(
        agent="KubernetesAgent",
        agent_keys="          - name: GeneralWorker\n            mcp_servers: [x]\n",
    )
    resolved = resolve_chat_agent(build(tarsy), "c")
    assert resolved.agent_name == "ChatAgent"
    assert resolved.mcp_servers == ("kubernetes-server", "x")
    assert resolved.llm_provider == "p-default"


def test_chat_layers(build: Build) -> None:
    servers = "mcp_servers:\n  x:\n    transport: {type: sse, url: 'http://x'}\n"
    chat = (
        "    chat:\n      enabled: true\n      agent: GeneralWorker\n      llm_provider: p-chat\n"
        "      llm_backend: google-native\n      max_iterations: 4\n      mcp_servers: [x]\n"
        "      sub_agents: [WebResearcher]\n"
    )
    chain_keys = (
        "    llm_provider: p-chain\n    max_iterations: 9\n    mcp_servers: [kubernetes-server]\n"
        "    sub_agents: [CodeExecutor]\n" + FB.format(indent="    ", name="p-chain")
    )
    tarsy = "defaults:\n  llm_provider: p-default\n" + servers
    base = build(
        tarsy
        + chain(
            agent="KubernetesAgent",
            chain_keys=chain_keys,
            stage_keys=FB.format(indent="        ", name="p-stage-agent"),
        )
    )
    resolved = resolve_chat_agent(base, "c")
    assert (resolved.llm_provider, resolved.max_iterations, resolved.mcp_servers) == (
        "p-chain",
        9,
        ("kubernetes-server",),
    )
    assert [e.provider for e in resolved.fallback_providers] == ["p-chain"]  # stage list ignored
    assert [r.name for r in resolved.sub_agents] == ["CodeExecutor"]
    config = build(tarsy + chain(agent="KubernetesAgent", chain_keys=chain_keys + chat))
    resolved = resolve_chat_agent(config, "c")
    assert resolved.agent_name == "GeneralWorker"
    assert (resolved.llm_provider, resolved.llm_backend, resolved.max_iterations) == (
        "p-chat",
        "google-native",
        4,
    )
    assert resolved.mcp_servers == ("x",)
    assert [r.name for r in resolved.sub_agents] == ["WebResearcher"]
    assert resolve_chat_agent(config, "c", mcp_override=["kubernetes-server"]).mcp_servers == (
        "kubernetes-server",
    )


# --- scoring -----------------------------------------------------------------------------------


def test_scoring_layers_and_chain_backend_is_ignored(build: Build) -> None:
    tarsy = "defaults:\n  llm_provider: p-default\n"
    plain = build(
        tarsy
        + chain(
            agent="GeneralWorker",
            chain_keys="    llm_backend: google-native\n    llm_provider: p-chain\n",
        )
    )
    resolved = resolve_scoring_agent(plain, "c")
    assert resolved.agent_name == "ScoringAgent"
    assert resolved.llm_backend == "langchain"  # chain backend does not apply to scoring
    assert resolved.llm_provider == "p-chain"
    ds = (
        "  scoring:\n    enabled: true\n    agent: GeneralWorker\n    llm_provider: p-ds\n"
        "    llm_backend: google-native\n"
    )
    config = build(tarsy + ds + chain(agent="GeneralWorker"))
    resolved = resolve_scoring_agent(config, "c")
    assert (resolved.agent_name, resolved.llm_provider, resolved.llm_backend) == (
        "GeneralWorker",
        "p-ds",
        "google-native",
    )
    config = build(
        tarsy + ds + chain(agent="GeneralWorker", chain_keys="    llm_provider: p-chain\n")
    )
    assert resolve_scoring_agent(config, "c").llm_provider == "p-chain"
    scoring = (
        "    llm_provider: p-chain\n    max_iterations: 8\n"
        "    scoring:\n      enabled: true\n      agent: ScoringAgent\n"
        "      llm_provider: p-scoring\n      llm_backend: langchain\n"
        "      max_iterations: 2\n      mcp_servers: [kubernetes-server]\n"
    )
    resolved = resolve_scoring_agent(
        build(tarsy + ds + chain(agent="GeneralWorker", chain_keys=scoring)), "c"
    )
    assert (resolved.agent_name, resolved.llm_provider, resolved.llm_backend) == (
        "ScoringAgent",
        "p-scoring",
        "langchain",
    )
    assert (resolved.max_iterations, resolved.mcp_servers) == (2, ("kubernetes-server",))


# --- executive summary and synthesis --------------------------------------------------------------


def test_exec_summary_provider_chain(build: Build) -> None:
    base = "defaults:\n  llm_provider: p-default\n  llm_backend: google-native\n"
    resolved = resolve_exec_summary_agent(build(base + chain(agent="GeneralWorker")), "c")
    assert (resolved.agent_name, resolved.agent_type, resolved.llm_provider) == (
        "ExecSummaryAgent",
        "exec_summary",
        "p-default",
    )
    assert (resolved.llm_backend, resolved.mcp_servers, resolved.max_iterations) == (
        "google-native",
        (),
        1,
    )
    keys = "    llm_provider: p-chain\n    llm_backend: langchain\n"
    assert (
        resolve_exec_summary_agent(
            build(base + chain(agent="GeneralWorker", chain_keys=keys)), "c"
        ).llm_provider
        == "p-chain"
    )
    keys += "    executive_summary_provider: p-exec\n"
    resolved = resolve_exec_summary_agent(
        build(base + chain(agent="GeneralWorker", chain_keys=keys)), "c"
    )
    assert (resolved.llm_provider, resolved.llm_backend) == ("p-exec", "langchain")


def test_synthesis_agent(build: Build) -> None:
    base = "defaults:\n  llm_provider: p-default\n"
    config = build(base + chain(agent="GeneralWorker", chain_keys="    llm_provider: p-chain\n"))
    resolved = resolve_synthesis_agent(config, "c", 0)
    assert (resolved.agent_name, resolved.agent_type, resolved.llm_provider) == (
        "SynthesisAgent",
        "synthesis",
        "p-chain",
    )
    assert "confidence" in resolved.custom_instructions.lower()
    syn = (
        "        synthesis:\n          agent: GeneralWorker\n          llm_provider: p-syn\n"
        "          llm_backend: google-native\n"
    )
    resolved = resolve_synthesis_agent(
        build(base + chain(agent="GeneralWorker", stage_keys=syn)), "c", 0
    )
    assert (resolved.agent_name, resolved.llm_provider, resolved.llm_backend) == (
        "GeneralWorker",
        "p-syn",
        "google-native",
    )


# --- summarization -----------------------------------------------------------------------------


def test_summarization_provider_chain(build: Build) -> None:
    server = "mcp_servers:\n  x:\n    transport: {type: sse, url: 'http://x'}\n"
    base = "defaults:\n  llm_provider: p-default\n"
    config = build(base + server + chain(agent="GeneralWorker"))
    caller = resolve_stage_agent(config, "c", 0, 0)
    result = resolve_summarization(config, "x", caller)
    assert (result.enabled, result.size_threshold_tokens, result.summary_max_token_limit) == (
        True,
        5000,
        1000,
    )
    assert (result.llm_provider, result.llm_backend) == ("p-default", "langchain")
    config = build(
        base + "  summarization: {llm_provider: p-ds}\n" + server + chain(agent="GeneralWorker")
    )
    assert resolve_summarization(config, "x", caller).llm_provider == "p-ds"
    own = (
        server
        + "    summarization:\n      llm_provider: p-syn\n      llm_backend: google-native\n"
        + "      size_threshold_tokens: 200\n"
    )
    config = build(
        base + "  summarization: {llm_provider: p-ds}\n" + own + chain(agent="GeneralWorker")
    )
    result = resolve_summarization(config, "x", caller)
    assert (result.llm_provider, result.llm_backend, result.size_threshold_tokens) == (
        "p-syn",
        "google-native",
        200,
    )


def test_unknown_chain_or_stage(build: Build) -> None:
    config = build("defaults:\n  llm_provider: p-default\n")
    with pytest.raises(ConfigError, match="unknown chain 'nope'"):
        resolve_stage_agent(config, "nope", 0, 0)
    with pytest.raises(ConfigError, match="no stage 3"):
        resolve_stage_agent(config, "kubernetes", 3, 0)
