"""Chains: parallel stages and replicas with synthesis, success policies, the executive summary,
and failure propagation (SPEC §3.5–3.10)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from tarsy.config import ResolvedAgentConfig, Settings, TarsyConfig, load_config
from tarsy.llm.model import Model
from tarsy.llm.scripted import ScriptedModel, Turn
from tarsy.pipeline.ports import ModelHooks
from tests.e2e.harness import RunningApp, running_app
from tests.e2e.test_first_investigation import FAST_QUEUE

TARSY_YAML = """\
defaults:
  llm_provider: scripted
  max_iterations: 2
agents:
  AgentA:
    description: first investigator
    custom_instructions: You are agent A.
  AgentB:
    description: second investigator
    custom_instructions: You are agent B.
agent_chains:
  layered:
    alert_types: [layered]
    stages:
      - name: triage
        agents: [{name: AgentA}]
      - name: deep
        success_policy: {policy}
        agents: [{name: AgentA}, {name: AgentB}]
      - name: replicated
        replicas: 2
        agents: [{name: AgentB}]
"""
PROVIDERS_YAML = "llm_providers:\n  scripted:\n    type: scripted\n    model: scripted-test\n"


def chain_config(tmp_path: Path, policy: str) -> TarsyConfig:
    (tmp_path / "cfg").mkdir()
    (tmp_path / "cfg" / "tarsy.yaml").write_text(TARSY_YAML.replace("{policy}", policy))
    (tmp_path / "cfg" / "llm-providers.yaml").write_text(PROVIDERS_YAML)
    return load_config(tmp_path / "cfg", env={})


def shared(model: ScriptedModel) -> Any:
    def factory(agent: ResolvedAgentConfig, hooks: ModelHooks) -> Model:
        return model

    return factory


async def run_alert(app: RunningApp) -> tuple[dict[str, Any], dict[str, Any]]:
    response = await app.client.post(
        "/api/v1/alerts", json={"alert_type": "layered", "data": "disk full on db-1"}
    )
    assert response.status_code == 202, response.text
    sid = response.json()["session_id"]
    status = await app.wait_status(sid)
    detail = (await app.client.get(f"/api/v1/sessions/{sid}")).json()
    return status, detail


def stage_rows(detail: dict[str, Any]) -> list[tuple[str, str, str]]:
    return [(s["stage_name"], s["stage_type"], s["status"]) for s in detail["stages"]]


async def test_parallel_stages_are_synthesized_and_summarized(
    settings: Settings, tmp_path: Path
) -> None:
    model = ScriptedModel(
        routes={
            "AgentA": [Turn.text("A triage"), Turn.text("A deep: disk is full")],
            "AgentB": [Turn.text("B deep: logs grew"), Turn.text("B rep"), Turn.text("B rep")],
            "SynthesisAgent": [Turn.text("synth deep"), Turn.text("synth replicated")],
            "ExecSummaryAgent": [Turn.text("db-1 disk full; logs grew.")],
        }
    )
    async with running_app(
        settings, chain_config(tmp_path, "all"), models=shared(model), queue=FAST_QUEUE
    ) as app:
        status, detail = await run_alert(app)
    assert status["status"] == "completed", status
    assert status["final_analysis"] == "synth replicated"
    assert status["executive_summary"] == "db-1 disk full; logs grew."
    assert stage_rows(detail) == [
        ("triage", "investigation", "completed"),
        ("deep", "investigation", "completed"),
        ("deep - Synthesis", "synthesis", "completed"),
        ("replicated", "investigation", "completed"),
        ("replicated - Synthesis", "synthesis", "completed"),
        ("Executive Summary", "exec_summary", "completed"),
    ]
    assert [s["stage_index"] for s in detail["stages"]] == [1, 2, 3, 4, 5, 6]
    deep, deep_synth, replicated = detail["stages"][1], detail["stages"][2], detail["stages"][3]
    assert deep["parallel_type"] == "multi_agent" and deep["expected_agent_count"] == 2
    assert deep_synth["referenced_stage_id"] == deep["id"]
    assert replicated["parallel_type"] == "replica"
    assert sorted(e["agent_name"] for e in replicated["executions"]) == ["AgentB-1", "AgentB-2"]
    assert len(model.requests) == 8  # 1 + 2 + synthesis + 2 + synthesis + summary

    synthesis_prompt = next(
        r.messages[1].content for r in model.requests if r.agent_name == "SynthesisAgent"
    )
    assert "A deep: disk is full" in synthesis_prompt and "B deep: logs grew" in synthesis_prompt
    assert "2/2 agents succeeded" in synthesis_prompt
    deep_prompt = [r for r in model.requests if r.agent_name == "AgentA"][1].messages[1].content
    assert "### Stage 1: triage" in deep_prompt and "A triage" in deep_prompt
    summary_request = next(r for r in model.requests if r.agent_name == "ExecSummaryAgent")
    assert summary_request.tools == ()
    assert "synth replicated" in summary_request.messages[1].content


async def test_policy_all_fails_the_chain_at_the_failing_stage(
    sqlite_settings: Settings, tmp_path: Path
) -> None:
    model = ScriptedModel(
        routes={
            "AgentA": [Turn.text("A triage"), Turn.text("A deep")],
            "AgentB": [Turn.fail("quota exceeded")] * 3,
        }
    )
    async with running_app(
        sqlite_settings, chain_config(tmp_path, "all"), models=shared(model), queue=FAST_QUEUE
    ) as app:
        status, detail = await run_alert(app)
    assert status["status"] == "failed"
    assert "deep" in status["error_message"] and "quota exceeded" in status["error_message"]
    assert stage_rows(detail) == [
        ("triage", "investigation", "completed"),
        ("deep", "investigation", "failed"),
    ]
    statuses = sorted(e["status"] for e in detail["stages"][1]["executions"])
    assert statuses == ["completed", "failed"]


async def test_policy_any_survives_and_synthesis_sees_the_failure(
    sqlite_settings: Settings, tmp_path: Path
) -> None:
    model = ScriptedModel(
        routes={
            "AgentA": [Turn.text("A triage"), Turn.text("A deep")],
            "AgentB": [Turn.fail("quota exceeded")] * 3 + [Turn.text("B rep")] * 2,
            "SynthesisAgent": [Turn.text("synth deep"), Turn.text("synth rep")],
            "ExecSummaryAgent": [Turn.fail("summary model down")],
        }
    )
    async with running_app(
        sqlite_settings, chain_config(tmp_path, "any"), models=shared(model), queue=FAST_QUEUE
    ) as app:
        status, detail = await run_alert(app)
    # The executive summary is fail-open.
    assert status["status"] == "completed", status
    assert status["executive_summary"] is None
    assert status["final_analysis"] == "synth rep"
    assert stage_rows(detail)[1] == ("deep", "investigation", "completed")
    assert stage_rows(detail)[-1] == ("Executive Summary", "exec_summary", "failed")
    synthesis_prompt = next(
        r.messages[1].content for r in model.requests if r.agent_name == "SynthesisAgent"
    )
    assert "1/2 agents succeeded" in synthesis_prompt
    assert "quota exceeded" in synthesis_prompt
    assert "summary model down" in (detail.get("executive_summary_error") or "")


@pytest.fixture
def sqlite_settings(tmp_path: Path) -> Settings:
    return Settings(data_dir=tmp_path, database_url=f"sqlite+aiosqlite:///{tmp_path}/t.db")
