"""The iterating agent loop: call the model with tools until it answers without calling any.

Per iteration the model sees the whole conversation and the tools. Tool calls run one after
another and their results join the conversation. A failed model call is reported, explained to
the model and retried on the next iteration; an empty answer earns up to two nudges. When
``max_iterations`` is used up the model is asked, without tools, for its best conclusion from
what it gathered (forced conclusion). Messages from the ``Inbox`` (sub-agent results) join the
conversation before every model call, and an answer given while the inbox still expects
messages waits for them instead of ending the run. Cancellation (``asyncio.CancelledError``)
propagates.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import Literal

from tarsy.agent.inbox import NO_INBOX, Inbox
from tarsy.agent.sink import CallKind, LLMCallRecord, RunSink
from tarsy.domain.messages import Message, ToolCall
from tarsy.domain.tools import ToolDef, Toolset
from tarsy.llm.errors import LLMError
from tarsy.llm.model import Model
from tarsy.llm.types import ModelRequest

MAX_EMPTY_NUDGES = 2
PARTIAL_ECHO_LIMIT = 2000
MAX_CONSECUTIVE_TIMEOUTS = 2


@dataclass(frozen=True, slots=True)
class AgentSpec:
    """Per-run inputs of one agent execution."""

    agent_name: str
    system_prompt: str
    user_prompt: str
    max_iterations: int = 20
    call_timeout: float = 300.0
    session_id: str = ""
    execution_id: str = ""


@dataclass(frozen=True, slots=True)
class AgentOutcome:
    status: Literal["completed", "failed"]
    final_analysis: str | None = None
    error: str | None = None


@dataclass(slots=True)
class ModelTurn:
    text: str = ""
    thinking: str = ""
    calls: list[ToolCall] = field(default_factory=list)
    input_tokens: int = 0
    output_tokens: int = 0
    thinking_tokens: int = 0
    error: str | None = None
    timed_out: bool = False
    duration_ms: int = 0


async def run_iterating_agent(
    spec: AgentSpec, model: Model, toolset: Toolset, sink: RunSink, inbox: Inbox = NO_INBOX
) -> AgentOutcome:
    conversation: list[Message] = []

    async def say(message: Message) -> None:
        conversation.append(message)
        await sink.message(message)

    await say(Message.system(spec.system_prompt))
    await say(Message.user(spec.user_prompt))
    tools = tuple(await toolset.list_tools())
    await sink.tools_listed(tools)

    nudges = 0
    timeouts = 0
    for iteration in range(1, spec.max_iterations + 1):
        for text in inbox.drain():
            await say(Message.user(text))
        await sink.progress("investigating", f"Iteration {iteration}/{spec.max_iterations}")
        turn = await call_model(spec, model, conversation, tools, sink, iteration)
        timeouts = timeouts + 1 if turn.timed_out else 0
        if turn.error is not None:
            await record_call(sink, "iteration", iteration, conversation, tools, turn)
            await sink.error(turn.error)
            if timeouts >= MAX_CONSECUTIVE_TIMEOUTS:
                return AgentOutcome("failed", error=f"{timeouts} consecutive LLM timeouts")
            await say(Message.user(_retry_prompt(turn)))
            continue
        if turn.calls:
            await say(Message.assistant(turn.text, tuple(turn.calls)))
            await record_call(sink, "iteration", iteration, conversation, tools, turn)
            for call in turn.calls:
                await sink.tool_started(call)
                started = time.monotonic()
                result = await toolset.call_tool(call.name, call.arguments)
                await sink.tool_finished(call, result, _ms_since(started))
                await say(Message.tool(call, result.content))
            continue
        if not turn.text.strip():
            await record_call(sink, "iteration", iteration, conversation, tools, turn)
            if nudges < MAX_EMPTY_NUDGES:
                nudges += 1
                await say(Message.user(EMPTY_NUDGE))
                continue
            return AgentOutcome("failed", error="the model returned empty responses")
        await say(Message.assistant(turn.text))
        if inbox.pending():
            # Sub-agents are still working: their results come before any conclusion.
            await record_call(sink, "iteration", iteration, conversation, tools, turn)
            await inbox.wait()
            continue
        await record_call(sink, "final_analysis", iteration, conversation, tools, turn)
        await sink.final_answer(turn.text, {})
        return AgentOutcome("completed", final_analysis=turn.text)
    for text in inbox.drain():
        await say(Message.user(text))
    return await _force_conclusion(spec, model, conversation, sink, say)


async def _force_conclusion(
    spec: AgentSpec,
    model: Model,
    conversation: list[Message],
    sink: RunSink,
    say: Callable[[Message], Awaitable[None]],
) -> AgentOutcome:
    await say(Message.user(FORCED_CONCLUSION.format(n=spec.max_iterations)))
    await sink.progress("concluding", "Iteration limit reached: concluding")
    for attempt in range(MAX_EMPTY_NUDGES + 1):
        turn = await call_model(
            spec, model, conversation, (), sink, spec.max_iterations + 1 + attempt
        )
        if turn.error is None and turn.text.strip():
            await say(Message.assistant(turn.text))
            await record_call(
                sink, "forced_conclusion", spec.max_iterations, conversation, (), turn
            )
            meta: dict[str, object] = {
                "forced_conclusion": True,
                "iterations_used": spec.max_iterations,
                "max_iterations": spec.max_iterations,
            }
            await sink.final_answer(turn.text, meta)
            return AgentOutcome("completed", final_analysis=turn.text)
        await record_call(sink, "forced_conclusion", spec.max_iterations, conversation, (), turn)
        if turn.error is not None:
            await sink.error(turn.error)
            return AgentOutcome("failed", error=f"forced conclusion failed: {turn.error}")
        await say(Message.user(EMPTY_NUDGE))
    return AgentOutcome("failed", error="the model returned no conclusion")


async def call_model(
    spec: AgentSpec,
    model: Model,
    conversation: list[Message],
    tools: tuple[ToolDef, ...],
    sink: RunSink,
    iteration: int = 1,
) -> ModelTurn:
    request = ModelRequest(
        messages=tuple(conversation),
        tools=tools,
        agent_name=spec.agent_name,
        session_id=spec.session_id,
        execution_id=spec.execution_id,
    )
    turn = ModelTurn()
    started = time.monotonic()
    try:
        async with asyncio.timeout(spec.call_timeout):
            async for event in model.stream(request):
                match event.kind:
                    case "text":
                        turn.text += event.text
                        await sink.delta("text", event.text)
                    case "thinking":
                        turn.thinking += event.text
                        await sink.delta("thinking", event.text)
                    case "tool_call":
                        turn.calls.append(event.call)
                    case "usage":
                        turn.input_tokens += event.input_tokens
                        turn.output_tokens += event.output_tokens
                        turn.thinking_tokens += event.thinking_tokens
    except TimeoutError:
        turn.error = f"LLM call timed out after {spec.call_timeout:.0f}s"
        turn.timed_out = True
    except LLMError as exc:
        turn.error = f"LLM error ({exc.code}): {exc.message}"
        turn.timed_out = exc.code in ("initial_response_timeout", "stall_timeout")
    turn.duration_ms = _ms_since(started)
    return turn


async def record_call(
    sink: RunSink,
    kind: CallKind,
    iteration: int,
    conversation: list[Message],
    tools: tuple[ToolDef, ...],
    turn: ModelTurn,
) -> None:
    await sink.llm_call_done(
        LLMCallRecord(
            kind=kind,
            iteration=iteration,
            messages_count=len(conversation),
            tools_count=len(tools),
            text=turn.text,
            thinking=turn.thinking,
            tool_calls=len(turn.calls),
            input_tokens=turn.input_tokens,
            output_tokens=turn.output_tokens,
            thinking_tokens=turn.thinking_tokens,
            duration_ms=turn.duration_ms,
            error=turn.error,
        )
    )


def _retry_prompt(turn: ModelTurn) -> str:
    partial = turn.text[:PARTIAL_ECHO_LIMIT]
    echo = f"\n\nYour partial output before the error was:\n{partial}" if partial else ""
    return (
        f"The previous attempt failed with an error: {turn.error}. "
        f"Please continue the investigation from where you were.{echo}"
    )


def _ms_since(started: float) -> int:
    return int((time.monotonic() - started) * 1000)


EMPTY_NUDGE = (
    "Your previous response was empty. Either call one of the available tools or give your "
    "final analysis."
)
FORCED_CONCLUSION = (
    "You have reached the iteration limit ({n}). Do not call any more tools. Give your best "
    "conclusion now from the data gathered so far: the most likely root cause, the current "
    "state, recommended actions for the on-call engineer, and the gaps in the evidence. Keep "
    "what the tools showed apart from what only the alert claims."
)
