"""Comparison stages: the same agent on two providers in one stage (an A/B test of providers),
followed by a synthesis that sees both results with the provider and model of each."""

from __future__ import annotations

from pathlib import Path

from tarsy.config import ResolvedAgentConfig, Settings, load_config
from tarsy.llm.model import Model
from tarsy.llm.scripted import ScriptedModel, Turn
from tarsy.pipeline.ports import ModelHooks
from tests.e2e.harness import running_app
from tests.e2e.test_first_investigation import FAST_QUEUE

PROVIDERS = """\
llm_providers:
  fast: {type: scripted, model: fast-model}
  smart: {type: scripted, model: smart-model}
"""
TARSY = """\
defaults:
  llm_provider: fast
agents:
  Investigator: {description: investigates}
agent_chains:
  ab:
    alert_types: [ab]
    stages:
      - name: compare
        agents:
          - {name: Investigator, llm_provider: fast}
          - {name: Investigator, llm_provider: smart}
"""


async def test_same_agent_on_two_providers_is_compared(settings: Settings, tmp_path: Path) -> None:
    (tmp_path / "cfg").mkdir()
    (tmp_path / "cfg" / "tarsy.yaml").write_text(TARSY)
    (tmp_path / "cfg" / "llm-providers.yaml").write_text(PROVIDERS)
    config = load_config(tmp_path / "cfg", env={})
    models = {
        "fast": ScriptedModel(
            routes={
                "Investigator": [Turn.text("fast: disk full")],
                "SynthesisAgent": [Turn.text("both agree: disk full")],
                "ExecSummaryAgent": [Turn.text("disk full")],
            },
            provider_name="fast",
            model_name="fast-model",
        ),
        "smart": ScriptedModel(
            routes={"Investigator": [Turn.text("smart: disk full, logs rotate badly")]},
            provider_name="smart",
            model_name="smart-model",
        ),
    }

    def factory(agent: ResolvedAgentConfig, hooks: ModelHooks) -> Model:
        return models[agent.llm_provider]

    async with running_app(settings, config, models=factory, queue=FAST_QUEUE) as app:
        sid = await app.submit("disk full on db-1", alert_type="ab")
        status = await app.wait_status(sid)
        detail = (await app.client.get(f"/api/v1/sessions/{sid}")).json()
    assert status["status"] == "completed", status
    compare, synthesis = detail["stages"][0], detail["stages"][1]
    assert compare["parallel_type"] == "multi_agent"
    assert sorted(
        (e["agent_name"], e["llm_provider"], e["model_name"]) for e in compare["executions"]
    ) == [
        ("Investigator", "fast", "fast-model"),
        ("Investigator", "smart", "smart-model"),
    ]
    assert synthesis["stage_type"] == "synthesis" and synthesis["status"] == "completed"
    prompt = next(
        r.messages[1].content for r in models["fast"].requests if r.agent_name == "SynthesisAgent"
    )
    assert "fast: disk full" in prompt and "smart: disk full, logs rotate badly" in prompt
    assert "fast-model" in prompt and "smart-model" in prompt
