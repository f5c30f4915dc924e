"""The scripted demo investigator: a deterministic stand-in for an LLM when no key is set.

It behaves like a careful agent so the whole pipeline can be seen working: first it calls up to
two of the tools it is offered (preferring pods, events and logs), then it writes an analysis
that quotes the alert and the tool output. Every answer says plainly that it comes from the
demo model, and the model name is ``demo-scripted`` wherever it is shown.
"""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator, Sequence

from tarsy.domain.messages import Message, ToolCall
from tarsy.domain.statuses import MessageRole
from tarsy.domain.tools import ToolDef
from tarsy.llm.model import NamedModel
from tarsy.llm.types import (
    ModelRequest,
    StreamEvent,
    TextDelta,
    ThinkingDelta,
    ToolCallEvent,
    Usage,
)

DEMO_MODEL_NAME = "demo-scripted"
PREFERRED = ("pods", "events", "logs")
CHUNK = 48
SYMPTOMS = ("fatal", "error", "crashloop", "back-off", "backoff", "failed", "oomkilled")
SUMMARY_MARKER = "<<< FINAL ANALYSIS START >>>"
ALERT_START = "<<< ALERT DATA START >>>"
ALERT_END = "<<< ALERT DATA END >>>"


class DemoModel(NamedModel):
    """Implements ``Model`` with the scripted demo investigator."""

    def __init__(self, provider_name: str, *, chunk_delay: float = 0.01) -> None:
        super().__init__(provider_name, DEMO_MODEL_NAME)
        self._chunk_delay = chunk_delay

    async def stream(self, request: ModelRequest) -> AsyncIterator[StreamEvent]:
        tool_messages = [m for m in request.messages if m.role is MessageRole.TOOL]
        prompt_tokens = sum(len(m.content) for m in request.messages) // 4
        if request.tools and not tool_messages:
            calls = _pick_tools(request.tools)
            async for event in self._chunks(
                ThinkingDelta, "Start from live cluster state before trusting the alert text."
            ):
                yield event
            for i, tool in enumerate(calls):
                yield ToolCallEvent(ToolCall(f"demo-call-{i + 1}", tool.name, json.dumps({})))
            yield Usage(prompt_tokens, 40)
            return
        user = next((m.content for m in request.messages if m.role is MessageRole.USER), "")
        if SUMMARY_MARKER in user:
            answer = _summary(user)
        else:
            answer = _analysis(request.messages, tool_messages)
        async for event in self._chunks(TextDelta, answer):
            yield event
        yield Usage(prompt_tokens, len(answer) // 4)

    async def _chunks(
        self, kind: type[TextDelta] | type[ThinkingDelta], text: str
    ) -> AsyncIterator[StreamEvent]:
        for start in range(0, len(text), CHUNK):
            if self._chunk_delay:
                await asyncio.sleep(self._chunk_delay)
            yield kind(text[start : start + CHUNK])


def _pick_tools(tools: Sequence[ToolDef]) -> list[ToolDef]:
    chosen: dict[str, ToolDef] = {}
    for word in PREFERRED:
        for tool in tools:
            if word in tool.tool.lower():
                chosen.setdefault(tool.name, tool)
    return (list(chosen.values()) or list(tools[:1]))[:2]


def _alert_excerpt(messages: Sequence[Message]) -> str:
    """The alert data between the prompt's markers (else the user prompt's first line)."""
    user = next((m.content for m in messages if m.role is MessageRole.USER), "")
    start, end = user.find(ALERT_START), user.find(ALERT_END)
    body = user[start + len(ALERT_START) : end] if start != -1 and end > start else user
    lines = [line.strip() for line in body.splitlines() if line.strip()]
    return (lines[0] if lines else "the alert")[:300]


def _analysis(messages: Sequence[Message], tool_messages: Sequence[Message]) -> str:
    excerpt = _alert_excerpt(messages)
    evidence = "\n".join(f"- `{m.tool_name}`: {_telling_line(m.content)}" for m in tool_messages)
    evidence = evidence or "- No tool data was gathered; the conclusions rest on the alert only."
    return (
        "## Root cause (demo model)\n"
        f"The alert reports: {excerpt}\n\n"
        "### Evidence gathered\n"
        f"{evidence}\n\n"
        "### Assessment\n"
        "The workload is failing on start-up and being restarted; the most likely causes are a "
        "bad configuration value or a dependency that is not reachable. Confidence: LOW, because "
        "this answer comes from TARSy's scripted demo model, not from a real LLM.\n\n"
        "### Recommended next steps\n"
        "1. Read the previous container logs of the failing pod.\n"
        "2. Compare the current deployment's configuration with the last working revision.\n"
        "3. Configure a real provider in llm-providers.yaml (and its API key) for a real analysis."
    )


def _telling_line(text: str) -> str:
    """The first line that looks like a symptom (error, crash, back-off), else the first line."""
    lines = [line.strip() for line in text.strip().splitlines() if line.strip()]
    for line in lines:
        if any(word in line.lower() for word in SYMPTOMS):
            return line[:200]
    return lines[0][:200] if lines else "(empty)"


def _summary(user: str) -> str:
    """A short executive summary of the analysis quoted in the prompt."""
    quoted = user.split(SUMMARY_MARKER, 1)[1]
    reported = next(
        (line.split(":", 1)[1].strip() for line in quoted.splitlines() if "alert reports" in line),
        "the alert",
    )
    return (
        f"{reported}: the workload is crash-looping on start-up; likely a bad configuration "
        "value or an unreachable dependency.\n"
        "(Written by the scripted demo model; configure a real LLM provider for real analyses.)"
    )
