"""The scripted demo investigator calls tools first, then answers and says it is a demo."""

from __future__ import annotations

from tarsy.agent import AgentSpec, RecordingSink, run_iterating_agent
from tarsy.domain.tools import StaticToolset, ToolDef
from tarsy.llm.demo import DEMO_MODEL_NAME, DemoModel

TOOLS = StaticToolset(
    [
        (ToolDef("kubernetes-server.pods_list", "List pods"), "api-7d9 CrashLoopBackOff"),
        (ToolDef("kubernetes-server.events_list", "Events"), "Back-off restarting container"),
        (ToolDef("kubernetes-server.nodes_top", "Nodes"), "ok"),
    ]
)


async def test_demo_model_investigates_then_concludes() -> None:
    model = DemoModel("demo-scripted", chunk_delay=0)
    sink = RecordingSink()
    spec = AgentSpec(
        "KubernetesAgent",
        "sys",
        "Alert data:\n<<< ALERT DATA START >>>\nPod api-7d9 CrashLoopBackOff in prod\n"
        "<<< ALERT DATA END >>>",
    )
    outcome = await run_iterating_agent(spec, model, TOOLS, sink)
    assert outcome.status == "completed"
    called = [call.name for call, _ in sink.tool_results]
    assert called == ["kubernetes-server.pods_list", "kubernetes-server.events_list"]
    answer = outcome.final_analysis or ""
    assert "Pod api-7d9 CrashLoopBackOff in prod" in answer
    assert "demo model" in answer
    assert "Back-off restarting container" in answer
    assert model.model_name == DEMO_MODEL_NAME == "demo-scripted"
