"""``GET /metrics`` after real sessions: the counts match what the sessions did, exactly."""

from __future__ import annotations

from prometheus_client.parser import text_string_to_metric_families

from tarsy.config import ResolvedAgentConfig, Settings, load_config
from tarsy.domain.tools import StaticToolset, ToolDef
from tarsy.llm.model import Model
from tarsy.llm.scripted import ScriptedModel, Turn
from tarsy.pipeline.ports import ModelHooks
from tests.e2e.harness import running_app
from tests.e2e.test_first_investigation import FAST_QUEUE

TOOLS = {
    "kubernetes-server": StaticToolset(
        [(ToolDef("kubernetes-server.pods_log", "Pod logs"), "FATAL lookup db: no such host")]
    )
}
LOGS = ("kubernetes-server.pods_log", "{}")
UNKNOWN = ("kubernetes-server.pods_top", "{}")  # not offered: an error result


def samples(text: str) -> dict[tuple[str, frozenset[tuple[str, str]]], float]:
    return {
        (s.name, frozenset(s.labels.items())): s.value
        for family in text_string_to_metric_families(text)
        for s in family.samples
    }


def value(
    parsed: dict[tuple[str, frozenset[tuple[str, str]]], float], name: str, **labels: str
) -> float:
    return parsed.get((name, frozenset(labels.items())), 0.0)


async def test_metrics_count_sessions_model_calls_tool_calls_and_requests(
    settings: Settings,
) -> None:
    good = ScriptedModel(
        [
            # 1: two tool calls (one fails) in one turn, then an answer
            Turn.tool_calls(LOGS, UNKNOWN),
            Turn.text("root cause one"),
            Turn.text("summary one"),
            # 2: one tool call
            Turn.tool_calls(LOGS),
            Turn.text("root cause two"),
            Turn.text("summary two"),
            # 3 and 4: no tools
            Turn.text("root cause three"),
            Turn.text("summary three"),
            Turn.text("root cause four"),
            Turn.text("summary four"),
        ],
        provider_name="scripted",
        model_name="good",
    )
    broken = ScriptedModel(
        [Turn.fail("upstream returned 500")] * 60, provider_name="scripted", model_name="broken"
    )
    use_broken = False

    def factory(agent: ResolvedAgentConfig, hooks: ModelHooks) -> Model:
        return broken if use_broken else good

    async with running_app(
        settings, load_config(None), models=factory, queue=FAST_QUEUE, toolsets=TOOLS
    ) as app:
        # One at a time, so each session takes its turns in order.
        for _ in range(4):
            sid = await app.submit()
            assert (await app.wait_status(sid))["status"] == "completed"
        use_broken = True
        sid = await app.submit()
        assert (await app.wait_status(sid))["status"] == "failed"

        response = await app.client.get("/metrics")
        assert response.status_code == 200
        assert response.headers["content-type"].startswith("text/plain")
        parsed = samples(response.text)

    v = lambda name, **labels: value(parsed, name, **labels)  # noqa: E731
    assert v("tarsy_sessions_submitted_total", alert_type="kubernetes") == 5
    assert v("tarsy_sessions_terminal_total", alert_type="kubernetes", status="completed") == 4
    assert v("tarsy_sessions_terminal_total", alert_type="kubernetes", status="failed") == 1
    assert v("tarsy_session_duration_seconds_count") == 5
    assert v("tarsy_session_wait_seconds_count") == 5

    def calls(model: str) -> float:
        return sum(
            count
            for (name, labels), count in parsed.items()
            if name == "tarsy_llm_calls_total" and ("model", model) in labels
        )

    assert calls("good") == len(good.requests) == 10
    assert calls("broken") == len(broken.requests) > 1
    assert v("tarsy_llm_duration_seconds_count", provider="scripted", model="good") == 10
    assert v("tarsy_llm_tokens_total", provider="scripted", model="good", type="input") == 1000
    assert v("tarsy_llm_tokens_total", provider="scripted", model="good", type="output") == 440
    broken_errors = sum(
        count
        for (name, labels), count in parsed.items()
        if name == "tarsy_llm_errors_total" and ("model", "broken") in labels
    )
    assert broken_errors == len(broken.requests)
    assert not [k for k in parsed if k[0] == "tarsy_llm_errors_total" and ("model", "good") in k[1]]

    server = "kubernetes-server"
    assert v("tarsy_mcp_calls_total", server=server, tool="pods_log") == 2
    assert v("tarsy_mcp_calls_total", server=server, tool="pods_top") == 1
    assert v("tarsy_mcp_errors_total", server=server, tool="pods_top") == 1
    assert v("tarsy_mcp_errors_total", server=server, tool="pods_log") == 0
    assert v("tarsy_mcp_duration_seconds_count", server=server, tool="pods_log") == 2

    alerts = {"method": "POST", "path": "/api/v1/alerts", "status_code": "202"}
    assert v("tarsy_http_requests_total", **alerts) == 5
    assert v("tarsy_http_request_duration_seconds_count", **alerts) == 5
    status_route = {"method": "GET", "path": "/api/v1/sessions/{session_id}/status"}
    assert v("tarsy_http_requests_total", **status_route, status_code="200") >= 5
    assert not [k for k in parsed if ("path", f"/api/v1/sessions/{sid}/status") in k[1]]

    assert v("tarsy_sessions_active") == 0
    assert v("tarsy_sessions_queued") == 0
    assert v("tarsy_workers_total") == FAST_QUEUE.worker_count
    assert v("tarsy_workers_active") == 0
    assert v("tarsy_orphans_recovered_total") == 0


async def test_metrics_of_two_apps_in_one_process_are_separate(settings: Settings) -> None:
    model = ScriptedModel([Turn.text("done"), Turn.text("summary")])

    def factory(agent: ResolvedAgentConfig, hooks: ModelHooks) -> Model:
        return model

    async with running_app(settings, load_config(None), models=factory, queue=FAST_QUEUE) as app:
        sid = await app.submit()
        assert (await app.wait_status(sid))["status"] == "completed"
    other = settings.model_copy(update={"pod_id": "other"})
    async with running_app(other, load_config(None), models=factory, queue=FAST_QUEUE) as app:
        parsed = samples((await app.client.get("/metrics")).text)
    assert value(parsed, "tarsy_sessions_submitted_total", alert_type="kubernetes") == 0
