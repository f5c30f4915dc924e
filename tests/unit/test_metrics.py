"""``observability.metrics``: the families of SPEC §11.4, private registries, the scrape service."""

from __future__ import annotations

from prometheus_client.parser import text_string_to_metric_families

from tarsy.observability.metrics import LLM_BUCKETS, MCP_BUCKETS, SESSION_BUCKETS, Metrics
from tarsy.services.metrics import MetricsService, NoWorkerPool
from tarsy.services.system import NoHealthChecks

FAMILIES = {
    "tarsy_sessions_submitted": "counter",
    "tarsy_sessions_terminal": "counter",
    "tarsy_session_duration_seconds": "histogram",
    "tarsy_session_wait_seconds": "histogram",
    "tarsy_sessions_active": "gauge",
    "tarsy_sessions_queued": "gauge",
    "tarsy_workers_total": "gauge",
    "tarsy_workers_active": "gauge",
    "tarsy_orphans_recovered": "counter",
    "tarsy_llm_calls": "counter",
    "tarsy_llm_errors": "counter",
    "tarsy_llm_duration_seconds": "histogram",
    "tarsy_llm_tokens": "counter",
    "tarsy_llm_fallbacks": "counter",
    "tarsy_mcp_calls": "counter",
    "tarsy_mcp_errors": "counter",
    "tarsy_mcp_duration_seconds": "histogram",
    "tarsy_mcp_health_status": "gauge",
    "tarsy_http_requests": "counter",
    "tarsy_http_request_duration_seconds": "histogram",
}


def families(text: str) -> dict[str, str]:
    return {f.name: f.type for f in text_string_to_metric_families(text)}


def test_every_family_is_declared_with_its_type() -> None:
    declared = families(Metrics().render().decode())
    assert {k: declared.get(k) for k in FAMILIES} == FAMILIES


def test_buckets_follow_the_spec() -> None:
    assert (LLM_BUCKETS[0], LLM_BUCKETS[-1]) == (1, 180)
    assert (MCP_BUCKETS[0], MCP_BUCKETS[-1]) == (0.1, 60)
    assert (SESSION_BUCKETS[0], SESSION_BUCKETS[-1]) == (30, 40 * 60)


def test_each_metrics_object_counts_on_its_own() -> None:
    a, b = Metrics(), Metrics()
    a.session_submitted("kubernetes")
    assert (
        a.registry.get_sample_value("tarsy_sessions_submitted_total", {"alert_type": "kubernetes"})
        == 1
    )
    assert b"tarsy_sessions_submitted_total{" not in b.render()


class Counts:
    def __init__(self) -> None:
        self.calls = 0

    async def active_count(self) -> int:
        self.calls += 1
        return 2

    async def pending_count(self) -> int:
        return 7


async def test_queue_counts_are_cached_between_scrapes() -> None:
    now = [0.0]
    counts = Counts()
    service = MetricsService(
        Metrics(), counts, NoWorkerPool(), NoHealthChecks(), clock=lambda: now[0]
    )
    text = (await service.render()).decode()
    assert "tarsy_sessions_queued 7.0" in text and "tarsy_sessions_active 2.0" in text
    now[0] = 10.0
    await service.render()
    assert counts.calls == 1
    now[0] = 16.0
    await service.render()
    assert counts.calls == 2
