"""``RunSink``: everything the agent loop reports while it runs, and a recording fake."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Literal, Protocol

from tarsy.domain.messages import Message, ToolCall
from tarsy.domain.statuses import ExecutionPhase
from tarsy.domain.tools import ToolDef, ToolResult

CallKind = Literal[
    "iteration",
    "final_analysis",
    "forced_conclusion",
    "synthesis",
    "executive_summary",
    "summarization",
]
DeltaKind = Literal["text", "thinking"]
Phase = ExecutionPhase


@dataclass(frozen=True, slots=True)
class LLMCallRecord:
    """One finished model call, successful or not."""

    kind: CallKind
    iteration: int
    messages_count: int
    tools_count: int
    text: str
    thinking: str
    tool_calls: int
    input_tokens: int
    output_tokens: int
    thinking_tokens: int
    duration_ms: int
    error: str | None = None
    conversation: tuple[Message, ...] = ()
    """A self-contained conversation (summarization), stored inline with the interaction."""


class RunSink(Protocol):
    async def message(self, message: Message) -> None:
        """A message joined the conversation (store it exactly once)."""
        ...

    async def tools_listed(self, tools: Sequence[ToolDef]) -> None: ...

    async def progress(self, phase: Phase, message: str) -> None:
        """What the agent is doing now (shown live; not stored)."""
        ...

    async def delta(self, kind: DeltaKind, text: str) -> None:
        """A streamed fragment of the current model call."""
        ...

    async def llm_call_done(self, record: LLMCallRecord) -> None:
        """The current model call ended; streamed fragments are complete."""
        ...

    async def tool_started(self, call: ToolCall) -> None: ...

    async def tool_finished(self, call: ToolCall, result: ToolResult, duration_ms: int) -> None: ...

    async def error(self, text: str) -> None:
        """A recoverable problem the user should see on the timeline."""
        ...

    async def final_answer(self, text: str, metadata: dict[str, object]) -> None: ...


@dataclass
class RecordingSink:
    """Implements ``RunSink`` by keeping everything in lists (tests)."""

    messages: list[Message] = field(default_factory=list)
    deltas: list[tuple[DeltaKind, str]] = field(default_factory=list)
    calls: list[LLMCallRecord] = field(default_factory=list)
    tools: list[ToolDef] = field(default_factory=list)
    tool_results: list[tuple[ToolCall, ToolResult]] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)
    finals: list[tuple[str, dict[str, object]]] = field(default_factory=list)
    phases: list[tuple[Phase, str]] = field(default_factory=list)

    async def progress(self, phase: Phase, message: str) -> None:
        self.phases.append((phase, message))

    async def message(self, message: Message) -> None:
        self.messages.append(message)

    async def tools_listed(self, tools: Sequence[ToolDef]) -> None:
        self.tools = list(tools)

    async def delta(self, kind: DeltaKind, text: str) -> None:
        self.deltas.append((kind, text))

    async def llm_call_done(self, record: LLMCallRecord) -> None:
        self.calls.append(record)

    async def tool_started(self, call: ToolCall) -> None:
        return None

    async def tool_finished(self, call: ToolCall, result: ToolResult, duration_ms: int) -> None:
        self.tool_results.append((call, result))

    async def error(self, text: str) -> None:
        self.errors.append(text)

    async def final_answer(self, text: str, metadata: dict[str, object]) -> None:
        self.finals.append((text, metadata))
