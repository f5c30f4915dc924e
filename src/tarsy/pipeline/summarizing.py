"""``SummarizingToolset``: large tool results reach the model as an LLM-written summary.

A non-error result of a server whose summarization is enabled is summarized when its estimate
(``ceil(bytes / 4)`` tokens) exceeds the server's ``size_threshold_tokens`` (SPEC §4.5). The
summarizer sees the conversation so far (without the system prompt) and the raw output cut to
``MAX_INPUT_TOKENS``; it streams into an ``mcp_tool_summary`` timeline event and is recorded as a
``summarization`` LLM interaction. The model gets a note plus the summary, while the timeline and
the trace keep the raw output (``ToolResult.raw``). Any failure is fail-open: the raw result.
The summarizer model walks the agent's fallback providers without a ``provider_fallback`` event.
"""

from __future__ import annotations

import asyncio
import logging
import math
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Protocol

from tarsy.agent.sink import LLMCallRecord
from tarsy.domain.messages import Message
from tarsy.domain.statuses import MessageRole
from tarsy.domain.tools import ToolDef, ToolResult, Toolset
from tarsy.llm.errors import LLMError
from tarsy.llm.model import Model
from tarsy.llm.types import ModelRequest

log = logging.getLogger(__name__)

MAX_INPUT_TOKENS = 100_000
SUMMARIZER_AGENT = "ToolResultSummarizer"
SUMMARY_TIMEOUT = 120.0


def estimate_tokens(text: str) -> int:
    """The size estimate of SPEC §4.5: a token per four bytes, rounded up."""
    return math.ceil(len(text.encode()) / 4)


@dataclass(frozen=True, slots=True)
class SummaryPolicy:
    """When and how one server's results are summarized (from ``ResolvedSummarization``)."""

    size_threshold_tokens: int
    summary_max_token_limit: int
    model: Callable[[], Model]


class SummarySink(Protocol):
    """Where a summary's progress goes (``ExecutionRecorder`` implements it)."""

    @property
    def conversation(self) -> Sequence[Message]: ...

    async def summary_started(self, server: str, tool: str, original_tokens: int) -> None: ...

    async def summary_delta(self, text: str) -> None: ...

    async def summary_done(self, record: LLMCallRecord) -> None: ...


class SummarizingToolset:
    """Implements ``Toolset`` around another; see the module docstring."""

    def __init__(
        self,
        inner: Toolset,
        policies: Mapping[str, SummaryPolicy],
        sink: SummarySink,
        *,
        session_id: str = "",
        execution_id: str = "",
    ) -> None:
        self._inner = inner
        self._policies = dict(policies)
        self._sink = sink
        self._session_id = session_id
        self._execution_id = execution_id

    async def list_tools(self) -> Sequence[ToolDef]:
        return await self._inner.list_tools()

    async def call_tool(self, name: str, arguments: str) -> ToolResult:
        result = await self._inner.call_tool(name, arguments)
        canonical = name if "." in name else name.replace("__", ".", 1)
        server, _, tool = canonical.partition(".")
        policy = self._policies.get(server)
        if result.is_error or policy is None or not tool:
            return result
        tokens = estimate_tokens(result.content)
        if tokens <= policy.size_threshold_tokens:
            return result
        summary = await self._summarize(canonical, server, tool, result.content, tokens, policy)
        if summary is None:
            return result
        note = (
            f"[NOTE: the output of {canonical} was ~{tokens} tokens and was summarized to keep "
            "the investigation focused. The full output is kept in the investigation record.]"
        )
        return ToolResult(f"{note}\n\n{summary}", raw=result.content)

    async def _summarize(
        self, canonical: str, server: str, tool: str, raw: str, tokens: int, policy: SummaryPolicy
    ) -> str | None:
        await self._sink.summary_started(server, tool, tokens)
        messages = (
            Message.system(_system_prompt(policy.summary_max_token_limit)),
            Message.user(_user_prompt(self._sink.conversation, canonical, raw)),
        )
        request = ModelRequest(
            messages=messages,
            agent_name=SUMMARIZER_AGENT,
            session_id=self._session_id,
            execution_id=f"{self._execution_id}-summary",
        )
        text = ""
        usage = [0, 0, 0]
        error: str | None = None
        started = time.monotonic()
        try:
            async with asyncio.timeout(SUMMARY_TIMEOUT):
                async for event in policy.model().stream(request):
                    match event.kind:
                        case "text":
                            text += event.text
                            await self._sink.summary_delta(event.text)
                        case "usage":
                            usage[0] += event.input_tokens
                            usage[1] += event.output_tokens
                            usage[2] += event.thinking_tokens
                        case "thinking" | "tool_call":
                            pass
        except TimeoutError:
            error = f"summarization timed out after {SUMMARY_TIMEOUT:.0f}s"
        except LLMError as exc:
            error = f"LLM error ({exc.code}): {exc.message}"
        if error is None and not text.strip():
            error = "the summarizer returned an empty summary"
        await self._sink.summary_done(
            LLMCallRecord(
                kind="summarization",
                iteration=0,
                messages_count=len(messages),
                tools_count=0,
                text=text,
                thinking="",
                tool_calls=0,
                input_tokens=usage[0],
                output_tokens=usage[1],
                thinking_tokens=usage[2],
                duration_ms=int((time.monotonic() - started) * 1000),
                error=error,
                conversation=(*messages, Message.assistant(text)) if text else messages,
            )
        )
        if error is not None:
            log.warning("summary of %s failed, the model gets the raw result: %s", canonical, error)
            return None
        return text.strip()


def _system_prompt(limit: int) -> str:
    return (
        "You compress the output of a tool for an ongoing incident investigation. Keep every "
        "error, warning, metric value, resource name and timestamp that could matter; summarize "
        "long lists by pattern and counts instead of repeating them; state explicitly what the "
        "output shows and what it does not contain. Do not speculate about causes and do not "
        f"give advice. Stay under {limit} tokens."
    )


def _user_prompt(conversation: Sequence[Message], canonical: str, raw: str) -> str:
    history = "\n\n".join(
        _render(m) for m in conversation if m.role is not MessageRole.SYSTEM and m.content
    )
    limit = MAX_INPUT_TOKENS * 4
    cut = raw if len(raw) <= limit else f"{raw[:limit]}\n[... cut for summarization ...]"
    return (
        "## Investigation so far\n"
        f"{history or '(nothing yet)'}\n\n"
        f"## Output of {canonical} to summarize\n"
        "<<< TOOL OUTPUT START >>>\n"
        f"{cut}\n"
        "<<< TOOL OUTPUT END >>>"
    )


def _render(message: Message) -> str:
    calls = "".join(f"\n[called {c.name} {c.arguments}]" for c in message.tool_calls)
    return f"[{message.role.value}] {message.content}{calls}"
