"""``Metrics``: the Prometheus metric families of one TARSy process (SPEC §11.4).

Each ``Metrics`` owns its own ``CollectorRegistry`` (never the global one), so several apps in
one process, and tests, count separately. Producers call the ``record``-style methods where
events happen; gauges that describe state (queue depth, workers, MCP health) are set just
before a scrape by whoever renders ``/metrics``. Label values are bounded: model and provider
keys from configuration, server and tool names from configured MCP servers, HTTP route
templates instead of raw URLs.
"""

from __future__ import annotations

from collections.abc import Mapping

from prometheus_client import CollectorRegistry, Counter, Gauge, Histogram, generate_latest
from prometheus_client.exposition import CONTENT_TYPE_LATEST

CONTENT_TYPE = CONTENT_TYPE_LATEST
LLM_BUCKETS = (1.0, 2.0, 5.0, 10.0, 20.0, 30.0, 60.0, 90.0, 120.0, 180.0)
MCP_BUCKETS = (0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 20.0, 30.0, 60.0)
SESSION_BUCKETS = (30.0, 60.0, 120.0, 300.0, 600.0, 900.0, 1200.0, 1800.0, 2400.0)
HTTP_BUCKETS = (0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0)
LLM = ("provider", "model")
MCP = ("server", "tool")


class Metrics:
    """Every metric family, registered in a private registry."""

    def __init__(self) -> None:
        r = self.registry = CollectorRegistry()
        # -- sessions -----------------------------------------------------------------------
        self.sessions_submitted = Counter(
            "tarsy_sessions_submitted", "Alerts accepted", ["alert_type"], registry=r
        )
        self.sessions_terminal = Counter(
            "tarsy_sessions_terminal",
            "Sessions that reached a terminal status",
            ["alert_type", "status"],
            registry=r,
        )
        self.session_duration = Histogram(
            "tarsy_session_duration_seconds",
            "From claim to terminal status",
            buckets=SESSION_BUCKETS,
            registry=r,
        )
        self.session_wait = Histogram(
            "tarsy_session_wait_seconds",
            "From submission to claim",
            buckets=SESSION_BUCKETS,
            registry=r,
        )
        self.sessions_active = Gauge(
            "tarsy_sessions_active", "Sessions in progress or cancelling (database)", registry=r
        )
        self.sessions_queued = Gauge(
            "tarsy_sessions_queued", "Pending sessions (database)", registry=r
        )
        self.workers_total = Gauge("tarsy_workers_total", "Workers of this replica", registry=r)
        self.workers_active = Gauge(
            "tarsy_workers_active", "Workers of this replica running a session", registry=r
        )
        self.orphans_recovered = Counter(
            "tarsy_orphans_recovered", "Orphaned sessions re-queued or ended", registry=r
        )
        # -- LLM ----------------------------------------------------------------------------
        self.llm_calls = Counter("tarsy_llm_calls", "Model calls", [*LLM, "kind"], registry=r)
        self.llm_errors = Counter(
            "tarsy_llm_errors", "Failed model calls", [*LLM, "kind"], registry=r
        )
        self.llm_duration = Histogram(
            "tarsy_llm_duration_seconds",
            "Duration of model calls",
            list(LLM),
            buckets=LLM_BUCKETS,
            registry=r,
        )
        self.llm_tokens = Counter(
            "tarsy_llm_tokens", "Tokens used by model calls", [*LLM, "type"], registry=r
        )
        self.llm_fallbacks = Counter(
            "tarsy_llm_fallbacks",
            "Provider switches (provider/model: the one given up)",
            [*LLM, "fallback_provider", "fallback_model", "error_code"],
            registry=r,
        )
        # -- MCP ----------------------------------------------------------------------------
        self.mcp_calls = Counter("tarsy_mcp_calls", "MCP tool calls", list(MCP), registry=r)
        self.mcp_errors = Counter(
            "tarsy_mcp_errors", "MCP tool calls that returned an error", list(MCP), registry=r
        )
        self.mcp_duration = Histogram(
            "tarsy_mcp_duration_seconds",
            "Duration of MCP tool calls",
            list(MCP),
            buckets=MCP_BUCKETS,
            registry=r,
        )
        self.mcp_health = Gauge(
            "tarsy_mcp_health_status", "1 if the MCP server is healthy", ["server"], registry=r
        )
        # -- HTTP ---------------------------------------------------------------------------
        http = ("method", "path", "status_code")
        self.http_requests = Counter(
            "tarsy_http_requests", "HTTP requests by route template", list(http), registry=r
        )
        self.http_duration = Histogram(
            "tarsy_http_request_duration_seconds",
            "HTTP request duration by route template",
            list(http),
            buckets=HTTP_BUCKETS,
            registry=r,
        )
        # -- declared for dashboards; nothing records them yet ------------------------------
        Counter("tarsy_sessions_reviewed", "Sessions whose review completed", registry=r)
        Counter("tarsy_reviews_completed", "Completed reviews", ["quality_rating"], registry=r)
        Gauge("tarsy_ws_connections_active", "Open WebSocket connections", registry=r)

    # -- recording ----------------------------------------------------------------------------
    def session_submitted(self, alert_type: str) -> None:
        self.sessions_submitted.labels(alert_type).inc()

    def session_terminal(
        self,
        alert_type: str,
        status: str,
        *,
        wait_seconds: float | None = None,
        duration_seconds: float | None = None,
    ) -> None:
        self.sessions_terminal.labels(alert_type, status).inc()
        if wait_seconds is not None:
            self.session_wait.observe(max(0.0, wait_seconds))
        if duration_seconds is not None:
            self.session_duration.observe(max(0.0, duration_seconds))

    def orphans(self, count: int) -> None:
        if count:
            self.orphans_recovered.inc(count)

    def llm_call(
        self,
        provider: str,
        model: str,
        kind: str,
        *,
        duration_seconds: float,
        tokens: Mapping[str, int],
        failed: bool,
    ) -> None:
        self.llm_calls.labels(provider, model, kind).inc()
        if failed:
            self.llm_errors.labels(provider, model, kind).inc()
        self.llm_duration.labels(provider, model).observe(max(0.0, duration_seconds))
        for token_type, count in tokens.items():
            if count > 0:
                self.llm_tokens.labels(provider, model, token_type).inc(count)

    def llm_fallback(
        self,
        provider: str,
        model: str,
        fallback_provider: str,
        fallback_model: str,
        error_code: str,
    ) -> None:
        self.llm_fallbacks.labels(
            provider, model, fallback_provider, fallback_model, error_code
        ).inc()

    def mcp_call(self, server: str, tool: str, *, duration_seconds: float, failed: bool) -> None:
        self.mcp_calls.labels(server, tool).inc()
        if failed:
            self.mcp_errors.labels(server, tool).inc()
        self.mcp_duration.labels(server, tool).observe(max(0.0, duration_seconds))

    def http_request(
        self, method: str, path: str, status_code: int, duration_seconds: float
    ) -> None:
        labels = (method, path, str(status_code))
        self.http_requests.labels(*labels).inc()
        self.http_duration.labels(*labels).observe(max(0.0, duration_seconds))

    # -- state gauges (set before a scrape) ---------------------------------------------------
    def set_queue(self, *, active: int, queued: int) -> None:
        self.sessions_active.set(active)
        self.sessions_queued.set(queued)

    def set_workers(self, *, total: int, busy: int) -> None:
        self.workers_total.set(total)
        self.workers_active.set(busy)

    def set_mcp_health(self, health: Mapping[str, bool]) -> None:
        self.mcp_health.clear()
        for server, healthy in health.items():
            self.mcp_health.labels(server).set(1 if healthy else 0)

    def render(self) -> bytes:
        """The Prometheus text exposition of every family."""
        return generate_latest(self.registry)
