"""Follow-up chat: questions about a finished session, answered with the session's tools."""

from __future__ import annotations

import asyncio
from typing import Any

from tarsy.config import ResolvedAgentConfig, Settings, load_config
from tarsy.domain.tools import StaticToolset, ToolDef
from tarsy.llm.model import Model
from tarsy.llm.scripted import ScriptedModel, Turn
from tarsy.pipeline.ports import ModelHooks
from tests.e2e.harness import RunningApp, running_app
from tests.e2e.test_first_investigation import FAST_QUEUE

TOOLS = {
    "kubernetes-server": StaticToolset(
        [(ToolDef("kubernetes-server.pods_log", "Pod logs"), "FATAL lookup db: no such host")]
    )
}


def shared(model: ScriptedModel) -> Any:
    def factory(agent: ResolvedAgentConfig, hooks: ModelHooks) -> Model:
        return model

    return factory


async def chat_stages(app: RunningApp, sid: str) -> list[dict[str, Any]]:
    detail = (await app.client.get(f"/api/v1/sessions/{sid}")).json()
    return [s for s in detail["stages"] if s["stage_type"] == "chat"]


async def wait_chat_done(app: RunningApp, sid: str, count: int) -> list[dict[str, Any]]:
    stages: list[dict[str, Any]] = []
    for _ in range(400):
        stages = await chat_stages(app, sid)
        if len(stages) == count and stages[-1]["status"] not in ("pending", "active"):
            return stages
        await asyncio.sleep(0.05)
    raise AssertionError(f"chat stages did not finish: {stages}")


async def ask(app: RunningApp, sid: str, content: str) -> Any:
    return await app.client.post(f"/api/v1/sessions/{sid}/chat/messages", json={"content": content})


async def test_two_chat_messages_use_tools_and_see_history(settings: Settings) -> None:
    model = ScriptedModel(
        routes={
            "KubernetesAgent": [Turn.text("Root cause: bad DATABASE_HOST.")],
            "ExecSummaryAgent": [Turn.text("api down: bad DATABASE_HOST")],
            "ChatAgent": [
                Turn.tool_calls(("kubernetes-server.pods_log", "{}")),
                Turn.text("The logs show: no such host."),
                Turn.text("Roll back to revision 13."),
            ],
        }
    )
    async with running_app(
        settings, load_config(None), models=shared(model), queue=FAST_QUEUE, toolsets=TOOLS
    ) as app:
        sid = await app.submit()
        assert (await app.wait_status(sid))["status"] == "completed"

        first = await ask(app, sid, "What do the logs say?")
        assert first.status_code == 202, first.text
        body = first.json()
        assert set(body) == {"chat_id", "message_id", "stage_id"}
        [stage] = await wait_chat_done(app, sid, 1)
        assert stage["status"] == "completed" and stage["id"] == body["stage_id"]
        assert stage["executions"][0]["agent_name"] == "ChatAgent"

        second = await ask(app, sid, "How do I fix it?")
        assert second.status_code == 202
        assert second.json()["chat_id"] == body["chat_id"]
        stages = await wait_chat_done(app, sid, 2)
        assert [s["status"] for s in stages] == ["completed", "completed"]

        timeline = (await app.client.get(f"/api/v1/sessions/{sid}/timeline")).json()
        questions = [e for e in timeline if e["event_type"] == "user_question"]
        assert [q["content"] for q in questions] == ["What do the logs say?", "How do I fix it?"]
        assert questions[0]["metadata"] == {"author": "api-client"}
        chat_tools = [
            e
            for e in timeline
            if e["event_type"] == "llm_tool_call" and e["stage_id"] == body["stage_id"]
        ]
        assert len(chat_tools) == 1 and "no such host" in chat_tools[0]["content"]

        chat_requests = [r for r in model.requests if r.agent_name == "ChatAgent"]
        assert len(chat_requests) == 3
        first_prompt = chat_requests[0].messages[1].content
        assert "Root cause: bad DATABASE_HOST." in first_prompt
        assert "api down: bad DATABASE_HOST" in first_prompt
        assert "What do the logs say?" in first_prompt
        second_prompt = chat_requests[2].messages[1].content
        assert "Q1: What do the logs say?" in second_prompt
        assert "A1: The logs show: no such host." in second_prompt
        assert chat_requests[0].tools  # the session's tools
        status = await app.wait_status(sid)
        assert status["status"] == "completed"  # chat never changes the session status


async def test_chat_rules_and_cancellation(settings: Settings) -> None:
    release = asyncio.Event()  # never set: the blocked answer must be cancelled
    model = ScriptedModel(
        routes={
            "KubernetesAgent": [Turn.text("done")],
            "ExecSummaryAgent": [Turn.text("summary")],
            "ChatAgent": [Turn((), block=release), Turn.text("after cancel")],
        }
    )
    async with running_app(
        settings, load_config(None), models=shared(model), queue=FAST_QUEUE, toolsets=TOOLS
    ) as app:
        missing = await ask(app, "nope", "hello")
        assert missing.status_code == 404
        sid = await app.submit()
        await app.wait_status(sid)
        empty = await ask(app, sid, "  ")
        assert empty.status_code == 400 and "content" in empty.json()["message"]
        too_long = await ask(app, sid, "x" * 100_001)
        assert too_long.status_code == 400 and "100000" in too_long.json()["message"]

        assert (await ask(app, sid, "blocked question")).status_code == 202
        async with asyncio.timeout(20):  # until the chat agent's model call is blocked
            while not any(r.agent_name == "ChatAgent" for r in model.requests):
                await asyncio.sleep(0.02)
        busy = await ask(app, sid, "second question")
        assert busy.status_code == 409
        assert "still being answered" in busy.json()["message"]

        cancel = await app.client.post(f"/api/v1/sessions/{sid}/cancel")
        assert cancel.status_code == 200, cancel.text
        [stage] = await wait_chat_done(app, sid, 1)
        assert stage["status"] == "cancelled"
        assert all(e["status"] == "cancelled" for e in stage["executions"])

        again = await ask(app, sid, "and now?")
        assert again.status_code == 202
        stages = await wait_chat_done(app, sid, 2)
        assert stages[-1]["status"] == "completed"
        timeline = (await app.client.get(f"/api/v1/sessions/{sid}/timeline")).json()
        assert not [e for e in timeline if e["status"] == "streaming"]


async def test_chat_needs_a_finished_session(settings: Settings) -> None:
    release = asyncio.Event()
    model = ScriptedModel(routes={"KubernetesAgent": [Turn((), block=release)]})
    async with running_app(
        settings, load_config(None), models=shared(model), queue=FAST_QUEUE, toolsets=TOOLS
    ) as app:
        sid = await app.submit()
        await app.wait_status(sid, {"in_progress"})
        response = await ask(app, sid, "too early")
        assert response.status_code == 400
        assert "in_progress" in response.json()["message"]
        release.set()
