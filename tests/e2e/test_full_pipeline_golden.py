"""The whole pipeline against a golden file: four investigation stages (a single agent; a single
agent on another provider; two parallel agents with policy ``all``, one reaching its forced
conclusion, then synthesis; two replicas, then synthesis), the executive summary, then two chat
messages that call tools, with tool-result summarization at a low threshold.

The golden file holds the stage and execution rows and every execution's timeline with ids and
times normalised; events are grouped per execution because concurrent executions interleave.
Regenerate it with ``TARSY_UPDATE_GOLDEN=1`` after a deliberate change, and review the diff.
"""

from __future__ import annotations

import asyncio
import json
import os
from pathlib import Path
from typing import Any

import pytest

from tarsy.config import ResolvedAgentConfig, Settings, TarsyConfig, load_config
from tarsy.domain.tools import StaticToolset, ToolDef
from tarsy.llm.model import Model
from tarsy.llm.scripted import ScriptedModel, Turn
from tarsy.pipeline.ports import ModelHooks
from tests.e2e.harness import RunningApp, running_app
from tests.e2e.test_chat import ask, wait_chat_done
from tests.e2e.test_first_investigation import FAST_QUEUE

GOLDEN = Path(__file__).with_name("golden") / "full_pipeline.json"
PROVIDERS_YAML = """\
llm_providers:
  scripted-a: {type: scripted, model: model-a}
  scripted-b: {type: scripted, model: model-b}
"""
TARSY_YAML = """\
defaults:
  llm_provider: scripted-a
  max_iterations: 3
system:
  cost_estimation:
    model_rates:
      model-a: {input_per_million: 1, output_per_million: 2}
mcp_servers:
  k8s:
    transport: {type: stdio, command: "true"}
    summarization: {size_threshold_tokens: 100, summary_max_token_limit: 80}
agents:
  Triage: {description: first look, mcp_servers: [k8s]}
  Deep: {description: second opinion, mcp_servers: [k8s]}
  Logs: {description: reads logs, mcp_servers: [k8s]}
  Metrics: {description: reads metrics, mcp_servers: [k8s], max_iterations: 1}
  Verify: {description: verifies the finding, mcp_servers: [k8s]}
agent_chains:
  full:
    alert_types: [full]
    stages:
      - name: triage
        agents: [{name: Triage}]
      - name: second-opinion
        agents: [{name: Deep, llm_provider: scripted-b}]
      - name: parallel
        success_policy: all
        agents: [{name: Logs}, {name: Metrics}]
      - name: replicas
        replicas: 2
        agents: [{name: Verify}]
"""
PODS = "api-1  0/1  CrashLoopBackOff  7 restarts"
LOGS = "".join(
    f"2026-12-01T10:0{i}:00Z api-1 OOMKilled: memory limit 256Mi reached\n" for i in range(9)
)
ID_KEYS = {"event_id", "stage_id", "execution_id", "session_id", "parent_execution_id"}


def config(tmp_path: Path) -> TarsyConfig:
    (tmp_path / "cfg").mkdir()
    (tmp_path / "cfg" / "tarsy.yaml").write_text(TARSY_YAML)
    (tmp_path / "cfg" / "llm-providers.yaml").write_text(PROVIDERS_YAML)
    return load_config(tmp_path / "cfg", env={})


def models() -> tuple[ScriptedModel, ScriptedModel]:
    a = ScriptedModel(
        routes={
            "Triage": [
                Turn.tool_calls(("k8s.pods", "{}")),
                Turn.text("triage: api-1 is crash-looping"),
            ],
            "Logs": [Turn.tool_calls(("k8s.logs", "{}")), Turn.text("logs: OOMKilled at 256Mi")],
            "Metrics": [
                Turn.tool_calls(("k8s.pods", '{"namespace": "prod"}')),
                Turn.text("metrics (forced): memory at its limit before each restart"),
            ],
            "ToolResultSummarizer": [
                Turn.text("9 OOMKilled events at the 256Mi limit, 10:00-10:08."),
                Turn.text("OOMKilled 9 times at 256Mi."),
            ],
            "SynthesisAgent": [
                Turn.text("synthesis: OOM at 256Mi (HIGH)"),
                Turn.text("synthesis: both replicas confirm the OOM"),
            ],
            "Verify": [Turn.text("verify: confirmed"), Turn.text("verify: confirmed")],
            "ExecSummaryAgent": [Turn.text("api-1 crash-loops: OOM at its 256Mi memory limit.")],
            "ChatAgent": [
                Turn.tool_calls(("k8s.logs", "{}")),
                Turn.text("chat: the logs show 9 OOM kills"),
                Turn.tool_calls(("k8s.pods", "{}")),
                Turn.text("chat: raise the limit to 512Mi"),
            ],
        },
        provider_name="scripted-a",
        model_name="model-a",
    )
    b = ScriptedModel(
        routes={"Deep": [Turn.text("second opinion: memory limit too low")]},
        provider_name="scripted-b",
        model_name="model-b",
    )
    return a, b


def normalise(value: Any, key: str = "") -> Any:
    if isinstance(value, dict):
        return {k: normalise(v, k) for k, v in sorted(value.items())}
    if isinstance(value, list):
        return [normalise(v) for v in value]
    if value is not None and (key in ID_KEYS or key.endswith("interaction_id")):
        return "<id>"
    return value


def timelines(detail: dict[str, Any], timeline: list[dict[str, Any]]) -> dict[str, Any]:
    names = {
        e["execution_id"]: f"{s['stage_name']} / {e['agent_name']}"
        for s in detail["stages"]
        for e in s["executions"]
    }
    stage_names = {s["id"]: s["stage_name"] for s in detail["stages"]}
    grouped: dict[str, list[Any]] = {}
    for event in sorted(timeline, key=lambda e: e["sequence_number"]):
        owner = names.get(event["execution_id"]) or stage_names.get(event["stage_id"], "session")
        kept = {k: event[k] for k in ("event_type", "status", "content", "metadata")}
        kept["linked"] = sorted(
            k for k in ("llm_interaction_id", "mcp_interaction_id") if event.get(k)
        )
        grouped.setdefault(owner, []).append(normalise(kept))
    return dict(sorted(grouped.items()))


def stages(detail: dict[str, Any]) -> list[Any]:
    return [
        {
            "stage": (s["stage_index"], s["stage_name"], s["stage_type"], s["status"]),
            "parallel": (s["parallel_type"], s["expected_agent_count"]),
            "executions": sorted(
                (e["agent_name"], e["status"], e["llm_provider"], e["model_name"])
                for e in s["executions"]
            ),
        }
        for s in detail["stages"]
    ]


async def run_everything(app: RunningApp) -> tuple[dict[str, Any], list[Any], dict[str, Any]]:
    response = await app.client.post(
        "/api/v1/alerts", json={"alert_type": "full", "data": "api-1 restarting in prod"}
    )
    assert response.status_code == 202, response.text
    sid = response.json()["session_id"]
    status = await app.wait_status(sid)
    assert status["status"] == "completed", status
    for n, question in enumerate(["What do the logs say?", "How do I fix it?"], 1):
        answer = await ask(app, sid, question)
        assert answer.status_code == 202, answer.text
        await wait_chat_done(app, sid, n)
    detail = (await app.client.get(f"/api/v1/sessions/{sid}")).json()
    timeline = (await app.client.get(f"/api/v1/sessions/{sid}/timeline")).json()
    return detail, timeline, status


async def test_full_pipeline_matches_the_golden_file(settings: Settings, tmp_path: Path) -> None:
    a, b = models()

    def factory(agent: ResolvedAgentConfig, hooks: ModelHooks) -> Model:
        return b if agent.llm_provider == "scripted-b" else a

    tools = {
        "k8s": StaticToolset(
            [(ToolDef("k8s.pods", "List pods"), PODS), (ToolDef("k8s.logs", "Pod logs"), LOGS)]
        )
    }
    async with running_app(
        settings, config(tmp_path), models=factory, queue=FAST_QUEUE, toolsets=tools
    ) as app:
        detail, timeline, status = await asyncio.wait_for(run_everything(app), 60)

    # Exactly these model calls: 17 on provider A (incl. 2 summaries), 1 on provider B.
    assert len(a.requests) == 17 and len(b.requests) == 1
    per_agent: dict[str, int] = {}
    for request in a.requests + b.requests:
        per_agent[request.agent_name] = per_agent.get(request.agent_name, 0) + 1
    assert per_agent == {
        "Triage": 2,
        "Deep": 1,
        "Logs": 2,
        "Metrics": 2,
        "ToolResultSummarizer": 2,
        "SynthesisAgent": 2,
        "Verify": 2,
        "ExecSummaryAgent": 1,
        "ChatAgent": 4,
    }
    assert status["final_analysis"] == "synthesis: both replicas confirm the OOM"
    assert status["executive_summary"] == "api-1 crash-loops: OOM at its 256Mi memory limit."
    # Provider A is priced (1 and 2 USD per million tokens), provider B is not.
    assert detail["cost_completeness"] == "partial"
    assert detail["estimated_cost_usd"] == pytest.approx((1700 * 1 + 700 * 2) / 1e6)

    actual = {"stages": stages(detail), "timelines": timelines(detail, timeline)}
    actual = json.loads(json.dumps(actual))
    if os.environ.get("TARSY_UPDATE_GOLDEN"):
        GOLDEN.parent.mkdir(exist_ok=True)
        GOLDEN.write_text(json.dumps(actual, indent=2, ensure_ascii=False) + "\n")
    expected = json.loads(GOLDEN.read_text())
    assert actual["stages"] == expected["stages"]
    assert list(actual["timelines"]) == list(expected["timelines"])
    for owner, events in expected["timelines"].items():
        assert actual["timelines"][owner] == events, owner
