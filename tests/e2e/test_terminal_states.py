"""A session that times out or is cancelled while parallel agents stream ends in that status
everywhere: session, stages, executions and timeline events (no ``streaming`` leftovers)."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from dataclasses import replace
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest

from tarsy.config import ResolvedAgentConfig, Settings
from tarsy.llm.model import Model, NamedModel
from tarsy.llm.types import ModelRequest, StreamEvent, TextDelta, Usage
from tarsy.pipeline.ports import ModelHooks
from tests.e2e.harness import RunningApp, running_app
from tests.e2e.test_chains import chain_config
from tests.e2e.test_first_investigation import FAST_QUEUE


class StreamsThenHangs(NamedModel):
    """Answers AgentA's triage; every call of the parallel stage streams a fragment, then
    hangs until it is cancelled."""

    def __init__(self) -> None:
        super().__init__("scripted", "scripted-test")
        self.hanging = 0
        self.both_streaming = asyncio.Event()

    async def stream(self, request: ModelRequest) -> AsyncIterator[StreamEvent]:
        if "## Previous Stage Data" not in request.messages[1].content:  # the triage stage
            yield TextDelta("A triage")
            yield Usage(100, 20)
            return
        yield TextDelta(f"{request.agent_name} is looking at the disk")
        self.hanging += 1
        if self.hanging == 2:
            self.both_streaming.set()
        await asyncio.Event().wait()


def factory(model: StreamsThenHangs) -> Any:
    def build(agent: ResolvedAgentConfig, hooks: ModelHooks) -> Model:
        return model

    return build


async def outcome(app: RunningApp, sid: str) -> tuple[dict[str, Any], Any, list[Any]]:
    status = await app.wait_status(sid)
    detail = (await app.client.get(f"/api/v1/sessions/{sid}")).json()
    timeline = (await app.client.get(f"/api/v1/sessions/{sid}/timeline")).json()
    return status, detail, timeline


def assert_everywhere(detail: dict[str, Any], timeline: list[Any], status: str) -> None:
    assert [(s["stage_name"], s["status"]) for s in detail["stages"]] == [
        ("triage", "completed"),
        ("deep", status),
    ]
    deep = detail["stages"][1]
    assert [e["status"] for e in deep["executions"]] == [status, status]
    streamed = [e for e in timeline if e["stage_id"] == deep["id"]]
    assert len(streamed) == 2
    assert {e["status"] for e in streamed} == {status}
    assert not [e for e in timeline if e["status"] == "streaming"]


@pytest.mark.parametrize("how", ["timeout", "cancel"])
async def test_parallel_agents_end_with_the_session(
    settings: Settings, tmp_path: Path, how: str
) -> None:
    model = StreamsThenHangs()
    timeout = timedelta(seconds=2) if how == "timeout" else timedelta(minutes=5)
    queue = replace(FAST_QUEUE, session_timeout=timeout)
    async with running_app(
        settings, chain_config(tmp_path, "all"), models=factory(model), queue=queue
    ) as app:
        response = await app.client.post(
            "/api/v1/alerts", json={"alert_type": "layered", "data": "disk full on db-1"}
        )
        sid = response.json()["session_id"]
        async with asyncio.timeout(20):
            await model.both_streaming.wait()
        if how == "cancel":
            cancel = await app.client.post(f"/api/v1/sessions/{sid}/cancel")
            assert cancel.status_code == 200, cancel.text
        status, detail, timeline = await outcome(app, sid)
    expected = "timed_out" if how == "timeout" else "cancelled"
    assert status["status"] == expected, status
    assert_everywhere(detail, timeline, expected)
