"""The first investigation end to end: an alert in over HTTP, the demo chain runs, the analysis
and the timeline come back out of the API."""

from __future__ import annotations

import asyncio
import json
from dataclasses import replace
from datetime import timedelta

import pytest
from sqlalchemy import select

from tarsy.config import ResolvedAgentConfig, Settings, load_config
from tarsy.db.tables import MCPInteraction
from tarsy.democluster.cluster import SECRETS
from tarsy.llm.demo import DemoModel
from tarsy.llm.model import Model
from tarsy.llm.scripted import ScriptedModel, Turn
from tarsy.pipeline.ports import ModelFactory, ModelHooks
from tarsy.worker.settings import QueueSettings
from tests.e2e.harness import RunningApp, running_app
from tests.e2e.ws import ws_client

FAST_QUEUE = QueueSettings(
    worker_count=2,
    max_concurrent_sessions=2,
    poll_interval=timedelta(milliseconds=50),
    poll_interval_jitter=timedelta(milliseconds=10),
    heartbeat_interval=timedelta(milliseconds=200),
)


def demo_models(agent: ResolvedAgentConfig, hooks: ModelHooks) -> Model:
    return DemoModel(agent.llm_provider, chunk_delay=0)


async def test_demo_alert_completes_with_analysis_and_timeline(settings: Settings) -> None:
    config = load_config(None)
    async with running_app(settings, config, models=demo_models, queue=FAST_QUEUE) as app:
        sid = await app.submit()
        status = await app.wait_status(sid)
        assert status["status"] == "completed", status
        assert "Pod api-7d9 CrashLoopBackOff in prod" in status["final_analysis"]
        # The demo model names itself: nobody mistakes it for a real analysis.
        assert "demo model" in status["final_analysis"]

        timeline = (await app.client.get(f"/api/v1/sessions/{sid}/timeline")).json()
        kinds = [e["event_type"] for e in timeline]
        assert kinds.count("llm_tool_call") == 2
        assert kinds.count("final_analysis") == 2  # the investigation's, the summary's
        assert "llm_thinking" in kinds
        assert [e["sequence_number"] for e in timeline] == list(range(1, len(timeline) + 1))
        assert all(e["status"] == "completed" for e in timeline)
        tool_events = [e for e in timeline if e["event_type"] == "llm_tool_call"]
        assert tool_events[0]["metadata"]["server_name"] == "kubernetes-server"
        assert "CrashLoopBackOff" in tool_events[0]["content"]

        assert "Pod api-7d9 CrashLoopBackOff in prod" in status["executive_summary"]
        assert len(status["executive_summary"].splitlines()) <= 4

        detail = (await app.client.get(f"/api/v1/sessions/{sid}")).json()
        assert detail["status"] == "completed"
        stage, summary = detail["stages"]
        assert summary["stage_name"] == "Executive Summary"
        assert summary["stage_type"] == "exec_summary" and summary["status"] == "completed"
        assert stage["stage_name"] == "analysis" and stage["status"] == "completed"
        [execution] = stage["executions"]
        assert execution["agent_name"] == "KubernetesAgent"
        assert execution["model_name"] == "demo-scripted"
        assert execution["status"] == "completed"

        listed = (await app.client.get("/api/v1/sessions")).json()
        assert [s["id"] for s in listed["sessions"]] == [sid]
        health = await app.client.get("/health")
        assert health.status_code == 200 and health.json()["status"] == "healthy"


async def test_failing_model_fails_the_session_with_the_reason(settings: Settings) -> None:
    config = load_config(None)

    def failing(agent: ResolvedAgentConfig, hooks: ModelHooks) -> Model:
        return ScriptedModel([Turn.fail("upstream returned 500")] * 50, model_name="broken")

    async with running_app(settings, config, models=failing, queue=FAST_QUEUE) as app:
        sid = await app.submit()
        status = await app.wait_status(sid)
        assert status["status"] == "failed"
        assert "upstream returned 500" in status["error_message"]
        detail = (await app.client.get(f"/api/v1/sessions/{sid}")).json()
        assert detail["stages"][0]["status"] == "failed"
        assert detail["stages"][0]["executions"][0]["status"] == "failed"


def blocking_models(release: asyncio.Event) -> ModelFactory:
    def factory(agent: ResolvedAgentConfig, hooks: ModelHooks) -> Model:
        return ScriptedModel([Turn((), block=release)] * 5, model_name="blocked")

    return factory


async def test_cancel_pending_and_running_sessions_over_the_api(settings: Settings) -> None:
    config = load_config(None)
    release = asyncio.Event()
    one_at_a_time = replace(FAST_QUEUE, max_concurrent_sessions=1)
    async with running_app(
        settings, config, models=blocking_models(release), queue=one_at_a_time
    ) as app:
        running = await app.submit()
        await wait_for_active_execution(app, running)
        queued = await app.submit()

        try:
            async with ws_client(app.url) as live:
                await live.subscribe("sessions")
                response = await app.client.post(f"/api/v1/sessions/{queued}/cancel")
                assert response.status_code == 200, response.text
                assert response.json()["message"] == "Session cancelled before it started"
                # no run ends it, yet the session list hears of it
                await live.wait_for(
                    lambda m: (
                        m.get("type") == "session.status"
                        and m.get("session_id") == queued
                        and m.get("status") == "cancelled"
                    )
                )
            assert (await app.wait_status(queued))["status"] == "cancelled"

            response = await app.client.post(f"/api/v1/sessions/{running}/cancel")
            assert response.status_code == 200
            status = await app.wait_status(running)
            assert status["status"] == "cancelled"
            detail = (await app.client.get(f"/api/v1/sessions/{running}")).json()
            assert detail["stages"][0]["status"] == "cancelled"
            assert detail["stages"][0]["executions"][0]["status"] == "cancelled"

            again = await app.client.post(f"/api/v1/sessions/{running}/cancel")
            assert again.status_code == 409
            assert "cannot be cancelled" in again.json()["message"]
            missing = await app.client.post("/api/v1/sessions/does-not-exist/cancel")
            assert missing.status_code == 404
        finally:
            release.set()  # a failure above must not leave the run blocked


async def test_cancel_reaches_the_owning_replica_through_notify(pg_settings: Settings) -> None:
    config = load_config(None)
    release = asyncio.Event()
    # Heartbeats are slow here, so only NOTIFY can deliver the cancellation in time.
    slow_heartbeat = replace(FAST_QUEUE, heartbeat_interval=timedelta(minutes=5))
    api_only = replace(FAST_QUEUE, worker_count=0)
    async with (
        running_app(
            replace_pod(pg_settings, "replica-a"),
            config,
            models=blocking_models(release),
            queue=slow_heartbeat,
        ) as worker_replica,
        running_app(replace_pod(pg_settings, "replica-b"), config, queue=api_only) as api_replica,
    ):
        sid = await api_replica.submit()
        await wait_for_active_execution(worker_replica, sid)
        response = await api_replica.client.post(f"/api/v1/sessions/{sid}/cancel")
        assert response.status_code == 200
        status = await api_replica.wait_status(sid, timeout=10)
        assert status["status"] == "cancelled"
        release.set()


async def wait_for_active_execution(app: RunningApp, session_id: str) -> None:
    """Until the session's first agent is running (its model call is blocked)."""
    async with asyncio.timeout(15):
        while True:
            detail = (await app.client.get(f"/api/v1/sessions/{session_id}")).json()
            stages = detail.get("stages") or []
            if (
                stages
                and stages[0]["executions"]
                and (stages[0]["executions"][0]["status"] == "active")
            ):
                return
            await asyncio.sleep(0.05)


def replace_pod(settings: Settings, pod: str) -> Settings:
    return settings.model_copy(update={"pod_id": pod})


@pytest.mark.parametrize("n", [5])
async def test_concurrent_alerts_all_complete(settings: Settings, n: int) -> None:
    config = load_config(None)
    async with running_app(settings, config, models=demo_models, queue=FAST_QUEUE) as app:
        ids = [await app.submit(f"Pod api-{i} CrashLoopBackOff in prod") for i in range(n)]
        results = [await app.wait_status(sid) for sid in ids]
        assert [r["status"] for r in results] == ["completed"] * n
        for i, result in enumerate(results):
            assert f"Pod api-{i} CrashLoopBackOff" in result["final_analysis"]


async def test_alert_tool_override_limits_the_agent_to_the_named_tools(
    settings: Settings,
) -> None:
    model = ScriptedModel(
        routes={
            "KubernetesAgent": [
                Turn.tool_calls(("kubernetes-server.events_list", "{}")),
                Turn.text("done"),
            ],
            "ExecSummaryAgent": [Turn.text("summary")],
        }
    )

    def factory(agent: ResolvedAgentConfig, hooks: ModelHooks) -> Model:
        return model

    async with running_app(settings, load_config(None), models=factory, queue=FAST_QUEUE) as app:
        override = {"servers": [{"name": "kubernetes-server", "tools": ["pods_list"]}]}
        sid = await app.submit(mcp=override)
        assert (await app.wait_status(sid))["status"] == "completed"
        timeline = (await app.client.get(f"/api/v1/sessions/{sid}/timeline")).json()
    first = next(r for r in model.requests if r.agent_name == "KubernetesAgent")
    assert [t.name for t in first.tools] == ["kubernetes-server.pods_list"]
    [call] = [e for e in timeline if e["event_type"] == "llm_tool_call"]
    assert call["metadata"]["is_error"] is True
    assert "pods_list" in call["content"]


async def test_demo_cluster_secrets_are_masked_before_the_model_sees_them(
    settings: Settings,
) -> None:
    """The demo's kubernetes-server masking (``kubernetes`` + certificate, token, email) hides
    the data of the simulated cluster's Secrets from the model, the timeline and the trace."""
    get_secrets = '{"kind": "secrets", "namespace": "prod", "output": "yaml"}'
    model = ScriptedModel(
        routes={
            "KubernetesAgent": [
                Turn.tool_calls(("kubernetes-server.resources_get", get_secrets)),
                Turn.text("the api reads DATABASE_URL, which the Secret does not have"),
            ],
            "ExecSummaryAgent": [Turn.text("summary")],
        }
    )

    def factory(agent: ResolvedAgentConfig, hooks: ModelHooks) -> Model:
        return model

    async with running_app(settings, load_config(None), models=factory, queue=FAST_QUEUE) as app:
        sid = await app.submit()
        assert (await app.wait_status(sid))["status"] == "completed"
        timeline = (await app.client.get(f"/api/v1/sessions/{sid}/timeline")).json()
        async with app.container.db.sessions() as session:
            stored = [
                json.dumps(row.tool_result, default=str)
                for row in (await session.scalars(select(MCPInteraction))).all()
            ]

    forbidden = [v for s in SECRETS for v in s.encoded().values()]
    forbidden += [SECRETS[0].data["DB_PASSWORD"], "Ym90OnM0ZmUtcHVsbC10b2tlbi05OTI4"]
    [call] = [e for e in timeline if e["event_type"] == "llm_tool_call"]
    assert "kind: Secret" in call["content"] and "[MASKED_SECRET_DATA]" in call["content"]
    seen = [m.content for r in model.requests for m in r.messages] + [json.dumps(timeline)]
    assert any("[MASKED_SECRET_DATA]" in text for text in stored)
    assert not [value for value in forbidden for text in seen + stored if value in text]
