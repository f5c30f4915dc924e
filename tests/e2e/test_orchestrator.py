"""Orchestrator agents (SPEC §5): dispatch, results injected as they arrive, ``list_agents``,
``cancel_agent`` with a real id, failing sub-agents, and the enforced limits (``agent_timeout``,
``max_budget``), plus sub-agents cancelled with their session."""

from __future__ import annotations

import asyncio
import json
from collections.abc import Awaitable, Callable, Sequence
from pathlib import Path
from typing import Any

from tarsy.config import ResolvedAgentConfig, Settings, TarsyConfig, load_config
from tarsy.domain.messages import Message, ToolCall
from tarsy.domain.statuses import MessageRole
from tarsy.domain.tools import StaticToolset, ToolDef
from tarsy.llm.model import Model
from tarsy.llm.scripted import FunctionModel, ScriptedModel, Turn
from tarsy.llm.types import ModelRequest, StreamEvent, TextDelta, ToolCallEvent, Usage
from tarsy.pipeline.ports import ModelHooks
from tests.e2e.harness import RunningApp, running_app
from tests.e2e.test_first_investigation import FAST_QUEUE

PROVIDERS_YAML = "llm_providers:\n  scripted:\n    type: scripted\n    model: scripted-test\n"
TARSY_YAML = """\
defaults:
  llm_provider: scripted
  max_iterations: 8
  orchestrator: {{max_concurrent_agents: 3, agent_timeout: {timeout}, max_budget: {budget}}}
mcp_servers:
  notes:
    transport: {{type: stdio, command: "true"}}
agents:
  Lead:
    custom_instructions: You lead the investigation.
  LogReader:
    description: reads application logs
    mcp_servers: [notes]
  Sleeper:
    description: takes its time
    mcp_servers: [notes]
  Broken:
    description: always fails
    mcp_servers: [notes]
    max_iterations: 1
  Hidden:
    mcp_servers: [notes]
agent_chains:
  orchestrated:
    alert_types: [orchestrated]
    stages:
      - name: investigate
        agents:
          - name: Lead
            sub_agents: [LogReader, Sleeper, Broken]
"""


def hang() -> Turn:
    """A sub-agent turn that runs until it is cancelled."""
    return Turn(block=asyncio.Event())


def config(tmp_path: Path, *, timeout: str = "30s", budget: str = "60s") -> TarsyConfig:
    (tmp_path / "cfg").mkdir()
    (tmp_path / "cfg" / "tarsy.yaml").write_text(TARSY_YAML.format(timeout=timeout, budget=budget))
    (tmp_path / "cfg" / "llm-providers.yaml").write_text(PROVIDERS_YAML)
    return load_config(tmp_path / "cfg", env={})


def calls(*pairs: tuple[str, dict[str, str]]) -> list[StreamEvent]:
    events: list[StreamEvent] = [
        ToolCallEvent(ToolCall(f"lead-{i}", name, json.dumps(args)))
        for i, (name, args) in enumerate(pairs)
    ]
    return [*events, Usage(100, 20)]


def text(content: str) -> list[StreamEvent]:
    return [TextDelta(content), Usage(100, 20)]


def tool_results(messages: Sequence[Message]) -> list[str]:
    return [m.content for m in messages if m.role is MessageRole.TOOL]


def arrivals(messages: Sequence[Message]) -> list[str]:
    return [
        m.content
        for m in messages
        if m.role is MessageRole.USER and m.content.startswith("[Sub-agent")
    ]


def execution_id(dispatch_result: str) -> str:
    return str(json.loads(dispatch_result.splitlines()[0])["execution_id"])


Lead = Callable[[ModelRequest], Awaitable[Sequence[StreamEvent]]]


def factory(lead: Lead, workers: ScriptedModel) -> Any:
    lead_model = FunctionModel(lead, model_name="lead-model")

    def build(agent: ResolvedAgentConfig, hooks: ModelHooks) -> Model:
        return lead_model if agent.agent_name == "Lead" else workers

    return build


async def run(app: RunningApp) -> tuple[dict[str, Any], dict[str, Any], list[dict[str, Any]]]:
    sid = await app.submit("checkout latency p99 > 2s", alert_type="orchestrated")
    status = await app.wait_status(sid)
    detail = (await app.client.get(f"/api/v1/sessions/{sid}")).json()
    timeline = (await app.client.get(f"/api/v1/sessions/{sid}/timeline")).json()
    return status, detail, timeline


async def investigate_once(
    settings: Settings, cfg: TarsyConfig, lead: Lead, workers: ScriptedModel
) -> tuple[dict[str, Any], dict[str, Any], list[dict[str, Any]]]:
    async with running_app(
        settings, cfg, models=factory(lead, workers), queue=FAST_QUEUE, toolsets=notes()
    ) as app:
        return await run(app)


def subs(detail: dict[str, Any]) -> dict[str, dict[str, Any]]:
    [orchestrator] = detail["stages"][0]["executions"]
    return {s["agent_name"]: s for s in orchestrator["sub_agents"]}


def notes() -> dict[str, Any]:
    return {"notes": StaticToolset([(ToolDef("notes.read", "Read notes"), "OOMKilled x3")])}


async def test_dispatch_list_cancel_and_failures_reach_the_orchestrator(
    settings: Settings, tmp_path: Path
) -> None:
    seen: dict[str, Any] = {}

    async def lead(request: ModelRequest) -> Sequence[StreamEvent]:
        results = tool_results(request.messages)
        if not results:
            seen["tools"] = sorted(t.name for t in request.tools)
            seen["system"] = request.messages[0].content
            return calls(
                ("dispatch_agent", {"name": "LogReader", "task": "read checkout logs"}),
                ("dispatch_agent", {"name": "Sleeper", "task": "wait for metrics"}),
                ("dispatch_agent", {"name": "Broken", "task": "try and fail"}),
                ("dispatch_agent", {"name": "Hidden", "task": "not in the catalog"}),
            )
        if len(results) == 4:
            return calls(("list_agents", {}))
        if len(results) == 5:
            return calls(("cancel_agent", {"execution_id": execution_id(results[1])}))
        seen["results"] = results
        return text("FINAL\n" + "\n".join(arrivals(request.messages)))

    workers = ScriptedModel(
        routes={
            "LogReader": [Turn.tool_calls(("notes.read", "{}")), Turn.text("LogReader: OOM")],
            "Sleeper": [hang()],
            "Broken": [Turn.fail("model quota exceeded")] * 2,
            "ExecSummaryAgent": [Turn.text("checkout OOM")],
        }
    )
    status, detail, timeline = await investigate_once(settings, config(tmp_path), lead, workers)

    assert status["status"] == "completed", status
    assert seen["tools"] == ["cancel_agent", "dispatch_agent", "list_agents"]
    assert "- LogReader: reads application logs (tools: notes)" in seen["system"]
    assert "Hidden" not in seen["system"]  # no description: not dispatchable

    dispatched, hidden, listing, cancel = (
        seen["results"][:3],
        seen["results"][3],
        seen["results"][4],
        seen["results"][5],
    )
    assert all(json.loads(r.splitlines()[0])["status"] == "accepted" for r in dispatched)
    assert "unknown sub-agent 'Hidden'" in hidden and "LogReader" in hidden
    sleeper_id = execution_id(dispatched[1])
    assert f"Sleeper (exec {sleeper_id}): active - task: wait for metrics" in listing
    assert cancel == f"cancel {sleeper_id}: cancelled"

    final = status["final_analysis"]
    assert "[Sub-agent completed] LogReader (exec " in final and "LogReader: OOM" in final
    assert f"[Sub-agent cancelled] Sleeper (exec {sleeper_id}): cancelled by the orch" in final
    assert "[Sub-agent failed] Broken (exec " in final and "model quota exceeded" in final

    by_name = subs(detail)
    assert {n: s["status"] for n, s in by_name.items()} == {
        "LogReader": "completed",
        "Sleeper": "cancelled",
        "Broken": "failed",
    }
    assert by_name["Sleeper"]["execution_id"] == sleeper_id
    assert by_name["LogReader"]["task"] == "read checkout logs"
    [orchestrator] = detail["stages"][0]["executions"]
    assert all(s["parent_execution_id"] == orchestrator["execution_id"] for s in by_name.values())
    assert detail["stages"][0]["status"] == "completed"  # sub-agent failures do not count
    tasks = [e for e in timeline if e["event_type"] == "task_assigned"]
    assert sorted(e["content"] for e in tasks) == [
        "read checkout logs",
        "try and fail",
        "wait for metrics",
    ]
    assert {e["execution_id"] for e in tasks} == {s["execution_id"] for s in by_name.values()}
    assert not [e for e in timeline if e["status"] == "streaming"]
    log_reader_tools = [
        e
        for e in timeline
        if e["event_type"] == "llm_tool_call"
        and e["execution_id"] == by_name["LogReader"]["execution_id"]
    ]
    assert [e["content"] for e in log_reader_tools] == ["OOMKilled x3"]
    sub_request = next(r for r in workers.requests if r.agent_name == "LogReader")
    assert sub_request.messages[1].content == "read checkout logs"
    assert "You are a sub-agent" in sub_request.messages[0].content
    assert "dispatch_agent" not in {t.name for t in sub_request.tools}  # depth 1


async def test_budget_exhausted_cancels_sub_agents_and_the_orchestrator_concludes(
    settings: Settings, tmp_path: Path
) -> None:
    seen: dict[str, Any] = {}

    async def lead(request: ModelRequest) -> Sequence[StreamEvent]:
        results = tool_results(request.messages)
        arrived = arrivals(request.messages)
        if not results:
            return calls(
                ("dispatch_agent", {"name": "Sleeper", "task": "watch 1"}),
                ("dispatch_agent", {"name": "Sleeper", "task": "watch 2"}),
            )
        if len(results) == 2 and len(arrived) < 2:
            return text("waiting for the sub-agents")
        if len(results) == 2:
            return calls(("dispatch_agent", {"name": "LogReader", "task": "one more"}))
        seen["refused"] = results[2]
        return text("concluded without the watchers:\n" + "\n".join(arrived))

    workers = ScriptedModel(
        routes={
            "Sleeper": [hang(), hang()],
            "ExecSummaryAgent": [Turn.text("done")],
        }
    )
    status, detail, timeline = await investigate_once(
        settings, config(tmp_path, budget="1s"), lead, workers
    )

    assert status["status"] == "completed", status
    assert "the sub-agent budget of 1s is used up" in seen["refused"]
    assert status["final_analysis"].count("the sub-agent budget of 1s is used up") == 2
    [orchestrator] = detail["stages"][0]["executions"]
    sleepers = orchestrator["sub_agents"]
    assert [s["status"] for s in sleepers] == ["cancelled", "cancelled"]
    assert all("budget of 1s" in s["error_message"] for s in sleepers)
    assert not [e for e in timeline if e["status"] == "streaming"]


async def test_agent_timeout_ends_a_sub_agent_as_timed_out(
    settings: Settings, tmp_path: Path
) -> None:
    async def lead(request: ModelRequest) -> Sequence[StreamEvent]:
        if not tool_results(request.messages):
            return calls(("dispatch_agent", {"name": "Sleeper", "task": "hang"}))
        if not arrivals(request.messages):
            return text("waiting")
        return text("\n".join(arrivals(request.messages)))

    workers = ScriptedModel(routes={"Sleeper": [hang()], "ExecSummaryAgent": [Turn.text("done")]})
    status, detail, _ = await investigate_once(
        settings, config(tmp_path, timeout="500ms"), lead, workers
    )
    assert status["status"] == "completed", status
    assert "[Sub-agent timed_out] Sleeper" in status["final_analysis"]
    assert "did not finish within 0.5s" in status["final_analysis"]
    [sleeper] = subs(detail).values()
    assert sleeper["status"] == "timed_out"


async def test_cancelling_the_session_cancels_its_sub_agents(
    settings: Settings, tmp_path: Path
) -> None:
    waiting = asyncio.Event()

    async def lead(request: ModelRequest) -> Sequence[StreamEvent]:
        if not tool_results(request.messages):
            return calls(("dispatch_agent", {"name": "Sleeper", "task": "hang"}))
        waiting.set()
        return text("waiting")

    workers = ScriptedModel(routes={"Sleeper": [hang()]})
    async with running_app(
        settings,
        config(tmp_path),
        models=factory(lead, workers),
        queue=FAST_QUEUE,
        toolsets=notes(),
    ) as app:
        sid = await app.submit("checkout latency p99 > 2s", alert_type="orchestrated")
        async with asyncio.timeout(30):
            await waiting.wait()
        response = await app.client.post(f"/api/v1/sessions/{sid}/cancel")
        assert response.status_code == 200, response.text
        status = await app.wait_status(sid)
        detail = (await app.client.get(f"/api/v1/sessions/{sid}")).json()
        timeline = (await app.client.get(f"/api/v1/sessions/{sid}/timeline")).json()
    assert status["status"] == "cancelled"
    [orchestrator] = detail["stages"][0]["executions"]
    assert orchestrator["status"] == "cancelled"
    assert [s["status"] for s in orchestrator["sub_agents"]] == ["cancelled"]
    assert detail["stages"][0]["status"] == "cancelled"
    assert not [e for e in timeline if e["status"] == "streaming"]
