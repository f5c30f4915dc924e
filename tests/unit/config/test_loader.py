"""load_config: files, the demo, the reference-format fixture, built-ins and the load sequence."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

import pydantic
import pytest

from tarsy.config import load_config, resolve_stage_agent
from tarsy.domain.errors import ConfigErrors
from tests.unit.config.conftest import (
    FIXTURES,
    PROVIDERS,
    TARSY,
    WriteConfig,
    find_error,
    load,
    load_errors,
)

REFERENCE_ENV = {
    "GOOGLE_API_KEY": "g",
    "ANTHROPIC_API_KEY": "a",
    "OPENAI_API_KEY": "o",
    "SLACK_BOT_TOKEN": "xoxb-1",
    "MONITORING_MCP_URL": "https://monitoring.example.com",
    "MONITORING_TOKEN": "mon-token",
    "KUBECONFIG": "/etc/kube/config",
}

# --- files -----------------------------------------------------------------------------------


def test_missing_files_are_named(tmp_path: Path) -> None:
    errors = load_errors(tmp_path)
    assert [(e.file, e.line) for e in errors] == [
        ("tarsy.yaml", None),
        ("llm-providers.yaml", None),
    ]
    assert "required file is missing" in errors[0].detail


def test_missing_providers_file(write_config: WriteConfig) -> None:
    errors = load_errors(write_config(providers=None))
    assert [e.file for e in errors] == ["llm-providers.yaml"]


def test_missing_directory(tmp_path: Path) -> None:
    with pytest.raises(ConfigErrors, match="does not exist"):
        load_config(tmp_path / "nope", env={})


def test_invalid_yaml_reports_its_line(write_config: WriteConfig) -> None:
    errors = load_errors(write_config(providers="llm_providers:\n  x: [1,\n  y: 2\n"))
    assert errors[0].file == "llm-providers.yaml"
    assert errors[0].line is not None
    assert "invalid YAML" in errors[0].detail


def test_root_must_be_a_mapping(write_config: WriteConfig) -> None:
    errors = load_errors(write_config(tarsy="- a\n- b\n"))
    assert (errors[0].file, errors[0].line) == ("tarsy.yaml", 1)


def test_unknown_top_level_keys(write_config: WriteConfig) -> None:
    errors = load_errors(
        write_config(tarsy=TARSY + "fallback_lists: {}\n", providers=PROVIDERS + "extra: 1\n")
    )
    tarsy_error = find_error(errors, "fallback_lists")
    assert (tarsy_error.file, tarsy_error.line) == ("tarsy.yaml", 3)
    assert "allowed: queue, system, defaults" in tarsy_error.detail
    provider_error = find_error(errors, "extra")
    assert (provider_error.file, provider_error.line) == ("llm-providers.yaml", 5)


def test_empty_provider_map_is_valid(write_config: WriteConfig) -> None:
    config = load(
        write_config(
            tarsy="defaults:\n  llm_provider: google-default\n", providers="llm_providers: {}\n"
        ),
        {"GOOGLE_API_KEY": "k"},
    )
    assert "google-default" in config.llm_providers


# --- demo ------------------------------------------------------------------------------------


def test_demo_configuration_needs_no_environment() -> None:
    config = load_config(None, env={})
    assert config.config_dir is None
    assert config.chain_id_for_alert_type("kubernetes") == "kubernetes"
    assert config.defaults.llm_provider == "demo-scripted"
    assert config.llm_providers["demo-scripted"].type == "scripted"
    resolved = resolve_stage_agent(config, "kubernetes", 0, 0)
    assert (resolved.agent_name, resolved.llm_provider) == ("KubernetesAgent", "demo-scripted")
    assert config.warnings == ()


# --- the reference-format fixture ---------------------------------------------------------------


def test_reference_fixture_loads_and_validates(monkeypatch: pytest.MonkeyPatch) -> None:
    for name, value in REFERENCE_ENV.items():
        monkeypatch.setenv(name, value)
    config = load_config(FIXTURES / "reference")

    assert config.queue.worker_count == 3
    assert config.queue.poll_interval_jitter == timedelta(milliseconds=250)
    assert config.queue.orphan_retries == 1
    system = config.system
    assert system.slack.channel == "C0123456789"
    assert system.runbooks.cache_ttl == timedelta(minutes=5)
    assert [h.date for h in system.holidays] == ["01-01", "07-04"]
    promos = system.cost_estimation.promotions
    assert promos[0].start == datetime(2026, 9, 1, tzinfo=UTC)
    assert promos[1].end == datetime(2026, 10, 15, tzinfo=UTC)
    assert system.retention.event_ttl == timedelta(hours=2)

    d = config.defaults
    assert d.memory.enabled and d.memory.max_inject == 3
    assert d.orchestrator is not None and d.orchestrator.agent_timeout == timedelta(minutes=5)
    assert d.summarization is not None and d.summarization.llm_provider == "gemini-flash-fallback"
    assert d.runbook is not None and d.runbook.startswith("# Default runbook")

    k8s = config.mcp_servers["kubernetes-server"]
    assert k8s.transport.args[-1] == "/etc/kube/config"
    assert k8s.summarization.size_threshold_tokens == 4000
    monitoring = config.mcp_servers["monitoring-server"]
    assert monitoring.transport.url == "https://monitoring.example.com"
    assert monitoring.transport.timeout == timedelta(seconds=30)
    assert monitoring.transport.session_cleanup_url == (
        "https://monitoring.example.com/sessions/{{.SESSION_ID}}"
    )
    assert monitoring.summarization.enabled is False
    events = config.mcp_servers["events-server"]
    assert (events.transport.type, events.session_scope) == ("sse", "shared")
    assert events.summarization.enabled is True
    assert events.summarization.size_threshold_tokens == 5000

    assert {"LogAnalyzer", "Orchestrator", "CustomSynthesizer", "Remediator"} <= set(config.agents)
    assert config.agents["Orchestrator"].skills == ()
    chain = config.agent_chains["pod-crashloop"]
    assert [ref.name for ref in chain.sub_agents] == ["LogAnalyzer", "WebResearcher"]
    assert chain.sub_agents[1].max_iterations == 5
    assert chain.stages[0].fallback_providers == ()
    assert chain.stages[1].replicas == 3
    assert chain.chat_enabled and chain.scoring_enabled
    assert config.agent_chains["quiet-chain"].chat_enabled is False
    # defaults.scoring.enabled gives chains without a scoring block an enabled one
    assert config.agent_chains["quiet-chain"].scoring_enabled
    assert config.agent_chains["kubernetes"].scoring_enabled

    providers = config.llm_providers
    assert providers["gemini-pro"].thinking is not None
    assert providers["gemini-pro"].thinking.budget_tokens == 8192
    assert providers["anthropic-default"].model == "claude-sonnet-5"
    assert providers["local-scripted"].type == "scripted"
    assert set(config.skills) == {"k8s-basics", "incident-etiquette"}
    assert config.skills["k8s-basics"].source == "skills/k8s-basics/SKILL.md"
    assert config.skills["incident-etiquette"].body.startswith("State what you checked")

    warned = {w.key_path for w in config.warnings}
    assert "agent_chains.pod-crashloop.stages[1].agents[0]" in warned


def test_reference_fixture_without_credentials_fails_where_they_are_used() -> None:
    env = {k: v for k, v in REFERENCE_ENV.items() if k != "ANTHROPIC_API_KEY"}
    errors = load_errors(FIXTURES / "reference", env)
    assert [e.key_path for e in errors] == ["defaults.fallback_providers[0].provider"]
    assert "ANTHROPIC_API_KEY" in errors[0].detail
    assert errors[0].file == "tarsy.yaml"


# --- built-ins and override semantics ---------------------------------------------------------


def test_builtins_are_present(write_config: WriteConfig) -> None:
    config = load(write_config())
    assert {
        "KubernetesAgent",
        "ChatAgent",
        "SynthesisAgent",
        "ExecSummaryAgent",
        "ScoringAgent",
        "WebResearcher",
        "CodeExecutor",
        "GeneralWorker",
    } <= set(config.agents)
    server = config.mcp_servers["kubernetes-server"]
    assert server.transport.command == "npx"
    assert server.data_masking is not None
    assert server.data_masking.pattern_groups == ("kubernetes",)
    assert server.data_masking.patterns == ("certificate", "token", "email")
    assert (
        server.summarization.size_threshold_tokens,
        server.summarization.summary_max_token_limit,
    ) == (5000, 1000)
    assert config.llm_providers["google-default"].model == "gemini-3.7-flash"
    assert config.llm_providers["openai-default"].model == "gpt-5.2"
    assert config.llm_providers["xai-default"].model == "grok-4.6"
    assert config.agent_chains["kubernetes"].stages[0].agents[0].name == "KubernetesAgent"


def test_user_mcp_server_replaces_builtin_wholesale(write_config: WriteConfig) -> None:
    tarsy = TARSY + (
        "mcp_servers:\n  kubernetes-server:\n    transport:\n      type: http\n"
        "      url: http://k8s-mcp:8080/mcp\n"
    )
    server = load(write_config(tarsy)).mcp_servers["kubernetes-server"]
    assert server.transport.type == "http"
    assert server.transport.args == ()
    assert server.data_masking is None  # no field merge: the built-in masking is gone
    assert server.instructions == ""


def test_user_agent_replaces_builtin_wholesale(write_config: WriteConfig) -> None:
    tarsy = TARSY + "agents:\n  WebResearcher:\n    custom_instructions: plain\n"
    agent = load(write_config(tarsy)).agents["WebResearcher"]
    assert (agent.description, agent.llm_backend, agent.native_tools) == ("", None, None)


def test_user_provider_and_chain_replace_builtins(write_config: WriteConfig) -> None:
    tarsy = TARSY + (
        "agent_chains:\n  kubernetes:\n    alert_types: [k8s]\n"
        "    stages:\n      - name: only\n        agents: [{name: GeneralWorker}]\n"
    )
    providers = PROVIDERS + "  google-default:\n    type: google\n    model: gemini-9\n"
    config = load(write_config(tarsy, providers))
    assert config.llm_providers["google-default"].native_tools is None
    assert config.chain_id_for_alert_type("k8s") == "kubernetes"
    assert config.chain_id_for_alert_type("kubernetes") is None
    assert any(w.key_path == "defaults.alert_type" for w in config.warnings)


# --- load sequence ----------------------------------------------------------------------------


def test_defaults_applied(write_config: WriteConfig) -> None:
    config = load(write_config())
    assert config.defaults.alert_type == "kubernetes"
    masking = config.defaults.alert_masking
    assert (masking.enabled, masking.pattern_group) == (True, "security")
    assert config.system.dashboard_url == "http://localhost:5173"
    assert config.system.github.token_env == "GITHUB_TOKEN"
    assert [h.name for h in config.system.holidays] == ["New Year's Day", "Christmas Day"]
    assert config.system.cost_estimation.enabled is True
    assert config.system.retention.session_retention_days == 365
    assert config.defaults.memory.embedding.dimensions == 768


def test_queue_merge_keeps_defaults_for_zero_values(write_config: WriteConfig) -> None:
    tarsy = TARSY + "queue:\n  worker_count: 0\n  poll_interval: 0s\n  max_concurrent_sessions: 9\n"
    queue = load(write_config(tarsy)).queue
    assert (queue.worker_count, queue.poll_interval, queue.max_concurrent_sessions) == (
        5,
        timedelta(seconds=1),
        9,
    )
    assert queue.session_timeout == timedelta(minutes=40)
    assert queue.heartbeat_interval == timedelta(seconds=30)


def test_orphan_retries_zero_is_kept(write_config: WriteConfig) -> None:
    assert load(write_config(TARSY + "queue:\n  orphan_retries: 0\n")).queue.orphan_retries == 0


def test_scoring_propagation_respects_explicit_blocks(write_config: WriteConfig) -> None:
    tarsy = TARSY + (
        "  scoring:\n    enabled: true\n"
        "agent_chains:\n  off:\n    alert_types: [x]\n"
        "    stages: [{name: s, agents: [{name: GeneralWorker}]}]\n"
        "    scoring: {enabled: false}\n"
    )
    config = load(write_config(tarsy))
    assert config.agent_chains["kubernetes"].scoring_enabled
    assert not config.agent_chains["off"].scoring_enabled


def test_absent_versus_empty_is_kept(write_config: WriteConfig) -> None:
    tarsy = TARSY + (
        "agents:\n  Some: {skills: [], description: d}\n  All: {description: d}\n"
        "agent_chains:\n  c:\n    alert_types: [x]\n    fallback_providers: []\n"
        "    stages: [{name: s, agents: [{name: Some}]}]\n"
    )
    config = load(write_config(tarsy))
    assert config.agents["Some"].skills == ()
    assert config.agents["All"].skills is None
    assert config.agent_chains["c"].fallback_providers == ()
    assert config.agent_chains["kubernetes"].fallback_providers is None
    assert config.agent_chains["c"].chat is None and config.agent_chains["c"].chat_enabled
    assert config.agent_chains["c"].chat_agent == "ChatAgent"


def test_null_and_empty_string_mean_absent(write_config: WriteConfig) -> None:
    tarsy = (
        "defaults:\n  llm_provider: test\n  alert_type: ''\n  llm_backend:\n"
        "agents:\n  A:\n    type: ''\n"
    )
    config = load(write_config(tarsy))
    assert config.defaults.alert_type == "kubernetes"
    assert config.defaults.llm_backend is None
    assert config.agents["A"].type == ""


def test_config_is_frozen(write_config: WriteConfig) -> None:
    config = load(write_config())
    with pytest.raises(pydantic.ValidationError):
        config.defaults.alert_type = "x"  # type: ignore[misc]
    with pytest.raises(TypeError):
        config.agents["X"] = config.agents["ChatAgent"]  # type: ignore[index]


# --- skills -----------------------------------------------------------------------------------

SKILL = "---\nname: {name}\ndescription: {desc}\n---\nbody of {name}\n"


def test_skills_directory_and_flat_layouts(write_config: WriteConfig) -> None:
    directory = write_config(
        skills={
            "dir-skill/SKILL.md": SKILL.format(name="dir-skill", desc="d"),
            "flat.md": SKILL.format(name="flat", desc="f"),
            ".hidden.md": "ignored",
            "..data/SKILL.md": "ignored",
            "notes.txt": "ignored",
            "empty-dir/README.md": "ignored",
        }
    )
    skills = load(directory).skills
    assert set(skills) == {"dir-skill", "flat"}
    assert skills["flat"].body == "body of flat"
    assert skills["dir-skill"].description == "d"


def test_duplicate_skill_names(write_config: WriteConfig) -> None:
    directory = write_config(
        skills={
            "a/SKILL.md": SKILL.format(name="same", desc="1"),
            "b.md": SKILL.format(name="same", desc="2"),
        }
    )
    errors = load_errors(directory)
    assert errors[0].file == "skills/b.md"
    assert errors[0].line == 2
    assert "duplicate skill name 'same'" in errors[0].detail


@pytest.mark.parametrize(
    ("content", "fragment"),
    [
        ("no front matter\n", "missing front matter"),
        ("---\nname: x\n", "not closed"),
        ("---\nname: x\n---\nbody\n", "non-empty 'description'"),
        ("---\ndescription: d\n---\n", "non-empty 'name'"),
        ("---\n- a\n---\n", "must be a mapping"),
        ("---\nname: [x\n---\n", "invalid front matter YAML"),
    ],
)
def test_invalid_skill_files(write_config: WriteConfig, content: str, fragment: str) -> None:
    errors = load_errors(write_config(skills={"bad/SKILL.md": content}))
    assert errors[0].file == "skills/bad/SKILL.md"
    assert errors[0].line is not None
    assert fragment in errors[0].detail


def test_referenced_skill_must_exist(write_config: WriteConfig) -> None:
    tarsy = TARSY + "agents:\n  A:\n    required_skills: [present, absent]\n"
    directory = write_config(tarsy, skills={"present.md": SKILL.format(name="present", desc="p")})
    error = find_error(load_errors(directory), "agents.A.required_skills[1]")
    assert (error.file, error.line) == ("tarsy.yaml", 5)
