"""Every validation rule reports the file, the dotted key path and the line it is written on.

Each case is a small config directory; the line expected in the message carries a ``#<`` marker.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import pytest

from tests.unit.config.conftest import (
    PROVIDERS,
    WriteConfig,
    find_error,
    load_errors,
    marked_line,
)


@dataclass(frozen=True)
class Case:
    id: str
    key_path: str
    fragment: str
    tarsy: str
    providers: str = PROVIDERS
    env: dict[str, str] = field(default_factory=dict)


def d(body: str) -> str:
    """A tarsy.yaml with the scripted test provider as default, plus ``body``."""
    return "defaults:\n  llm_provider: test\n" + body


CHAIN = """\
agent_chains:
  c:
    alert_types: [a]
    stages:
      - name: s
        agents:
          - name: KubernetesAgent
"""

CASES = [
    # --- queue ---------------------------------------------------------------------------------
    Case(
        "worker-range",
        "queue.worker_count",
        "between 1 and 50",
        d("queue:\n  worker_count: 51 #<\n"),
    ),
    Case(
        "max-sessions",
        "queue.max_concurrent_sessions",
        "at least 1",
        d("queue:\n  max_concurrent_sessions: -2 #<\n"),
    ),
    Case(
        "jitter",
        "queue.poll_interval_jitter",
        "less than poll_interval",
        d("queue:\n  poll_interval: 1s\n  poll_interval_jitter: 2s #<\n"),
    ),
    Case(
        "heartbeat",
        "queue.heartbeat_interval",
        "less than orphan_threshold",
        d("queue:\n  orphan_threshold: 1m\n  heartbeat_interval: 2m #<\n"),
    ),
    Case(
        "negative-duration",
        "queue.session_timeout",
        "must be positive",
        d("queue:\n  session_timeout: -5m #<\n"),
    ),
    Case(
        "bad-duration",
        "queue.session_timeout",
        "invalid duration",
        d("queue:\n  session_timeout: 5 minutes #<\n"),
    ),
    Case(
        "int-duration",
        "queue.poll_interval",
        "expected a duration",
        d("queue:\n  poll_interval: 5 #<\n"),
    ),
    Case("orphan-retries", "queue.orphan_retries", ">= 0", d("queue:\n  orphan_retries: -1 #<\n")),
    Case(
        "queue-unknown-key",
        "queue.workers",
        "unknown key 'workers'",
        d("queue:\n  workers: 3 #<\n"),
    ),
    # --- system --------------------------------------------------------------------------------
    Case(
        "dashboard-url",
        "system.dashboard_url",
        "http(s) URL",
        d("system:\n  dashboard_url: localhost #<\n"),
    ),
    Case(
        "cache-ttl",
        "system.runbooks.cache_ttl",
        "must be positive",
        d("system:\n  runbooks:\n    cache_ttl: 0s #<\n"),
    ),
    Case(
        "repo-url",
        "system.runbooks.repo_url",
        "http(s) URL",
        d("system:\n  runbooks:\n    repo_url: not a url #<\n"),
    ),
    Case(
        "slack-channel",
        "system.slack.channel",
        "channel is required",
        d("system:\n  slack: #<\n    enabled: true\n"),
        env={"SLACK_BOT_TOKEN": "x"},
    ),
    Case(
        "slack-token",
        "system.slack.token_env",
        "SLACK_TOKEN is not set",
        d("system:\n  slack:\n    enabled: true\n    channel: C1\n    token_env: SLACK_TOKEN #<\n"),
    ),
    Case(
        "slack-api-url",
        "system.slack.api_url",
        "http(s) URL",
        d("system:\n  slack:\n    api_url: slack.internal/api #<\n"),
    ),
    Case(
        "holiday-date",
        "system.holidays[0].date",
        "expected MM-DD",
        d("system:\n  holidays:\n    - date: 13-45 #<\n      name: x\n"),
    ),
    Case(
        "rate-negative",
        "system.cost_estimation.model_rates.m.input_per_million",
        "greater than or equal to 0",
        d(
            "system:\n  cost_estimation:\n    model_rates:\n      m:\n"
            "        input_per_million: -1 #<\n"
        ),
    ),
    Case(
        "rate-infinite",
        "system.cost_estimation.model_rates.m.output_per_million",
        "finite number",
        d(
            "system:\n  cost_estimation:\n    model_rates:\n      m:\n"
            "        output_per_million: .inf #<\n"
        ),
    ),
    Case(
        "promotion-order",
        "system.cost_estimation.promotions[0].end",
        "end must be after start",
        d(
            "system:\n  cost_estimation:\n    promotions:\n      - model: m\n"
            "        start: 2026-02-01\n        end: 2026-01-01 #<\n"
        ),
    ),
    Case(
        "promotion-overlap",
        "system.cost_estimation.promotions[1]",
        "overlaps promotions[0]",
        d(
            "system:\n  cost_estimation:\n    promotions:\n      - model: m\n"
            "        start: 2026-01-01\n        end: 2026-02-01\n"
            "      - model: m #<\n        start: 2026-01-15T00:00:00Z\n        end: 2026-03-01\n"
        ),
    ),
    Case(
        "promotion-date",
        "system.cost_estimation.promotions[0].end",
        "RFC 3339",
        d(
            "system:\n  cost_estimation:\n    promotions:\n      - model: m\n"
            "        end: next week #<\n"
        ),
    ),
    Case(
        "retention-days",
        "system.retention.session_retention_days",
        "greater than or equal to 1",
        d("system:\n  retention:\n    session_retention_days: 0 #<\n"),
    ),
    Case(
        "system-unknown",
        "system.prompt_cache",
        "unknown key 'prompt_cache' (allowed: dashboard_url",
        d("system:\n  prompt_cache: true #<\n"),
    ),
    Case(
        "alertmanager-map",
        "system.alertmanager.alert_type_map.KubePodCrashLooping",
        "no chain handles alert type 'nope' (alert types of the chains: kubernetes)",
        d("system:\n  alertmanager:\n    alert_type_map:\n      KubePodCrashLooping: nope #<\n"),
    ),
    Case(
        "alertmanager-default-type",
        "system.alertmanager.default_alert_type",
        "no chain handles alert type 'ghost'",
        d("system:\n  alertmanager:\n    default_alert_type: ghost #<\n"),
    ),
    Case(
        "alertmanager-session-per",
        "system.alertmanager.session_per",
        "'group' or 'alert'",
        d("system:\n  alertmanager:\n    session_per: incident #<\n"),
    ),
    Case(
        "alertmanager-blank-label",
        "system.alertmanager.alert_type_label",
        "must name a label or annotation",
        d("system:\n  alertmanager:\n    alert_type_label: '  ' #<\n"),
    ),
    Case(
        "alertmanager-unknown",
        "system.alertmanager.group_by",
        "unknown key 'group_by'",
        d("system:\n  alertmanager:\n    group_by: [alertname] #<\n"),
    ),
    # --- defaults ------------------------------------------------------------------------------
    Case(
        "default-provider",
        "defaults.llm_provider",
        "unknown llm provider 'nope'",
        "defaults:\n  llm_provider: nope #<\n",
    ),
    Case(
        "summarization-keys",
        "defaults.summarization.enabled",
        "only llm_provider and llm_backend",
        d("  summarization:\n    enabled: true #<\n"),
    ),
    Case(
        "summarization-backend",
        "defaults.summarization.llm_backend",
        "needs llm_provider",
        d("  summarization:\n    llm_backend: langchain #<\n"),
    ),
    Case(
        "alert-masking-group",
        "defaults.alert_masking.pattern_group",
        "unknown masking pattern group",
        d("  alert_masking:\n    enabled: true\n    pattern_group: strict #<\n"),
    ),
    Case(
        "orchestrator-timeout",
        "defaults.orchestrator.agent_timeout",
        "must be positive",
        d("  orchestrator:\n    agent_timeout: 0s #<\n"),
    ),
    Case(
        "orchestrator-agents",
        "defaults.orchestrator.max_concurrent_agents",
        "greater than or equal to 1",
        d("  orchestrator:\n    max_concurrent_agents: 0 #<\n"),
    ),
    Case(
        "memory-key",
        "defaults.memory.embedding.api_key_env",
        "EMBED_KEY",
        d("  memory:\n    enabled: true\n    embedding:\n      api_key_env: EMBED_KEY #<\n"),
    ),
    Case(
        "memory-provider",
        "defaults.memory.embedding.provider",
        "invalid value 'cohere'",
        d("  memory:\n    embedding:\n      provider: cohere #<\n"),
    ),
    Case(
        "memory-dimensions",
        "defaults.memory.embedding.dimensions",
        "greater than or equal to 1",
        d("  memory:\n    embedding:\n      dimensions: -3 #<\n"),
    ),
    Case(
        "success-policy",
        "defaults.success_policy",
        "invalid value 'most'",
        d("  success_policy: most #<\n"),
    ),
    Case(
        "fallback-provider",
        "defaults.fallback_providers[0].provider",
        "unknown llm provider 'gone'",
        d("  fallback_providers:\n    - provider: gone #<\n      backend: langchain\n"),
    ),
    Case(
        "fallback-backend",
        "defaults.fallback_providers[0].backend",
        "invalid value 'native'",
        d("  fallback_providers:\n    - provider: test\n      backend: native #<\n"),
    ),
    Case(
        "fallback-missing-backend",
        "defaults.fallback_providers[0].backend",
        "required key 'backend'",
        d("  fallback_providers:\n    - provider: test #<\n"),
    ),
    Case("no-provider", "agent_chains.c", "no LLM provider", CHAIN.replace("  c:", "  c: #<")),
    # --- agents --------------------------------------------------------------------------------
    Case(
        "agent-type",
        "agents.A.type",
        "invalid value 'orchestrator'",
        d("agents:\n  A:\n    type: orchestrator #<\n"),
    ),
    Case(
        "agent-backend",
        "agents.A.llm_backend",
        "invalid value 'openai'",
        d("agents:\n  A:\n    llm_backend: openai #<\n"),
    ),
    Case(
        "agent-native-tool",
        "agents.A.native_tools.web_search",
        "unknown key 'web_search' (allowed: google_search, code_execution, url_context)",
        d("agents:\n  A:\n    native_tools:\n      web_search: true #<\n"),
    ),
    Case(
        "agent-mcp",
        "agents.A.mcp_servers[1]",
        "unknown MCP server 'argocd'",
        d("agents:\n  A:\n    mcp_servers:\n      - kubernetes-server\n      - argocd #<\n"),
    ),
    Case(
        "agent-skill",
        "agents.A.skills[0]",
        "unknown skill 'missing'",
        d("agents:\n  A:\n    skills: [missing] #<\n"),
    ),
    Case(
        "agent-required-skill",
        "agents.A.required_skills[0]",
        "unknown skill 'gone'",
        d("agents:\n  A:\n    required_skills:\n      - gone #<\n"),
    ),
    Case(
        "agent-orchestrator",
        "agents.A.orchestrator.max_budget",
        "must be positive",
        d("agents:\n  A:\n    orchestrator:\n      max_budget: -1m #<\n"),
    ),
    Case(
        "agent-provider-key",
        "agents.A.llm_provider",
        "unknown key 'llm_provider'",
        d("agents:\n  A:\n    llm_provider: test #<\n"),
    ),
    Case(
        "agent-iterations",
        "agents.A.max_iterations",
        "greater than or equal to 1",
        d("agents:\n  A:\n    max_iterations: 0 #<\n"),
    ),
    # --- mcp_servers ---------------------------------------------------------------------------
    Case(
        "stdio-command",
        "mcp_servers.m.transport",
        "needs 'command'",
        d("mcp_servers:\n  m:\n    transport: #<\n      type: stdio\n"),
    ),
    Case(
        "http-url",
        "mcp_servers.m.transport",
        "http transport needs 'url'",
        d("mcp_servers:\n  m:\n    transport: #<\n      type: http\n"),
    ),
    Case(
        "sse-url",
        "mcp_servers.m.transport",
        "sse transport needs 'url'",
        d("mcp_servers:\n  m:\n    transport: #<\n      type: sse\n"),
    ),
    Case(
        "transport-type",
        "mcp_servers.m.transport.type",
        "invalid value 'grpc'",
        d("mcp_servers:\n  m:\n    transport:\n      type: grpc #<\n"),
    ),
    Case(
        "transport-missing",
        "mcp_servers.m.transport",
        "required key 'transport'",
        d("mcp_servers:\n  m: #<\n    instructions: hi\n"),
    ),
    Case(
        "transport-timeout",
        "mcp_servers.m.transport.timeout",
        "must not be negative",
        d(
            "mcp_servers:\n  m:\n    transport:\n      type: http\n      url: http://x\n"
            "      timeout: -3 #<\n"
        ),
    ),
    Case(
        "masking-group",
        "mcp_servers.m.data_masking.pattern_groups[0]",
        "unknown masking pattern group 'k8s'",
        d(
            "mcp_servers:\n  m:\n    transport: {type: sse, url: 'http://x'}\n"
            "    data_masking:\n      pattern_groups:\n        - k8s #<\n"
        ),
    ),
    Case(
        "masking-pattern",
        "mcp_servers.m.data_masking.patterns[0]",
        "unknown masking pattern 'ssn'",
        d(
            "mcp_servers:\n  m:\n    transport: {type: sse, url: 'http://x'}\n"
            "    data_masking:\n      patterns: [ssn] #<\n"
        ),
    ),
    Case(
        "custom-replacement",
        "mcp_servers.m.data_masking.custom_patterns[0]",
        "needs 'replacement'",
        d(
            "mcp_servers:\n  m:\n    transport: {type: sse, url: 'http://x'}\n"
            "    data_masking:\n      custom_patterns:\n        - pattern: abc #<\n"
        ),
    ),
    Case(
        "custom-regex",
        "mcp_servers.m.data_masking.custom_patterns[0].pattern",
        "invalid regular expression",
        d(
            "mcp_servers:\n  m:\n    transport: {type: sse, url: 'http://x'}\n"
            "    data_masking:\n      custom_patterns:\n        - replacement: x\n"
            "          pattern: '(unclosed' #<\n"
        ),
    ),
    Case(
        "summary-threshold",
        "mcp_servers.m.summarization.size_threshold_tokens",
        "greater than or equal to 100",
        d(
            "mcp_servers:\n  m:\n    transport: {type: sse, url: 'http://x'}\n"
            "    summarization:\n      size_threshold_tokens: 50 #<\n"
        ),
    ),
    Case(
        "summary-limit",
        "mcp_servers.m.summarization.summary_max_token_limit",
        "greater than or equal to 50",
        d(
            "mcp_servers:\n  m:\n    transport: {type: sse, url: 'http://x'}\n"
            "    summarization:\n      summary_max_token_limit: 10 #<\n"
        ),
    ),
    Case(
        "summary-disabled-provider",
        "mcp_servers.m.summarization.llm_provider",
        "summarization is disabled",
        d(
            "mcp_servers:\n  m:\n    transport: {type: sse, url: 'http://x'}\n"
            "    summarization:\n      enabled: false\n      llm_provider: test #<\n"
        ),
    ),
    Case(
        "summary-backend",
        "mcp_servers.m.summarization.llm_backend",
        "needs llm_provider",
        d(
            "mcp_servers:\n  m:\n    transport: {type: sse, url: 'http://x'}\n"
            "    summarization:\n      llm_backend: langchain #<\n"
        ),
    ),
    Case(
        "summary-provider",
        "mcp_servers.m.summarization.llm_provider",
        "unknown llm provider",
        d(
            "mcp_servers:\n  m:\n    transport: {type: sse, url: 'http://x'}\n"
            "    summarization:\n      llm_provider: ghost #<\n"
        ),
    ),
    Case(
        "session-scope",
        "mcp_servers.m.session_scope",
        "invalid value 'global'",
        d(
            "mcp_servers:\n  m:\n    transport: {type: sse, url: 'http://x'}\n"
            "    session_scope: global #<\n"
        ),
    ),
    # --- agent_chains --------------------------------------------------------------------------
    Case(
        "stage-agent",
        "agent_chains.c.stages[0].agents[1].name",
        "unknown agent 'Ghost'",
        d(CHAIN + "          - name: Ghost #<\n"),
    ),
    Case(
        "chain-provider",
        "agent_chains.c.llm_provider",
        "unknown llm provider 'p2'",
        d(CHAIN + "    llm_provider: p2 #<\n"),
    ),
    Case(
        "exec-summary-provider",
        "agent_chains.c.executive_summary_provider",
        "unknown llm provider",
        d(CHAIN + "    executive_summary_provider: p3 #<\n"),
    ),
    Case(
        "stage-agent-provider",
        "agent_chains.c.stages[0].agents[0].llm_provider",
        "unknown llm provider 'p4'",
        d(CHAIN + "            llm_provider: p4 #<\n"),
    ),
    Case(
        "stage-mcp",
        "agent_chains.c.stages[0].mcp_servers[0]",
        "unknown MCP server 'nope'",
        d(CHAIN + "        mcp_servers: [nope] #<\n"),
    ),
    Case(
        "stage-agent-fallback",
        "agent_chains.c.stages[0].agents[0].fallback_providers[0].provider",
        "unknown llm provider 'fb'",
        d(
            CHAIN + "            fallback_providers:\n              - provider: fb #<\n"
            "                backend: langchain\n"
        ),
    ),
    Case(
        "sub-agent-unknown",
        "agent_chains.c.sub_agents[0].name",
        "unknown agent 'Nobody'",
        d(CHAIN + "    sub_agents:\n      - Nobody #<\n"),
    ),
    Case(
        "sub-agent-description",
        "agent_chains.c.sub_agents[0].name",
        "has no description",
        d("agents:\n  Silent: {}\n" + CHAIN + "    sub_agents:\n      - name: Silent #<\n"),
    ),
    Case(
        "sub-agent-key",
        "agent_chains.c.stages[0].sub_agents[0].fallback_providers",
        "unknown key 'fallback_providers'",
        d(
            CHAIN + "        sub_agents:\n          - name: GeneralWorker\n"
            "            fallback_providers: [] #<\n"
        ),
    ),
    Case(
        "sub-agent-skill",
        "agent_chains.c.stages[0].agents[0].sub_agents[0].skills[0]",
        "unknown skill 'sk'",
        d(
            CHAIN + "            sub_agents:\n              - name: GeneralWorker\n"
            "                skills: [sk] #<\n"
        ),
    ),
    Case(
        "alert-type-twice",
        "agent_chains.c.alert_types[0]",
        "already handled by chain 'kubernetes'",
        d(CHAIN.replace("[a]", "[kubernetes] #<")),
    ),
    Case(
        "alert-types-empty",
        "agent_chains.c.alert_types",
        "at least 1 item",
        d(CHAIN.replace("[a]", "[] #<")),
    ),
    Case(
        "stages-missing",
        "agent_chains.c.stages",
        "required key 'stages'",
        d("agent_chains:\n  c: #<\n    alert_types: [a]\n"),
    ),
    Case(
        "stage-name",
        "agent_chains.c.stages[0].name",
        "required key 'name'",
        d(CHAIN.replace("      - name: s", "      - replicas: 1 #<")),
    ),
    Case(
        "chat-agent-required",
        "agent_chains.c.chat",
        "chat.agent is required",
        d(CHAIN + "    chat: #<\n      enabled: true\n"),
    ),
    Case(
        "chat-agent",
        "agent_chains.c.chat.agent",
        "unknown agent 'Talker'",
        d(CHAIN + "    chat:\n      enabled: true\n      agent: Talker #<\n"),
    ),
    Case(
        "chat-provider",
        "agent_chains.c.chat.llm_provider",
        "unknown llm provider",
        d(
            CHAIN + "    chat:\n      enabled: true\n      agent: ChatAgent\n"
            "      llm_provider: zz #<\n"
        ),
    ),
    Case(
        "scoring-agent",
        "agent_chains.c.scoring.agent",
        "unknown agent 'Critic'",
        d(CHAIN + "    scoring:\n      enabled: true\n      agent: Critic #<\n"),
    ),
    Case(
        "synthesis-agent",
        "agent_chains.c.stages[0].synthesis.agent",
        "unknown agent 'Merger'",
        d(CHAIN + "        synthesis:\n          agent: Merger #<\n"),
    ),
    Case(
        "replicas",
        "agent_chains.c.stages[0].replicas",
        "greater than or equal to 1",
        d(CHAIN + "        replicas: -1 #<\n"),
    ),
    Case(
        "stage-provider-key",
        "agent_chains.c.stages[0].llm_provider",
        "unknown key 'llm_provider'",
        d(CHAIN + "        llm_provider: test #<\n"),
    ),
    # --- llm-providers.yaml --------------------------------------------------------------------
    Case(
        "provider-model",
        "llm_providers.x.model",
        "required key 'model'",
        d(""),
        providers=PROVIDERS + "  x: #<\n    type: openai\n",
    ),
    Case(
        "provider-type",
        "llm_providers.x.type",
        "invalid value 'mistral'",
        d(""),
        providers=PROVIDERS + "  x:\n    type: mistral #<\n    model: m\n",
    ),
    Case(
        "provider-thinking",
        "llm_providers.x.thinking.effort",
        "invalid value 'max'",
        d(""),
        providers=PROVIDERS + "  x:\n    type: anthropic\n    model: m\n"
        "    thinking:\n      effort: max #<\n",
    ),
    Case(
        "provider-base-url",
        "llm_providers.x.base_url",
        "http(s) URL",
        d(""),
        providers=PROVIDERS + "  x:\n    type: openai\n    model: m\n    base_url: proxy #<\n",
    ),
    Case(
        "provider-unknown-key",
        "llm_providers.x.iteration_strategy",
        "unknown key",
        d(""),
        providers=PROVIDERS + "  x:\n    type: openai\n    model: m\n"
        "    iteration_strategy: react #<\n",
    ),
    # --- credentials: reported where the provider is used --------------------------------------
    Case(
        "credentials-default",
        "defaults.llm_provider",
        "needs environment variable OPENAI_API_KEY",
        "defaults:\n  llm_provider: openai-default #<\n",
    ),
    Case(
        "credentials-fallback",
        "defaults.fallback_providers[0].provider",
        "needs environment variable ANTHROPIC_API_KEY",
        d(
            "  fallback_providers:\n    - provider: anthropic-default #<\n"
            "      backend: langchain\n"
        ),
    ),
    Case(
        "credentials-vertex",
        "agent_chains.c.llm_provider",
        "GOOGLE_CLOUD_LOCATION",
        d(CHAIN + "    llm_provider: vertexai-default #<\n"),
        env={"GOOGLE_CLOUD_PROJECT": "p"},
    ),
    Case(
        "credentials-summarization",
        "mcp_servers.m.summarization.llm_provider",
        "needs environment variable KEY_X (api_key_env, defined at llm-providers.yaml:8)",
        d(
            "mcp_servers:\n  m:\n    transport: {type: sse, url: 'http://x'}\n"
            "    summarization:\n      llm_provider: x #<\n"
        ),
        providers=PROVIDERS + "  x:\n    type: openai\n    model: m\n    api_key_env: KEY_X\n",
    ),
]


@pytest.mark.parametrize("case", CASES, ids=[c.id for c in CASES])
def test_error_names_file_key_path_and_line(write_config: WriteConfig, case: Case) -> None:
    directory = write_config(case.tarsy, case.providers)
    error = find_error(load_errors(directory, case.env), case.key_path)
    in_providers = "#<" in case.providers
    expected_file = "llm-providers.yaml" if in_providers else "tarsy.yaml"
    expected_line = marked_line(case.providers if in_providers else case.tarsy)
    assert case.fragment in error.detail
    assert (error.file, error.line) == (expected_file, expected_line)
    assert str(error).startswith(f"{expected_file}:{expected_line}: {case.key_path}: ")


def test_all_errors_are_reported_together(write_config: WriteConfig) -> None:
    tarsy = d(
        CHAIN
        + "          - name: Ghost\n"
        + "    llm_provider: nowhere\n"
        + "agents:\n  A:\n    mcp_servers: [missing]\n    bogus: 1\n"
    )
    errors = load_errors(write_config(tarsy))
    paths = {e.key_path for e in errors}
    assert {
        "agent_chains.c.stages[0].agents[1].name",
        "agent_chains.c.llm_provider",
        "agents.A.bogus",
    } <= paths
    lines = [e.line or 0 for e in errors if e.file == "tarsy.yaml"]
    assert lines == sorted(lines)


def test_broken_entry_is_not_reported_again_as_missing(write_config: WriteConfig) -> None:
    tarsy = d("agents:\n  A:\n    type: wrong\n" + CHAIN.replace("KubernetesAgent", "A"))
    errors = load_errors(write_config(tarsy))
    assert [e.key_path for e in errors] == ["agents.A.type"]


def test_unreferenced_provider_needs_no_credentials(write_config: WriteConfig) -> None:
    providers = PROVIDERS + "  spare:\n    type: openai\n    model: m\n    api_key_env: UNSET_KEY\n"
    from tests.unit.config.conftest import load

    config = load(write_config(providers=providers))
    assert "spare" in config.llm_providers


def test_chat_block_disabled_skips_its_references(write_config: WriteConfig) -> None:
    from tests.unit.config.conftest import load

    tarsy = d(CHAIN + "    chat:\n      enabled: false\n      agent: Nobody\n")
    config = load(write_config(tarsy))
    assert config.agent_chains["c"].chat_enabled is False
