"""Models of every ``tarsy.yaml`` section, in the reference's spelling.

Sections: ``queue``, ``system``, ``defaults``, ``mcp_servers.<id>``, ``agents.<name>``,
``agent_chains.<id>``. Defaults that the reference applies when a key is absent are the model
defaults here. Our additions: ``mcp_servers.<id>.session_scope``, ``queue.orphan_retries`` and
``system.alertmanager``.
"""

from __future__ import annotations

import ipaddress
import re
from datetime import UTC, datetime, timedelta
from typing import Annotated, Literal

from pydantic import BeforeValidator, Field, field_validator, model_validator

from tarsy.config.durations import GoDuration, SecondsOrDuration
from tarsy.config.schema_common import (
    AgentType,
    FallbackEntry,
    LlmBackend,
    Names,
    NativeToolsConfig,
    PositiveInt,
    ScalarStr,
    Strict,
    SubAgentRefs,
    SuccessPolicy,
    TransportType,
)

TARSY_SECTIONS: tuple[str, ...] = (
    "queue",
    "system",
    "defaults",
    "mcp_servers",
    "agents",
    "agent_chains",
)
CHAT_AGENT = "ChatAgent"
SCORING_AGENT = "ScoringAgent"
SYNTHESIS_AGENT = "SynthesisAgent"
EXEC_SUMMARY_AGENT = "ExecSummaryAgent"
DEFAULT_SIZE_THRESHOLD_TOKENS = 5000
DEFAULT_SUMMARY_MAX_TOKEN_LIMIT = 1000

# --- queue ---------------------------------------------------------------------------------------


class QueueConfig(Strict):
    """Worker pool and queue settings. In a file, zero values mean "use the default"."""

    worker_count: int = 5
    max_concurrent_sessions: int = 5
    poll_interval: GoDuration = timedelta(seconds=1)
    poll_interval_jitter: GoDuration = timedelta(milliseconds=500)
    session_timeout: GoDuration = timedelta(minutes=40)
    graceful_shutdown_timeout: GoDuration = timedelta(minutes=40)
    scoring_shutdown_timeout: GoDuration = timedelta(minutes=3)
    orphan_detection_interval: GoDuration = timedelta(minutes=5)
    orphan_threshold: GoDuration = timedelta(minutes=5)
    heartbeat_interval: GoDuration = timedelta(seconds=30)
    orphan_retries: int = 1  # ours: re-queue an orphaned session this many times (0 is kept)


def merge_queue(user: QueueConfig | None) -> QueueConfig:
    """Built-in queue defaults with the user's non-zero values on top (``orphan_retries`` 0 too)."""
    if user is None:
        return QueueConfig()
    updates = {
        key: getattr(user, key)
        for key in user.model_fields_set
        if key == "orphan_retries" or getattr(user, key) not in (0, timedelta(0))
    }
    return QueueConfig.model_validate(updates)


# --- system --------------------------------------------------------------------------------------


def _instant(value: object) -> object:
    """``YYYY-MM-DD`` (midnight UTC) or an RFC 3339 timestamp (naive means UTC)."""
    if not isinstance(value, str):
        return value
    text = value.strip()
    if re.fullmatch(r"\d{4}-\d{2}-\d{2}", text):
        return datetime.strptime(text, "%Y-%m-%d").replace(tzinfo=UTC)
    try:
        parsed = datetime.fromisoformat(text)
    except ValueError as exc:
        raise ValueError(f"expected YYYY-MM-DD or an RFC 3339 timestamp, got {value!r}") from exc
    return parsed if parsed.tzinfo is not None else parsed.replace(tzinfo=UTC)


Instant = Annotated[datetime, BeforeValidator(_instant)]
Rate = Annotated[float, Field(ge=0, allow_inf_nan=False)]


class GitHubConfig(Strict):
    token_env: str = "GITHUB_TOKEN"
    # Our addition, for GitHub Enterprise: the web, API and raw-content base URLs.
    url: str = "https://github.com"
    api_url: str = "https://api.github.com"
    raw_url: str = "https://raw.githubusercontent.com"


class RunbooksConfig(Strict):
    repo_url: str | None = None
    cache_ttl: GoDuration = timedelta(minutes=1)
    allowed_domains: Names = ("github.com", "raw.githubusercontent.com")

    @field_validator("allowed_domains", mode="before")
    @classmethod
    def _empty_means_default(cls, value: object) -> object:
        return ("github.com", "raw.githubusercontent.com") if value == [] else value


class SlackConfig(Strict):
    enabled: bool = False
    token_env: str = "SLACK_BOT_TOKEN"
    channel: ScalarStr | None = None
    # Our addition: the Web API base URL (a proxy, or GovSlack's https://slack-gov.com/api/).
    api_url: str = "https://slack.com/api/"


class Holiday(Strict):
    date: str
    name: str

    @field_validator("date")
    @classmethod
    def _month_day(cls, value: str) -> str:
        try:
            datetime.strptime(f"2000-{value}", "%Y-%m-%d")
        except ValueError as exc:
            raise ValueError(f"expected MM-DD, got {value!r}") from exc
        return value


DEFAULT_HOLIDAYS: tuple[Holiday, ...] = (
    Holiday(date="01-01", name="New Year's Day"),
    Holiday(date="12-25", name="Christmas Day"),
)


class ModelRate(Strict):
    input_per_million: Rate = 0.0
    output_per_million: Rate = 0.0


class Promotion(Strict):
    """A flat rate for one model during the half-open UTC window ``[start, end)``."""

    id: ScalarStr | None = None
    model: str
    start: Instant | None = None
    end: Instant
    input_per_million: Rate = 0.0
    output_per_million: Rate = 0.0


class CostEstimationConfig(Strict):
    enabled: bool = True
    model_rates: dict[str, ModelRate] = Field(default_factory=dict)
    promotions: tuple[Promotion, ...] = ()


class RetentionConfig(Strict):
    session_retention_days: PositiveInt = 365
    event_ttl: GoDuration = timedelta(hours=1)
    cleanup_interval: GoDuration = timedelta(hours=12)


AuthMode = Literal["none", "proxy", "token"]
_SHA256 = re.compile(r"^[0-9a-f]{64}$")


class ApiTokenConfig(Strict):
    """An API token, sent as ``Authorization: Bearer <token>``; its name is the identity. Only
    its SHA-256 is kept: given here (``sha256``) or hashed at start-up from ``token_env``."""

    name: str
    sha256: str | None = None
    token_env: str | None = None

    @field_validator("sha256")
    @classmethod
    def _hex(cls, value: str | None) -> str | None:
        if value is not None and not _SHA256.match(value.lower()):
            raise ValueError("sha256 must be 64 hexadecimal characters")
        return None if value is None else value.lower()

    @model_validator(mode="after")
    def _one_source(self) -> ApiTokenConfig:
        if (self.sha256 is None) == (self.token_env is None):
            raise ValueError(f"token {self.name!r}: give exactly one of sha256 and token_env")
        return self


class AuthConfig(Strict):
    """Who may call ``/api`` (REST and WebSocket). ``none``: anyone (identity headers are
    believed); ``proxy``: the identity headers of a trusted proxy; ``token``: API tokens.
    ``proxy`` and ``token`` combine."""

    modes: tuple[AuthMode, ...] = ("none",)
    trusted_proxies: Names = ("127.0.0.1/32", "::1/128")
    tokens: tuple[ApiTokenConfig, ...] = ()
    public_paths: Names = ("/health", "/metrics")

    @field_validator("modes")
    @classmethod
    def _modes(cls, value: tuple[str, ...]) -> tuple[str, ...]:
        if not value:
            raise ValueError("modes must name at least one of none, proxy, token")
        if "none" in value and len(set(value)) > 1:
            raise ValueError("mode 'none' cannot be combined with proxy or token")
        return value

    @field_validator("trusted_proxies")
    @classmethod
    def _networks(cls, value: tuple[str, ...]) -> tuple[str, ...]:
        for network in value:
            try:
                ipaddress.ip_network(network, strict=False)
            except ValueError:
                raise ValueError(
                    f"trusted_proxies: {network!r} is not an address or CIDR"
                ) from None
        return value

    @model_validator(mode="after")
    def _tokens_for_token_mode(self) -> AuthConfig:
        if "token" in self.modes and not self.tokens:
            raise ValueError("mode 'token' needs at least one entry under tokens")
        return self


class AlertmanagerConfig(Strict):
    """Ours: how ``POST /api/v1/alerts/alertmanager`` turns Alertmanager notifications into
    sessions (one per alert group or per alert) and where it finds their alert type."""

    session_per: Literal["group", "alert"] = "group"
    alert_type_label: str = "alertname"
    alert_type_map: dict[str, ScalarStr] = Field(default_factory=dict)
    default_alert_type: str | None = None
    runbook_annotation: str | None = None
    fingerprint_annotation: str | None = None


class SystemConfig(Strict):
    dashboard_url: str = "http://localhost:5173"
    allowed_ws_origins: Names = ()
    github: GitHubConfig = Field(default_factory=GitHubConfig)
    runbooks: RunbooksConfig = Field(default_factory=RunbooksConfig)
    slack: SlackConfig = Field(default_factory=SlackConfig)
    holidays: tuple[Holiday, ...] = DEFAULT_HOLIDAYS
    cost_estimation: CostEstimationConfig = Field(default_factory=CostEstimationConfig)
    retention: RetentionConfig = Field(default_factory=RetentionConfig)
    auth: AuthConfig = Field(default_factory=AuthConfig)
    alertmanager: AlertmanagerConfig = Field(default_factory=AlertmanagerConfig)  # ours

    @field_validator("holidays", mode="before")
    @classmethod
    def _empty_means_builtin(cls, value: object) -> object:
        return DEFAULT_HOLIDAYS if value == [] else value


# --- blocks shared by defaults, MCP servers, agents and chains ----------------------------------


class ScoringConfig(Strict):
    enabled: bool = False
    agent: str | None = None
    llm_backend: LlmBackend | None = None
    llm_provider: str | None = None
    mcp_servers: Names = ()
    max_iterations: PositiveInt | None = None


class SummarizationConfig(Strict):
    """Tool-result summarization. ``enabled`` unset means on; thresholds are filled at load."""

    enabled: bool | None = None
    size_threshold_tokens: int | None = Field(default=None, ge=100)
    summary_max_token_limit: int | None = Field(default=None, ge=50)
    llm_provider: str | None = None
    llm_backend: LlmBackend | None = None


class OrchestratorConfig(Strict):
    max_concurrent_agents: PositiveInt | None = None
    agent_timeout: GoDuration | None = None
    max_budget: GoDuration | None = None


class EmbeddingConfig(Strict):
    provider: Literal["google", "openai"] = "google"
    model: str = "gemini-embedding-2-preview"
    api_key_env: str = "GOOGLE_API_KEY"
    dimensions: PositiveInt = 768
    base_url: str | None = None


class MemoryConfig(Strict):
    enabled: bool = False
    max_inject: PositiveInt = 5
    reflector_memory_limit: PositiveInt = 20
    embedding: EmbeddingConfig = Field(default_factory=EmbeddingConfig)


class AlertMaskingConfig(Strict):
    """Masking of alert payloads. A written block without ``enabled`` is off (reference)."""

    enabled: bool = False
    pattern_group: str = "security"


class DefaultsConfig(Strict):
    llm_provider: str | None = None
    llm_backend: LlmBackend | None = None
    max_iterations: PositiveInt | None = None
    success_policy: SuccessPolicy | None = None
    fallback_providers: tuple[FallbackEntry, ...] | None = None
    scoring: ScoringConfig | None = None
    summarization: SummarizationConfig | None = None
    orchestrator: OrchestratorConfig | None = None
    memory: MemoryConfig = Field(default_factory=MemoryConfig)
    alert_type: str = "kubernetes"
    runbook: str | None = None
    alert_masking: AlertMaskingConfig = Field(
        default_factory=lambda: AlertMaskingConfig(enabled=True, pattern_group="security")
    )


# --- mcp_servers ---------------------------------------------------------------------------------

SessionScope = Literal["per_execution", "shared"]


class TransportConfig(Strict):
    type: TransportType
    command: str | None = None
    args: tuple[ScalarStr, ...] = ()
    env: dict[str, ScalarStr] = Field(default_factory=dict)
    url: str | None = None
    bearer_token: str | None = None
    verify_ssl: bool | None = None
    timeout: SecondsOrDuration | None = None
    custom_headers: dict[str, ScalarStr] = Field(default_factory=dict)
    session_cleanup_url: str | None = None


class CustomPattern(Strict):
    pattern: str = ""
    replacement: str = ""
    description: str | None = None


class DataMaskingConfig(Strict):
    enabled: bool = False
    pattern_groups: Names = ()
    patterns: Names = ()
    custom_patterns: tuple[CustomPattern, ...] = ()


class McpServerConfig(Strict):
    transport: TransportConfig
    instructions: str = ""
    data_masking: DataMaskingConfig | None = None
    summarization: SummarizationConfig = Field(default_factory=SummarizationConfig)
    session_scope: SessionScope = "per_execution"  # ours: one client per execution, or shared


def fill_summarization(server: McpServerConfig) -> McpServerConfig:
    """Make ``enabled`` explicit and fill the thresholds of an enabled block."""
    block = server.summarization
    if block.enabled is False:
        return server
    filled = block.model_copy(
        update={
            "enabled": True,
            "size_threshold_tokens": block.size_threshold_tokens or DEFAULT_SIZE_THRESHOLD_TOKENS,
            "summary_max_token_limit": (
                block.summary_max_token_limit or DEFAULT_SUMMARY_MAX_TOKEN_LIMIT
            ),
        }
    )
    return server.model_copy(update={"summarization": filled})


# --- agents --------------------------------------------------------------------------------------


class AgentConfig(Strict):
    """An agent definition. Note: agents have no ``llm_provider`` (chains and stages pick it)."""

    type: AgentType = ""
    description: str = ""
    mcp_servers: Names = ()
    custom_instructions: str = ""
    llm_backend: LlmBackend | None = None
    max_iterations: PositiveInt | None = None
    native_tools: NativeToolsConfig | None = None
    orchestrator: OrchestratorConfig | None = None
    skills: Names | None = None  # None: every skill on demand; (): none; list: allowlist
    required_skills: Names = ()


# --- agent_chains --------------------------------------------------------------------------------


class StageAgentConfig(Strict):
    name: str
    type: AgentType | None = None
    llm_provider: str | None = None
    llm_backend: LlmBackend | None = None
    max_iterations: PositiveInt | None = None
    mcp_servers: Names = ()
    sub_agents: SubAgentRefs = ()
    fallback_providers: tuple[FallbackEntry, ...] | None = None
    required_skills: Names = ()
    skills: Names = ()


class SynthesisConfig(Strict):
    agent: str | None = None
    llm_backend: LlmBackend | None = None
    llm_provider: str | None = None


class StageConfig(Strict):
    name: str
    agents: tuple[StageAgentConfig, ...] = Field(min_length=1)
    replicas: PositiveInt = 1
    success_policy: SuccessPolicy | None = None
    max_iterations: PositiveInt | None = None
    mcp_servers: Names = ()
    fallback_providers: tuple[FallbackEntry, ...] | None = None
    sub_agents: SubAgentRefs = ()
    synthesis: SynthesisConfig | None = None

    @field_validator("replicas", mode="before")
    @classmethod
    def _zero_means_one(cls, value: object) -> object:
        return 1 if value == 0 else value


class ChatConfig(Strict):
    enabled: bool = False
    agent: str | None = None
    llm_backend: LlmBackend | None = None
    llm_provider: str | None = None
    mcp_servers: Names = ()
    max_iterations: PositiveInt | None = None
    sub_agents: SubAgentRefs = ()


class ChainConfig(Strict):
    alert_types: Names = Field(min_length=1)
    description: str = ""
    stages: tuple[StageConfig, ...] = Field(min_length=1)
    llm_provider: str | None = None
    executive_summary_provider: str | None = None
    llm_backend: LlmBackend | None = None
    fallback_providers: tuple[FallbackEntry, ...] | None = None
    max_iterations: PositiveInt | None = None
    mcp_servers: Names = ()
    sub_agents: SubAgentRefs = ()
    chat: ChatConfig | None = None
    scoring: ScoringConfig | None = None

    @property
    def chat_enabled(self) -> bool:
        """No ``chat:`` block means chat is on with ``ChatAgent``; a block needs ``enabled``."""
        return self.chat is None or self.chat.enabled

    @property
    def chat_agent(self) -> str:
        if self.chat is None or self.chat.agent is None:
            return CHAT_AGENT
        return self.chat.agent

    @property
    def scoring_enabled(self) -> bool:
        return self.scoring is not None and self.scoring.enabled
