"""MCP in a running app: large results summarized, failed servers warned about, and the
``/system`` endpoints (mcp-servers, warnings, default-tools)."""

from __future__ import annotations

import asyncio
import sys
from pathlib import Path
from typing import Any

from tarsy.config import ResolvedAgentConfig, Settings, TarsyConfig, load_config
from tarsy.domain.statuses import MessageRole
from tarsy.domain.tools import StaticToolset, ToolDef
from tarsy.llm.model import Model
from tarsy.llm.scripted import ScriptedModel, Turn
from tarsy.pipeline.ports import ModelHooks
from tarsy.pipeline.recorder import STORAGE_LIMIT_CHARS
from tests.e2e.harness import RunningApp, running_app
from tests.e2e.test_first_investigation import FAST_QUEUE

PROVIDERS_YAML = "llm_providers:\n  scripted:\n    type: scripted\n    model: scripted-test\n"
TARSY_YAML = f"""\
defaults:
  llm_provider: scripted
  max_iterations: 4
mcp_servers:
  kubernetes-server:
    transport: {{type: stdio, command: {sys.executable}, args: [-m, tarsy.democluster]}}
  logs:
    transport: {{type: stdio, command: "true"}}
    summarization: {{size_threshold_tokens: 1000, summary_max_token_limit: 200}}
  broken:
    transport: {{type: stdio, command: {sys.executable}, args: [-c, "exit(3)"]}}
agents:
  LogAgent:
    description: reads logs
    mcp_servers: [logs, broken]
agent_chains:
  logs-chain:
    alert_types: [logs]
    stages:
      - name: look
        agents: [{{name: LogAgent}}]
"""
BIG_LINE = "2026-12-01T10:00:00Z ERROR payment-api connection refused to db-1:5432 (retrying)\n"
BIG = BIG_LINE * (200_000 // len(BIG_LINE) + 1)  # about 200 KB
SMALL = "3 pods Running, 0 restarts"


def config(tmp_path: Path) -> TarsyConfig:
    (tmp_path / "cfg").mkdir()
    (tmp_path / "cfg" / "tarsy.yaml").write_text(TARSY_YAML)
    (tmp_path / "cfg" / "llm-providers.yaml").write_text(PROVIDERS_YAML)
    return load_config(tmp_path / "cfg", env={})


def logs_toolset() -> StaticToolset:
    return StaticToolset(
        [(ToolDef("logs.tail", "Tail the logs"), BIG), (ToolDef("logs.pods", "Pod states"), SMALL)]
    )


def shared(model: ScriptedModel) -> Any:
    def factory(agent: ResolvedAgentConfig, hooks: ModelHooks) -> Model:
        return model

    return factory


async def investigate(app: RunningApp) -> tuple[str, list[dict[str, Any]]]:
    sid = await app.submit("payment-api errors", alert_type="logs")
    status = await app.wait_status(sid)
    assert status["status"] == "completed", status
    timeline = (await app.client.get(f"/api/v1/sessions/{sid}/timeline")).json()
    return sid, timeline


async def investigate_once(
    settings: Settings, tmp_path: Path, model: ScriptedModel
) -> list[dict[str, Any]]:
    """One investigation of the logs chain with the in-process ``logs`` server; its timeline."""
    async with running_app(
        settings,
        config(tmp_path),
        models=shared(model),
        queue=FAST_QUEUE,
        toolsets={"logs": logs_toolset()},
    ) as app:
        _, timeline = await investigate(app)
    return timeline


def agent_turns(summary: Turn) -> ScriptedModel:
    return ScriptedModel(
        routes={
            "LogAgent": [
                Turn.tool_calls(("logs.tail", "{}")),
                Turn.tool_calls(("logs.pods", "{}")),
                Turn.text("db-1 refuses connections"),
            ],
            "ToolResultSummarizer": [summary],
            "ExecSummaryAgent": [Turn.text("db-1 down")],
        }
    )


def tool_messages(model: ScriptedModel) -> list[str]:
    last = [r for r in model.requests if r.agent_name == "LogAgent"][-1]
    return [m.content for m in last.messages if m.role is MessageRole.TOOL]


async def test_large_result_is_summarized_for_the_model_and_stored_truncated(
    settings: Settings, tmp_path: Path
) -> None:
    model = agent_turns(Turn.text("SUMMARY: ~2400 identical ERROR lines: db-1:5432 refused"))
    timeline = await investigate_once(settings, tmp_path, model)

    big, small = tool_messages(model)
    tokens = -(-len(BIG.encode()) // 4)
    assert big.startswith(f"[NOTE: the output of logs.tail was ~{tokens} tokens")
    assert big.endswith("SUMMARY: ~2400 identical ERROR lines: db-1:5432 refused")
    assert BIG_LINE not in big
    assert small == SMALL  # under the threshold: untouched

    summarizer = next(r for r in model.requests if r.agent_name == "ToolResultSummarizer")
    assert summarizer.tools == ()
    prompt = summarizer.messages[1].content
    assert "payment-api errors" in prompt and BIG_LINE in prompt
    assert "200 tokens" in summarizer.messages[0].content

    calls = [e for e in timeline if e["event_type"] == "llm_tool_call"]
    [summary] = [e for e in timeline if e["event_type"] == "mcp_tool_summary"]
    assert [c["metadata"]["tool_name"] for c in calls] == ["tail", "pods"]
    stored = calls[0]["content"]
    assert stored.startswith(BIG_LINE) and BIG_LINE * 10 in stored
    assert len(stored) < STORAGE_LIMIT_CHARS + 100
    assert stored.endswith(f"of {len(BIG)} characters not stored]")
    assert calls[1]["content"] == SMALL
    assert summary["status"] == "completed"
    assert summary["content"].startswith("SUMMARY:")
    assert summary["metadata"]["server_name"] == "logs"
    assert summary["metadata"]["original_tokens"] == tokens
    assert summary["llm_interaction_id"]
    assert calls[0]["sequence_number"] < summary["sequence_number"]


async def test_failed_summary_gives_the_model_the_raw_result(
    settings: Settings, tmp_path: Path
) -> None:
    model = agent_turns(Turn.fail("summarizer overloaded"))
    timeline = await investigate_once(settings, tmp_path, model)
    big, _ = tool_messages(model)
    assert big == BIG
    [summary] = [e for e in timeline if e["event_type"] == "mcp_tool_summary"]
    assert summary["status"] == "failed"
    assert "summarizer overloaded" in summary["content"]


async def test_server_that_fails_to_start_is_named_in_the_prompt_and_warned_about(
    settings: Settings, tmp_path: Path
) -> None:
    model = agent_turns(Turn.text("short"))
    async with running_app(
        settings,
        config(tmp_path),
        models=shared(model),
        queue=FAST_QUEUE,
        toolsets={"logs": logs_toolset()},
    ) as app:
        before = (await app.client.get("/api/v1/system/warnings")).json()
        await investigate(app)
        after = (await app.client.get("/api/v1/system/warnings")).json()

    assert before == {"warnings": []}
    first = next(r for r in model.requests if r.agent_name == "LogAgent")
    system = first.messages[0].content
    assert "## Unavailable tool servers" in system and "- broken:" in system
    assert {t.name for t in first.tools} == {"logs.tail", "logs.pods"}
    [warning] = after["warnings"]
    assert warning["id"] == "mcp_unavailable:broken"
    assert warning["category"] == "mcp_unavailable"
    assert warning["server_id"] == "broken"
    assert "broken" in warning["message"] and warning["details"]
    assert warning["created_at"]


async def test_health_monitor_lists_servers_and_warns_about_unhealthy_ones(
    settings: Settings, tmp_path: Path
) -> None:
    async with running_app(
        settings,
        config(tmp_path),
        queue=FAST_QUEUE,
        toolsets={"logs": logs_toolset()},
        mcp_health_interval=3600,
    ) as app:
        async with asyncio.timeout(30):
            while True:
                body = (await app.client.get("/api/v1/system/mcp-servers")).json()
                if all(s["last_check"] for s in body["servers"]):
                    break
                await asyncio.sleep(0.1)
        warnings = (await app.client.get("/api/v1/system/warnings")).json()["warnings"]

    servers = {s["id"]: s for s in body["servers"]}
    assert set(servers) == {"kubernetes-server", "broken"}  # in-process "logs" is not checked
    k8s = servers["kubernetes-server"]
    assert k8s["healthy"] is True and k8s["error"] is None
    assert k8s["tool_count"] == len(k8s["tools"]) >= 4
    assert "pods_list" in {t["name"] for t in k8s["tools"]}
    assert servers["broken"]["healthy"] is False and servers["broken"]["error"]
    assert [(w["id"], w["server_id"]) for w in warnings] == [("mcp_health:broken", "broken")]


async def test_default_tools_per_alert_type(settings: Settings, tmp_path: Path) -> None:
    async with running_app(settings, config(tmp_path), queue=FAST_QUEUE) as app:
        chain = await app.client.get("/api/v1/system/default-tools", params={"alert_type": "logs"})
        every = await app.client.get("/api/v1/system/default-tools")
        unknown = await app.client.get("/api/v1/system/default-tools?alert_type=nope")
    assert chain.status_code == 200
    assert chain.json() == {
        "alert_type": "logs",
        "mcp_servers": ["logs", "broken"],
        "native_tools": {"google_search": False, "code_execution": False, "url_context": False},
    }
    assert every.json()["alert_type"] is None
    assert every.json()["mcp_servers"] == ["broken", "kubernetes-server", "logs"]
    assert unknown.status_code == 400
    assert "unknown alert type 'nope'" in unknown.json()["message"]
    assert "logs" in unknown.json()["message"]
