"""Validation of the process-wide sections: ``queue``, ``system``, ``defaults`` and providers."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from urllib.parse import urlparse

from tarsy.config.durations import format_go_duration
from tarsy.config.masking_names import PATTERN_GROUPS
from tarsy.config.schema_tarsy import OrchestratorConfig, Promotion
from tarsy.config.validate_context import Context, known
from tarsy.config.yaml_source import KeyPath

MAX_WORKERS = 50
_EARLIEST = datetime.min.replace(tzinfo=UTC)
_POSITIVE_QUEUE_DURATIONS = (
    "poll_interval",
    "session_timeout",
    "graceful_shutdown_timeout",
    "scoring_shutdown_timeout",
    "orphan_detection_interval",
    "orphan_threshold",
    "heartbeat_interval",
)


def _is_http_url(value: str) -> bool:
    parsed = urlparse(value)
    return parsed.scheme in ("http", "https") and bool(parsed.netloc)


def check_queue(ctx: Context) -> None:
    if ctx.is_broken(("queue",)):
        return
    q = ctx.config.queue
    if not 1 <= q.worker_count <= MAX_WORKERS:
        ctx.fail(
            ("queue", "worker_count"),
            f"worker_count must be between 1 and {MAX_WORKERS}, got {q.worker_count}",
        )
    if q.max_concurrent_sessions < 1:
        ctx.fail(
            ("queue", "max_concurrent_sessions"),
            f"max_concurrent_sessions must be at least 1, got {q.max_concurrent_sessions}",
        )
    for key in _POSITIVE_QUEUE_DURATIONS:
        value: timedelta = getattr(q, key)
        if value <= timedelta(0):
            ctx.fail(("queue", key), f"{key} must be positive, got {format_go_duration(value)}")
    if q.poll_interval_jitter < timedelta(0) or q.poll_interval_jitter >= q.poll_interval:
        ctx.fail(
            ("queue", "poll_interval_jitter"),
            "poll_interval_jitter must be at least 0 and less than poll_interval "
            f"({format_go_duration(q.poll_interval_jitter)} >= "
            f"{format_go_duration(q.poll_interval)})",
        )
    if q.heartbeat_interval >= q.orphan_threshold:
        ctx.fail(
            ("queue", "heartbeat_interval"),
            "heartbeat_interval must be less than orphan_threshold, or live sessions would be "
            f"taken for orphans ({format_go_duration(q.heartbeat_interval)} >= "
            f"{format_go_duration(q.orphan_threshold)})",
        )
    if q.orphan_retries < 0:
        ctx.fail(
            ("queue", "orphan_retries"), f"orphan_retries must be >= 0, got {q.orphan_retries}"
        )


def check_system(ctx: Context) -> None:
    if ctx.is_broken(("system",)):
        return
    system = ctx.config.system
    if not _is_http_url(system.dashboard_url):
        ctx.fail(
            ("system", "dashboard_url"),
            f"dashboard_url must be an http(s) URL, got {system.dashboard_url!r}",
        )
    for key in ("url", "api_url", "raw_url"):
        value = getattr(system.github, key)
        if not _is_http_url(value):
            ctx.fail(("system", "github", key), f"{key} must be an http(s) URL, got {value!r}")
    runbooks = system.runbooks
    if runbooks.cache_ttl <= timedelta(0):
        ctx.fail(("system", "runbooks", "cache_ttl"), "cache_ttl must be positive")
    if runbooks.repo_url is not None and not _is_http_url(runbooks.repo_url):
        ctx.fail(
            ("system", "runbooks", "repo_url"),
            f"repo_url must be an http(s) URL such as https://github.com/org/repo/tree/main/"
            f"runbooks, got {runbooks.repo_url!r}",
        )
    slack = system.slack
    if slack.enabled:
        if not slack.channel:
            ctx.fail(("system", "slack", "channel"), "slack is enabled, so channel is required")
        if not ctx.env.get(slack.token_env, "").strip():
            ctx.fail(
                ("system", "slack", "token_env"),
                f"slack is enabled but environment variable {slack.token_env} is not set",
            )
    if not _is_http_url(slack.api_url):
        ctx.fail(
            ("system", "slack", "api_url"),
            f"api_url must be an http(s) URL, got {slack.api_url!r}",
        )
    for key in ("event_ttl", "cleanup_interval"):
        if getattr(system.retention, key) <= timedelta(0):
            ctx.fail(("system", "retention", key), f"{key} must be positive")
    _check_promotions(ctx, system.cost_estimation.promotions)


def _check_promotions(ctx: Context, promotions: tuple[Promotion, ...]) -> None:
    base: KeyPath = ("system", "cost_estimation", "promotions")
    by_model: dict[str, list[tuple[int, Promotion]]] = {}
    for index, promo in enumerate(promotions):
        if promo.start is not None and promo.end <= promo.start:
            ctx.fail((*base, index, "end"), "end must be after start")
            continue
        by_model.setdefault(promo.model, []).append((index, promo))
    for model, items in by_model.items():
        ordered = sorted(items, key=lambda item: item[1].start or _EARLIEST)
        latest_index, latest = ordered[0]
        for index, promo in ordered[1:]:
            if (promo.start or _EARLIEST) < latest.end:
                ctx.fail(
                    (*base, index),
                    f"promotion overlaps promotions[{latest_index}] for model {model!r}; "
                    "windows of one model must not overlap",
                )
            if promo.end > latest.end:
                latest_index, latest = index, promo


def check_orchestrator(ctx: Context, block: OrchestratorConfig | None, path: KeyPath) -> None:
    if block is None:
        return
    for key in ("agent_timeout", "max_budget"):
        value: timedelta | None = getattr(block, key)
        if value is not None and value <= timedelta(0):
            ctx.fail((*path, key), f"{key} must be positive")


def check_defaults(ctx: Context) -> None:
    path: KeyPath = ("defaults",)
    if ctx.is_broken(path):
        return
    d = ctx.config.defaults
    ctx.provider_ref(d.llm_provider, (*path, "llm_provider"))
    ctx.fallback_refs(d.fallback_providers, (*path, "fallback_providers"))
    if d.scoring is not None:
        scoring_used = any(c.scoring_enabled for c in ctx.config.agent_chains.values())
        if d.scoring.agent is not None:
            ctx.agent_ref(d.scoring.agent, (*path, "scoring", "agent"))
        ctx.provider_ref(
            d.scoring.llm_provider, (*path, "scoring", "llm_provider"), used=scoring_used
        )
        ctx.mcp_refs(d.scoring.mcp_servers, (*path, "scoring", "mcp_servers"))
    if d.summarization is not None:
        block = d.summarization
        for key in sorted(block.model_fields_set - {"llm_provider", "llm_backend"}):
            ctx.fail(
                (*path, "summarization", key),
                "defaults.summarization accepts only llm_provider and llm_backend; enabled and "
                "the token limits are set per MCP server",
            )
        if block.llm_backend is not None and block.llm_provider is None:
            ctx.fail((*path, "summarization", "llm_backend"), "llm_backend needs llm_provider")
        ctx.provider_ref(block.llm_provider, (*path, "summarization", "llm_provider"))
    check_orchestrator(ctx, d.orchestrator, (*path, "orchestrator"))
    masking = d.alert_masking
    if masking.enabled and masking.pattern_group not in PATTERN_GROUPS:
        ctx.fail(
            (*path, "alert_masking", "pattern_group"),
            f"unknown masking pattern group {masking.pattern_group!r} "
            f"(known: {known(PATTERN_GROUPS)})",
        )
    memory = d.memory
    if memory.enabled and not ctx.env.get(memory.embedding.api_key_env, "").strip():
        ctx.fail(
            (*path, "memory", "embedding", "api_key_env"),
            f"memory is enabled but environment variable {memory.embedding.api_key_env} "
            "(embedding API key) is not set",
        )


def check_providers(ctx: Context) -> None:
    for name, provider in ctx.config.llm_providers.items():
        path: KeyPath = ("llm_providers", name)
        if ctx.is_broken(path):
            continue
        if provider.base_url is not None and not _is_http_url(provider.base_url):
            ctx.fail(
                (*path, "base_url"), f"base_url must be an http(s) URL, got {provider.base_url!r}"
            )
