"""The iterating agent loop on ScriptedModel, a static Toolset and a recording sink."""

from __future__ import annotations

from tarsy.agent import AgentSpec, RecordingSink, run_iterating_agent
from tarsy.domain.statuses import MessageRole
from tarsy.domain.tools import StaticToolset, ToolDef
from tarsy.llm.errors import LLMError
from tarsy.llm.scripted import ScriptedModel, Turn
from tarsy.llm.types import TextDelta, ThinkingDelta, Usage

PODS = ToolDef("kubernetes-server.pods_list", "List pods")
TOOLS = StaticToolset([(PODS, "api-7d9  0/1  CrashLoopBackOff  12")])


def spec(max_iterations: int = 5) -> AgentSpec:
    return AgentSpec("KubernetesAgent", "system", "user", max_iterations=max_iterations)


async def test_tool_call_then_final_answer() -> None:
    model = ScriptedModel(
        [
            Turn.tool_calls(("kubernetes-server.pods_list", "{}")),
            Turn((ThinkingDelta("hmm"), TextDelta("Root cause: "), TextDelta("bad config"))),
        ]
    )
    sink = RecordingSink()
    outcome = await run_iterating_agent(spec(), model, TOOLS, sink)

    assert outcome.status == "completed"
    assert outcome.final_analysis == "Root cause: bad config"
    roles = [m.role for m in sink.messages]
    assert roles == [
        MessageRole.SYSTEM,
        MessageRole.USER,
        MessageRole.ASSISTANT,
        MessageRole.TOOL,
        MessageRole.ASSISTANT,
    ]
    assert sink.messages[3].content.startswith("api-7d9")
    assert [c.kind for c in sink.calls] == ["iteration", "final_analysis"]
    assert ("thinking", "hmm") in sink.deltas
    assert sink.finals == [("Root cause: bad config", {})]
    # The second request carries the tool result; both carry the tool list.
    assert len(model.requests) == 2
    assert model.requests[1].messages[-1].role is MessageRole.TOOL
    assert model.requests[0].tools == (PODS,)


async def test_unknown_tool_comes_back_as_error_result() -> None:
    model = ScriptedModel([Turn.tool_calls(("nope.tool", "{}")), Turn.text("done")])
    sink = RecordingSink()
    outcome = await run_iterating_agent(spec(), model, TOOLS, sink)
    assert outcome.status == "completed"
    _call, result = sink.tool_results[0]
    assert result.is_error and "unknown tool" in result.content
    assert "kubernetes-server.pods_list" in result.content


async def test_llm_error_is_reported_and_retried() -> None:
    model = ScriptedModel([Turn.fail("upstream 500"), Turn.text("final")])
    sink = RecordingSink()
    outcome = await run_iterating_agent(spec(), model, TOOLS, sink)
    assert outcome.status == "completed"
    assert sink.errors and "upstream 500" in sink.errors[0]
    retry = model.requests[1].messages[-1]
    assert retry.role is MessageRole.USER and "failed with an error" in retry.content
    assert sink.calls[0].error is not None


async def test_empty_answers_get_two_nudges_then_fail() -> None:
    model = ScriptedModel([Turn((Usage(1, 0),))] * 3)
    sink = RecordingSink()
    outcome = await run_iterating_agent(spec(), model, TOOLS, sink)
    assert outcome.status == "failed"
    assert "empty" in (outcome.error or "")
    assert len(model.requests) == 3


async def test_iteration_limit_forces_a_conclusion_without_tools() -> None:
    calls = [Turn.tool_calls(("kubernetes-server.pods_list", "{}")) for _ in range(2)]
    model = ScriptedModel([*calls, Turn.text("best effort conclusion")])
    sink = RecordingSink()
    outcome = await run_iterating_agent(spec(max_iterations=2), model, TOOLS, sink)
    assert outcome.status == "completed"
    assert outcome.final_analysis == "best effort conclusion"
    assert model.requests[-1].tools == ()
    assert "iteration limit (2)" in model.requests[-1].messages[-1].content
    _text, meta = sink.finals[0]
    assert meta == {"forced_conclusion": True, "iterations_used": 2, "max_iterations": 2}
    assert sink.calls[-1].kind == "forced_conclusion"


async def test_failed_forced_conclusion_fails_the_run() -> None:
    model = ScriptedModel(
        [Turn.tool_calls(("kubernetes-server.pods_list", "{}")), Turn.fail("quota")]
    )
    outcome = await run_iterating_agent(spec(max_iterations=1), model, TOOLS, RecordingSink())
    assert outcome.status == "failed"
    assert "quota" in (outcome.error or "")


async def test_two_consecutive_timeouts_abort() -> None:
    timeout = LLMError("no first chunk", code="initial_response_timeout")
    model = ScriptedModel([Turn(error=timeout), Turn(error=timeout), Turn.text("never")])
    outcome = await run_iterating_agent(spec(), model, TOOLS, RecordingSink())
    assert outcome.status == "failed"
    assert "consecutive" in (outcome.error or "")
    assert len(model.requests) == 2


async def test_scripted_model_routes_turns_per_agent() -> None:
    model = ScriptedModel([Turn.text("shared")], routes={"Other": [Turn.text("routed")]})
    other = AgentSpec("Other", "s", "u")
    assert (await run_iterating_agent(other, model, TOOLS, RecordingSink())).final_analysis == (
        "routed"
    )
    assert (await run_iterating_agent(spec(), model, TOOLS, RecordingSink())).final_analysis == (
        "shared"
    )


class Inbox:
    """An inbox whose one message arrives only after the model has answered once."""

    def __init__(self) -> None:
        self.messages: list[str] = []
        self.waits = 0

    def drain(self) -> list[str]:
        out, self.messages = self.messages, []
        return out

    def pending(self) -> bool:
        return self.waits == 0 or bool(self.messages)

    async def wait(self) -> None:
        self.waits += 1
        self.messages.append("[Sub-agent completed] Logs (exec e1):\nOOM")


async def test_answer_while_work_is_pending_waits_for_it_before_concluding() -> None:
    model = ScriptedModel([Turn.text("waiting for logs"), Turn.text("Root cause: OOM")])
    sink = RecordingSink()
    inbox = Inbox()
    outcome = await run_iterating_agent(spec(), model, TOOLS, sink, inbox)
    assert outcome.final_analysis == "Root cause: OOM"
    assert inbox.waits == 1
    second = model.requests[1].messages
    assert [m.role for m in second[-2:]] == [MessageRole.ASSISTANT, MessageRole.USER]
    assert second[-1].content.startswith("[Sub-agent completed] Logs")
    assert [c.kind for c in sink.calls] == ["iteration", "final_analysis"]
    assert len(sink.finals) == 1
