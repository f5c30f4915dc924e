"""The trace API (SPEC §7 "Trace") end to end: the stage/execution/interaction tree of a finished
session, every LLM interaction's conversation checked against what the model was really sent,
MCP interaction details, sub-agents nested under their orchestrator, and the 404s."""

from __future__ import annotations

import json
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from sqlalchemy import update

from tarsy.config import ResolvedAgentConfig, Settings, TarsyConfig, load_config
from tarsy.db.clock import utcnow
from tarsy.db.tables import AlertSession
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
  max_iterations: 6
  orchestrator: {max_concurrent_agents: 2, agent_timeout: 30s, max_budget: 60s}
mcp_servers:
  notes:
    transport: {type: stdio, command: "true"}
    summarization: {size_threshold_tokens: 100}
agents:
  Investigator:
    mcp_servers: [notes]
  Lead:
    custom_instructions: You lead the investigation.
  LogReader:
    description: reads application logs
    mcp_servers: [notes]
agent_chains:
  traced:
    alert_types: [traced]
    stages:
      - name: investigate
        agents: [{name: Investigator}]
  orchestrated:
    alert_types: [orchestrated]
    stages:
      - name: lead
        agents: [{name: Lead, sub_agents: [LogReader]}]
"""
APP_LOG = "app.log: OOMKilled at 10:02"
BIG_DUMP = "\n".join(f"line {i}: heap usage {50 + i}%" for i in range(40))  # ~250 tokens
SEARCH_HITS = "3 hits for OOM"
SUMMARIZER = "ToolResultSummarizer"


def config(tmp_path: Path) -> TarsyConfig:
    (tmp_path / "cfg").mkdir()
    (tmp_path / "cfg" / "tarsy.yaml").write_text(TARSY_YAML)
    (tmp_path / "cfg" / "llm-providers.yaml").write_text(PROVIDERS_YAML)
    return load_config(tmp_path / "cfg", env={})


def notes() -> dict[str, Any]:
    return {
        "notes": StaticToolset(
            [
                (ToolDef("notes.read", "Read a log file"), APP_LOG),
                (ToolDef("notes.search", "Search the notes"), SEARCH_HITS),
                (ToolDef("notes.dump", "Dump the heap statistics"), BIG_DUMP),
            ]
        )
    }


class Models:
    """The model factory: ``Lead`` answers from a function, every other agent from one
    ScriptedModel; both keep every request they get."""

    def __init__(self) -> None:
        self.scripted = ScriptedModel(
            routes={
                "Investigator": [
                    Turn.tool_calls(
                        ("notes.read", '{"file": "app.log"}'), ("notes.search", '{"q": "OOM"}')
                    ),
                    Turn.tool_calls(("notes.dump", "{}"), text="checking the heap"),
                    Turn.text("Root cause: the api pod is OOMKilled."),
                    Turn.text("another session's answer"),
                ],
                SUMMARIZER: [Turn.text("heap usage climbs from 50% to 89%")],
                "LogReader": [
                    Turn.tool_calls(("notes.read", '{"file": "checkout.log"}')),
                    Turn.text("LogReader: OOM in checkout"),
                ],
                "ExecSummaryAgent": [Turn.text("api OOM"), Turn.text("checkout OOM")],
            }
        )
        self.lead_requests: list[ModelRequest] = []
        self._lead = FunctionModel(self._lead_turn, model_name="lead-model")

    def __call__(self, agent: ResolvedAgentConfig, hooks: ModelHooks) -> Model:
        return self._lead if agent.agent_name == "Lead" else self.scripted

    async def _lead_turn(self, request: ModelRequest) -> Sequence[StreamEvent]:
        self.lead_requests.append(request)
        roles = [m.role for m in request.messages]
        if MessageRole.TOOL not in roles:
            call = ToolCall(
                "lead-0", "dispatch_agent", json.dumps({"name": "LogReader", "task": "read logs"})
            )
            return [ToolCallEvent(call), Usage(100, 20)]
        if not any(m.content.startswith("[Sub-agent") for m in request.messages):
            return [TextDelta("waiting for LogReader"), Usage(100, 20)]
        return [TextDelta("FINAL: checkout pods are OOMKilled"), Usage(100, 20)]

    def requests_of(self, agent_name: str) -> list[ModelRequest]:
        every = [*self.scripted.requests, *self.lead_requests]
        return [r for r in every if r.agent_name == agent_name]


def as_json(message: Message) -> dict[str, Any]:
    return {
        "role": message.role.value,
        "content": message.content,
        "tool_calls": [
            {"id": c.id, "name": c.name, "arguments": c.arguments} for c in message.tool_calls
        ],
        "tool_call_id": message.tool_call_id,
        "tool_name": message.tool_name,
    }


def assistant(content: str, *calls: tuple[str, str, str]) -> dict[str, Any]:
    return as_json(Message.assistant(content, tuple(ToolCall(*c) for c in calls)))


async def get(app: RunningApp, path: str, status: int = 200) -> Any:
    response = await app.client.get(f"/api/v1/sessions/{path}")
    assert response.status_code == status, response.text
    return response.json()


def executions(trace: dict[str, Any]) -> list[dict[str, Any]]:
    """Every execution of the trace, sub-agents right after their orchestrator."""

    def walk(e: dict[str, Any]) -> list[dict[str, Any]]:
        return [e, *(x for sub in e["sub_agents"] for x in walk(sub))]

    return [x for stage in trace["stages"] for e in stage["executions"] for x in walk(e)]


async def check_conversations(
    app: RunningApp, sid: str, trace: dict[str, Any], models: Models
) -> dict[str, list[dict[str, Any]]]:
    """Each execution's LLM interactions, in order, against that agent's requests, in order:
    the conversation is the messages the model was sent plus the answer stored from it.
    Returns the interaction details by agent name."""
    details: dict[str, list[dict[str, Any]]] = {}
    for execution in executions(trace):
        name = execution["agent_name"]
        items = execution["llm_interactions"]
        own = [i for i in items if i["interaction_type"] != "summarization"]
        summaries = [i for i in items if i["interaction_type"] == "summarization"]
        requests = models.requests_of(name)
        assert len(own) == len(requests), name
        found = []
        for position, (item, request) in enumerate(zip(own, requests, strict=True)):
            assert request.execution_id == execution["execution_id"]
            detail = await get(app, f"{sid}/trace/llm/{item['id']}")
            assert detail["id"] == item["id"]
            assert detail["execution_id"] == execution["execution_id"]
            sent = [as_json(m) for m in request.messages]
            conversation = detail["conversation"]
            assert conversation[: len(sent)] == sent, (name, position)
            answer = conversation[len(sent) :]
            assert len(answer) == 1 and answer[0]["role"] == "assistant", (name, position)
            if position + 1 < len(requests):  # the next call was sent this conversation first
                following = [as_json(m) for m in requests[position + 1].messages]
                assert following[: len(conversation)] == conversation, (name, position)
            found.append(detail)
        summarizer_requests = [r for r in models.scripted.requests if r.agent_name == SUMMARIZER]
        if summaries:
            assert len(summaries) == len(summarizer_requests)
        for item, request in zip(summaries, summarizer_requests, strict=False):
            detail = await get(app, f"{sid}/trace/llm/{item['id']}")
            # Stored inline: the summarizer's own conversation (never the agent's messages,
            # which the summarizer was not sent), then the summary it answered.
            sent = [as_json(m) for m in request.messages]
            conversation = detail["conversation"]
            assert conversation[: len(sent)] == sent
            assert [m["role"] for m in conversation[len(sent) :]] == ["assistant"]
            assert conversation[-1]["content"]
            found.append(detail)
        details[name] = found
    return details


async def test_trace_of_an_investigation_with_tool_calls_and_an_executive_summary(
    settings: Settings, tmp_path: Path
) -> None:
    models = Models()
    async with running_app(
        settings, config(tmp_path), models=models, queue=FAST_QUEUE, toolsets=notes()
    ) as app:
        sid = await app.submit("api pod restarts", alert_type="traced")
        status = await app.wait_status(sid)
        assert status["status"] == "completed", status
        assert status["executive_summary"] == "api OOM"
        trace = await get(app, f"{sid}/trace")
        detail = await get(app, sid)

        assert trace["session_interactions"] == []
        assert [
            (s["stage_id"], s["stage_name"], s["stage_type"], s["referenced_stage_id"])
            for s in trace["stages"]
        ] == [
            (detail["stages"][0]["id"], "investigate", "investigation", None),
            (detail["stages"][1]["id"], "Executive Summary", "exec_summary", None),
        ]
        [investigator] = trace["stages"][0]["executions"]
        [summary] = trace["stages"][1]["executions"]
        assert investigator["agent_name"] == "Investigator"
        assert investigator["execution_id"] == detail["stages"][0]["executions"][0]["execution_id"]
        assert summary["agent_name"] == "ExecSummaryAgent"
        assert investigator["sub_agents"] == [] and summary["sub_agents"] == []

        llm = investigator["llm_interactions"]
        assert [i["interaction_type"] for i in llm] == [
            "iteration",
            "iteration",
            "summarization",
            "final_analysis",
        ]
        assert all(i["model_name"] == "scripted" for i in llm)
        assert llm[0]["input_tokens"] == 100 and llm[0]["output_tokens"] == 20
        assert llm[0]["total_tokens"] == 120 and llm[0]["error_message"] is None
        assert llm[-1]["total_tokens"] == 150
        assert [i["created_at"] for i in llm] == sorted(i["created_at"] for i in llm)
        mcp = investigator["mcp_interactions"]
        assert [(i["interaction_type"], i["server_name"], i["tool_name"]) for i in mcp] == [
            ("tool_list", "notes", None),
            ("tool_call", "notes", "read"),
            ("tool_call", "notes", "search"),
            ("tool_call", "notes", "dump"),
        ]
        assert [i["interaction_type"] for i in summary["llm_interactions"]] == ["executive_summary"]
        assert summary["mcp_interactions"] == []

        details = await check_conversations(app, sid, trace, models)
        first, second, final, _summarization = details["Investigator"]
        assert [m["role"] for m in first["conversation"]] == ["system", "user", "assistant"]
        assert first["conversation"][-1] == assistant(
            "",
            ("call-0", "notes.read", '{"file": "app.log"}'),
            ("call-1", "notes.search", '{"q": "OOM"}'),
        )
        assert second["conversation"][3:6] == [
            as_json(Message.tool(ToolCall("call-0", "notes.read", ""), APP_LOG)),
            as_json(Message.tool(ToolCall("call-1", "notes.search", ""), SEARCH_HITS)),
            assistant("checking the heap", ("call-0", "notes.dump", "{}")),
        ]
        summarized = final["conversation"][-2]
        assert summarized["role"] == "tool" and summarized["tool_name"] == "notes.dump"
        assert "heap usage climbs from 50% to 89%" in summarized["content"]
        assert final["conversation"][-1] == assistant("Root cause: the api pod is OOMKilled.")
        assert final["interaction_type"] == "final_analysis"
        assert final["llm_request"]["messages_count"] == len(final["conversation"])
        assert final["llm_response"]["text_length"] == len("Root cause: the api pod is OOMKilled.")
        assert final["stage_id"] == trace["stages"][0]["stage_id"]
        assert final["session_id"] == sid
        for key in ("thinking_content", "response_metadata", "estimated_cost_usd"):
            assert key in final
        [exec_summary] = details["ExecSummaryAgent"]
        assert [m["role"] for m in exec_summary["conversation"]] == ["system", "user", "assistant"]
        assert "Root cause: the api pod is OOMKilled." in exec_summary["conversation"][1]["content"]

        listed = await get(app, f"{sid}/trace/mcp/{mcp[0]['id']}")
        assert listed["interaction_type"] == "tool_list"
        assert sorted(t["name"] for t in listed["available_tools"]) == ["dump", "read", "search"]
        read = await get(app, f"{sid}/trace/mcp/{mcp[1]['id']}")
        assert read["arguments"] == {"file": "app.log"}
        assert read["result"]["content"] == APP_LOG and read["result"]["is_error"] is False
        assert (read["server_name"], read["tool_name"], read["error_message"]) == (
            "notes",
            "read",
            None,
        )
        assert read["execution_id"] == investigator["execution_id"]
        assert read["stage_id"] == trace["stages"][0]["stage_id"]
        assert read["duration_ms"] is not None and read["created_at"]
        dump = await get(app, f"{sid}/trace/mcp/{mcp[3]['id']}")
        assert dump["result"]["content"] == BIG_DUMP  # the raw output, not the summary
        assert dump["result"]["summarized"] is True

        # 404s: unknown session, unknown interaction, wrong kind, another session's interaction.
        other = await app.submit("another alert", alert_type="traced")
        assert (await app.wait_status(other))["status"] == "completed"
        for path in ("nope/trace", "nope/trace/llm/x", "nope/trace/mcp/x"):
            body = await get(app, path, 404)
            assert "nope" in body["message"]
        assert "not found" in (await get(app, f"{sid}/trace/llm/nope", 404))["message"]
        await get(app, f"{sid}/trace/mcp/nope", 404)
        await get(app, f"{sid}/trace/mcp/{llm[0]['id']}", 404)
        await get(app, f"{sid}/trace/llm/{mcp[0]['id']}", 404)
        await get(app, f"{other}/trace/llm/{llm[0]['id']}", 404)
        await get(app, f"{other}/trace/mcp/{mcp[1]['id']}", 404)

        # A soft-deleted session has no trace either.
        async with app.container.db.sessions.begin() as s:
            await s.execute(
                update(AlertSession)
                .where(AlertSession.session_id == sid)
                .values(deleted_at=utcnow())
            )
        await get(app, f"{sid}/trace", 404)
        await get(app, f"{sid}/trace/llm/{llm[0]['id']}", 404)
        await get(app, f"{sid}/trace/mcp/{mcp[1]['id']}", 404)


async def test_trace_nests_sub_agents_under_their_orchestrator(
    settings: Settings, tmp_path: Path
) -> None:
    models = Models()
    async with running_app(
        settings, config(tmp_path), models=models, queue=FAST_QUEUE, toolsets=notes()
    ) as app:
        sid = await app.submit("checkout latency", alert_type="orchestrated")
        status = await app.wait_status(sid)
        assert status["status"] == "completed", status
        trace = await get(app, f"{sid}/trace")
        detail = await get(app, sid)

        lead_stage, summary_stage = trace["stages"]
        [lead] = lead_stage["executions"]
        assert lead["agent_name"] == "Lead"
        [reader] = lead["sub_agents"]
        assert reader["agent_name"] == "LogReader" and reader["sub_agents"] == []
        assert (
            reader["execution_id"]
            == detail["stages"][0]["executions"][0]["sub_agents"][0]["execution_id"]
        )
        assert [e["agent_name"] for e in summary_stage["executions"]] == ["ExecSummaryAgent"]
        assert [i["tool_name"] for i in lead["mcp_interactions"]] == ["dispatch_agent"]
        assert [(i["interaction_type"], i["tool_name"]) for i in reader["mcp_interactions"]] == [
            ("tool_list", None),
            ("tool_call", "read"),
        ]
        assert [i["interaction_type"] for i in reader["llm_interactions"]] == [
            "iteration",
            "final_analysis",
        ]
        assert lead["llm_interactions"][-1]["interaction_type"] == "final_analysis"
        assert {i["model_name"] for i in lead["llm_interactions"]} == {"lead-model"}

        details = await check_conversations(app, sid, trace, models)
        lead_final = details["Lead"][-1]["conversation"]
        assert lead_final[-1] == assistant("FINAL: checkout pods are OOMKilled")
        assert any(
            m["role"] == "user" and "LogReader: OOM in checkout" in m["content"] for m in lead_final
        )
        reader_first = details["LogReader"][0]["conversation"]
        assert reader_first[1]["content"] == "read logs"

        dispatch = await get(app, f"{sid}/trace/mcp/{lead['mcp_interactions'][0]['id']}")
        assert dispatch["arguments"] == {"name": "LogReader", "task": "read logs"}
        assert reader["execution_id"] in dispatch["result"]["content"]
        read = await get(app, f"{sid}/trace/mcp/{reader['mcp_interactions'][1]['id']}")
        assert read["arguments"] == {"file": "checkout.log"}
        assert read["execution_id"] == reader["execution_id"]
        assert read["stage_id"] == lead_stage["stage_id"]

        schema = (await app.client.get("/openapi.json")).json()
        for path in (
            "/api/v1/sessions/{session_id}/trace",
            "/api/v1/sessions/{session_id}/trace/llm/{interaction_id}",
            "/api/v1/sessions/{session_id}/trace/mcp/{interaction_id}",
        ):
            responses = schema["paths"][path]["get"]["responses"]
            assert "$ref" in str(responses["200"]) and "404" in responses
