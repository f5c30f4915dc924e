"""A conversation with every message kind, and helpers to collect a model's stream."""

from __future__ import annotations

from tarsy.domain.messages import Message, ToolCall
from tarsy.domain.tools import ToolDef
from tarsy.llm.errors import LLMError
from tarsy.llm.model import Model
from tarsy.llm.types import ModelRequest, StreamEvent

PODS = ToolDef(
    "kubernetes-server.pods_list",
    "List pods in a namespace",
    {"type": "object", "properties": {"namespace": {"type": "string"}}, "required": ["namespace"]},
)
LOGS = ToolDef("kubernetes-server.pods_log", "Read pod logs", {})
CALL = ToolCall("call_prev_1", "kubernetes-server.pods_list", '{"namespace": "prod"}')


def first_request() -> ModelRequest:
    return ModelRequest(
        messages=(Message.system("You are an SRE."), Message.user("Pod api-7d9 is crashing.")),
        tools=(PODS, LOGS),
        agent_name="KubernetesAgent",
    )


def follow_up_request(call: ToolCall = CALL) -> ModelRequest:
    return ModelRequest(
        messages=(
            Message.system("You are an SRE."),
            Message.user("Pod api-7d9 is crashing."),
            Message.assistant("Checking pods.", (call,)),
            Message.tool(call, "api-7d9 CrashLoopBackOff"),
        ),
        tools=(PODS, LOGS),
        agent_name="KubernetesAgent",
    )


async def collect(model: Model, request: ModelRequest) -> list[StreamEvent]:
    return [event async for event in model.stream(request)]


async def collect_error(model: Model, request: ModelRequest) -> tuple[list[StreamEvent], LLMError]:
    events: list[StreamEvent] = []
    try:
        async for event in model.stream(request):
            events.append(event)
    except LLMError as exc:
        return events, exc
    raise AssertionError(f"no LLMError; events: {events}")
