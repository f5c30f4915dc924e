"""The recorder: a ``RunSink`` that persists one execution's run and publishes its events.

Messages go to the trace, model calls become LLM interactions, tool calls MCP interactions;
timeline events are created lazily on the first streamed fragment, completed when the call ends,
and every change is published (``timeline_event.created|completed`` persisted, ``stream.chunk``
transient, ``interaction.created`` persisted).
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from datetime import UTC, datetime
from typing import Any, Literal

from tarsy.agent.sink import DeltaKind, LLMCallRecord, Phase
from tarsy.config.pricing import CostRates
from tarsy.db.repos.timeline import NewTimelineEvent, TimelineRepo
from tarsy.db.repos.trace import ExecutionRef, NewLLMInteraction, NewMCPInteraction, TraceRepo
from tarsy.db.tables import TimelineEvent
from tarsy.domain.messages import Message, ToolCall
from tarsy.domain.statuses import (
    LLMInteractionType,
    MCPInteractionType,
    TimelineEventType,
    TimelineStatus,
)
from tarsy.domain.tools import ToolDef, ToolResult
from tarsy.events.bus import Bus, session_channel
from tarsy.events.payloads import (
    ExecutionProgress,
    InteractionCreated,
    StreamChunk,
    TimelineEventCompleted,
    TimelineEventCreated,
)
from tarsy.llm.fallback import FallbackEvent
from tarsy.observability.metrics import Metrics
from tarsy.pipeline.streaming import FLUSH_INTERVAL, ChunkBatcher

STORAGE_LIMIT_CHARS = 32_000
ORCHESTRATOR_SERVER = "orchestrator"
"""The server name of the sub-agent tools in the trace (SPEC §1.7)."""
KIND_TO_EVENT = {"text": TimelineEventType.LLM_RESPONSE, "thinking": TimelineEventType.LLM_THINKING}


class ExecutionRecorder:
    """Implements ``agent.RunSink`` for one agent execution."""

    def __init__(
        self,
        *,
        ref: ExecutionRef,
        provider_name: str,
        model_name: str,
        timeline: TimelineRepo,
        trace: TraceRepo,
        bus: Bus,
        pricing: CostRates,
        metrics: Metrics,
        parent_execution_id: str | None = None,
        flush_interval: float = FLUSH_INTERVAL,
    ) -> None:
        self._ref = ref
        self._channel = session_channel(ref.session_id)
        self._parent = parent_execution_id
        self._chunks = ChunkBatcher(self._publish_chunk, flush_interval)
        self._pricing = pricing
        self._metrics = metrics
        self._provider_name = provider_name
        self._model_name = model_name
        self._timeline = timeline
        self._trace = trace
        self._bus = bus
        self._sequence = 0
        self._last_message_id: str | None = None
        self._streaming: dict[DeltaKind, TimelineEvent] = {}
        self._text: dict[DeltaKind, str] = {}
        self._tool_events: dict[str, TimelineEvent] = {}
        self._conversation: list[Message] = []
        self._summary: TimelineEvent | None = None
        self._summary_text = ""

    # -- conversation -------------------------------------------------------------------------
    @property
    def conversation(self) -> Sequence[Message]:
        """The messages of this execution so far, in order."""
        return self._conversation

    async def message(self, message: Message) -> None:
        self._conversation.append(message)
        self._sequence += 1
        self._last_message_id = await self._trace.add_message(self._ref, self._sequence, message)

    async def tools_listed(self, tools: Sequence[ToolDef]) -> None:
        by_server: dict[str, list[dict[str, Any]]] = {}
        for tool in tools:
            if tool.server:
                by_server.setdefault(tool.server, []).append(
                    {"name": tool.tool, "description": tool.description}
                )
        for server, listed in by_server.items():
            interaction_id = await self._trace.add_mcp_interaction(
                self._ref,
                NewMCPInteraction(
                    MCPInteractionType.TOOL_LIST, server_name=server, available_tools=listed
                ),
            )
            await self._interaction_created(interaction_id, "mcp")

    # -- model calls --------------------------------------------------------------------------
    async def delta(self, kind: DeltaKind, text: str) -> None:
        if not text:
            return
        event = self._streaming.get(kind)
        if event is None:
            metadata = {"source": "native"} if kind == "thinking" else None
            event = await self._create(KIND_TO_EVENT[kind], TimelineStatus.STREAMING, "", metadata)
            self._streaming[kind] = event
            self._text[kind] = ""
        self._text[kind] += text
        await self._chunks.add(event.event_id, text)

    async def _publish_chunk(self, event_id: str, text: str) -> None:
        chunk = StreamChunk(
            type="stream.chunk", session_id=self._ref.session_id, event_id=event_id, delta=text
        )
        if self._parent is not None:
            chunk["parent_execution_id"] = self._parent
        await self._bus.publish(self._channel, chunk)

    async def progress(self, phase: Phase, message: str) -> None:
        payload = ExecutionProgress(
            type="execution.progress",
            session_id=self._ref.session_id,
            stage_id=self._ref.stage_id,
            execution_id=self._ref.execution_id,
            phase=phase,
            message=message,
        )
        if self._parent is not None:
            payload["parent_execution_id"] = self._parent
        await self._bus.publish(self._channel, payload)

    async def llm_call_done(self, record: LLMCallRecord) -> None:
        interaction_id = await self._add_llm_interaction(record)
        status = TimelineStatus.FAILED if record.error else TimelineStatus.COMPLETED
        for kind, event in list(self._streaming.items()):
            await self._complete(
                event, self._text.get(kind, ""), status, llm_interaction_id=interaction_id
            )
        self._streaming.clear()
        self._text.clear()
        await self._interaction_created(interaction_id, "llm")

    async def _add_llm_interaction(self, record: LLMCallRecord) -> str:
        self._metrics.llm_call(
            self._provider_name,
            self._model_name,
            record.kind,
            duration_seconds=record.duration_ms / 1000,
            tokens={
                "input": record.input_tokens,
                "output": record.output_tokens,
                "thinking": record.thinking_tokens,
            },
            failed=record.error is not None,
        )
        return await self._trace.add_llm_interaction(
            self._ref,
            NewLLMInteraction(
                interaction_type=LLMInteractionType(record.kind),
                model_name=self._model_name,
                last_message_id=self._last_message_id,
                llm_request=_request_metadata(record),
                llm_response={
                    "text_length": len(record.text),
                    "tool_calls_count": record.tool_calls,
                },
                thinking_content=record.thinking or None,
                input_tokens=record.input_tokens,
                output_tokens=record.output_tokens,
                thinking_tokens=record.thinking_tokens or None,
                duration_ms=record.duration_ms,
                error_message=record.error,
                estimated_cost_usd=self._pricing.cost(
                    self._model_name,
                    datetime.now(UTC),
                    input_tokens=record.input_tokens,
                    output_tokens=record.output_tokens,
                    thinking_tokens=record.thinking_tokens,
                ),
            ),
        )

    # -- tools --------------------------------------------------------------------------------
    async def tool_started(self, call: ToolCall) -> None:
        server, _, tool = call.name.rpartition(".")
        metadata = {
            "server_name": server,
            "tool_name": tool,
            "tool_type": "mcp" if server else "orchestrator",
            "arguments": call.arguments,
        }
        await self.progress("gathering_info", f"Calling {call.name}")
        event = await self._create(
            TimelineEventType.LLM_TOOL_CALL, TimelineStatus.STREAMING, "", metadata
        )
        self._tool_events[call.id] = event

    async def tool_finished(self, call: ToolCall, result: ToolResult, duration_ms: int) -> None:
        server, _, tool = call.name.rpartition(".")
        if server:
            self._metrics.mcp_call(
                server, tool, duration_seconds=duration_ms / 1000, failed=result.is_error
            )
        stored = truncate_for_storage(result.output)
        interaction_id = await self._trace.add_mcp_interaction(
            self._ref,
            NewMCPInteraction(
                MCPInteractionType.TOOL_CALL,
                server_name=server or ORCHESTRATOR_SERVER,
                tool_name=tool,
                tool_arguments=_arguments(call.arguments),
                tool_result={
                    "content": stored,
                    "is_error": result.is_error,
                    "summarized": result.raw is not None,
                },
                duration_ms=duration_ms,
                error_message=result.content[:2000] if result.is_error else None,
            ),
        )
        event = self._tool_events.pop(call.id, None)
        if event is not None:
            await self._complete(
                event,
                stored,
                TimelineStatus.COMPLETED,
                metadata={"is_error": result.is_error},
                mcp_interaction_id=interaction_id,
            )
        await self._interaction_created(interaction_id, "mcp")

    # -- tool-result summaries (``pipeline.summarizing.SummarySink``) ---------------------------
    async def summary_started(self, server: str, tool: str, original_tokens: int) -> None:
        await self.progress("distilling", f"Summarizing the output of {server}.{tool}")
        self._summary = await self._create(
            TimelineEventType.MCP_TOOL_SUMMARY,
            TimelineStatus.STREAMING,
            "",
            {"server_name": server, "tool_name": tool, "original_tokens": original_tokens},
        )
        self._summary_text = ""

    async def summary_delta(self, text: str) -> None:
        event = self._summary
        if event is None or not text:
            return
        self._summary_text += text
        await self._chunks.add(event.event_id, text)

    async def summary_done(self, record: LLMCallRecord) -> None:
        interaction_id = await self._add_llm_interaction(record)
        event, self._summary = self._summary, None
        if event is not None:
            failed = record.error is not None
            await self._complete(
                event,
                (
                    f"Summarization failed, the model got the full output: {record.error}"
                    if failed
                    else self._summary_text
                ),
                TimelineStatus.FAILED if failed else TimelineStatus.COMPLETED,
                llm_interaction_id=interaction_id,
            )
        await self._interaction_created(interaction_id, "llm")

    # -- fire-and-forget events ---------------------------------------------------------------
    async def error(self, text: str) -> None:
        await self._create(TimelineEventType.ERROR, TimelineStatus.COMPLETED, text, None)

    async def provider_fallback(self, event: FallbackEvent) -> None:
        """A fire-and-forget ``provider_fallback`` event (SPEC §4.8 metadata)."""
        self._metrics.llm_fallback(
            event.previous_provider,
            event.previous_model,
            event.fallback_provider,
            event.fallback_model,
            event.error_code,
        )
        await self._create(
            TimelineEventType.PROVIDER_FALLBACK,
            TimelineStatus.COMPLETED,
            f"Switched from {event.previous_provider} ({event.previous_model}) to "
            f"{event.fallback_provider} ({event.fallback_model}): {event.reason}",
            {
                "original_provider": event.original_provider,
                "original_model": event.original_model,
                "fallback_provider": event.fallback_provider,
                "fallback_model": event.fallback_model,
                "reason": event.reason,
                "attempt": event.attempt,
                "error_code": event.error_code,
            },
        )
        self._provider_name = event.fallback_provider
        self._model_name = event.fallback_model

    async def final_answer(self, text: str, metadata: dict[str, object]) -> None:
        await self._create(
            TimelineEventType.FINAL_ANALYSIS, TimelineStatus.COMPLETED, text, dict(metadata) or None
        )

    # -- helpers ------------------------------------------------------------------------------
    async def _create(
        self,
        event_type: TimelineEventType,
        status: TimelineStatus,
        content: str,
        metadata: dict[str, Any] | None,
    ) -> TimelineEvent:
        return await record_event(
            self._timeline,
            self._bus,
            parent_execution_id=self._parent,
            new=NewTimelineEvent(
                session_id=self._ref.session_id,
                stage_id=self._ref.stage_id,
                execution_id=self._ref.execution_id,
                event_type=event_type,
                status=status,
                content=content,
                metadata=metadata,
            ),
        )

    async def _complete(
        self,
        event: TimelineEvent,
        content: str,
        status: TimelineStatus,
        *,
        metadata: dict[str, Any] | None = None,
        llm_interaction_id: str | None = None,
        mcp_interaction_id: str | None = None,
    ) -> None:
        await self._chunks.flush()
        await self._timeline.complete(
            event,
            content=content,
            status=status,
            metadata=metadata,
            llm_interaction_id=llm_interaction_id,
            mcp_interaction_id=mcp_interaction_id,
        )
        completed = TimelineEventCompleted(
            type="timeline_event.completed",
            session_id=self._ref.session_id,
            event_id=event.event_id,
            event_type=event.event_type,
            status=event.status,
            content=event.content,
            metadata=event.event_metadata,
        )
        if self._parent is not None:
            completed["parent_execution_id"] = self._parent
        await self._bus.publish(self._channel, completed, persist=True)

    async def _interaction_created(self, interaction_id: str, kind: Literal["llm", "mcp"]) -> None:
        payload = InteractionCreated(
            type="interaction.created",
            session_id=self._ref.session_id,
            stage_id=self._ref.stage_id,
            execution_id=self._ref.execution_id,
            interaction_id=interaction_id,
            interaction_type=kind,
        )
        await self._bus.publish(self._channel, payload, persist=True)


async def record_event(
    timeline: TimelineRepo,
    bus: Bus,
    new: NewTimelineEvent,
    *,
    parent_execution_id: str | None = None,
) -> TimelineEvent:
    """Create a timeline event and publish ``timeline_event.created`` for it.

    Neither waits for the database: the event's sequence number is filled into the published
    payload when the row is written (both go in the same group commit, the event first).
    """
    event, pending = timeline.post(new)

    def fill(payload: dict[str, Any]) -> None:
        payload["sequence_number"] = pending.row.get("sequence_number")

    payload = TimelineEventCreated(
        type="timeline_event.created",
        session_id=new.session_id,
        event_id=event.event_id,
        stage_id=event.stage_id,
        execution_id=event.execution_id,
        event_type=event.event_type,
        status=event.status,
        content=event.content,
        metadata=event.event_metadata,
        sequence_number=None,
    )
    if parent_execution_id is not None:
        payload["parent_execution_id"] = parent_execution_id
    await bus.publish(session_channel(new.session_id), payload, persist=True, fill=fill)
    return event


def _request_metadata(record: LLMCallRecord) -> dict[str, Any]:
    """``llm_request``: metadata, plus the whole conversation when it is self-contained."""
    request: dict[str, Any] = {
        "messages_count": record.messages_count,
        "iteration": record.iteration,
        "tools_count": record.tools_count,
    }
    if record.conversation:
        request["conversation"] = [
            {
                "role": m.role.value,
                "content": m.content,
                "tool_calls": [
                    {"id": c.id, "name": c.name, "arguments": c.arguments} for c in m.tool_calls
                ],
                "tool_call_id": m.tool_call_id,
                "tool_name": m.tool_name,
            }
            for m in record.conversation
        ]
    return request


def truncate_for_storage(text: str, limit: int = STORAGE_LIMIT_CHARS) -> str:
    """Cut ``text`` at the last line boundary under ``limit`` with a marker (SPEC §4.4)."""
    if len(text) <= limit:
        return text
    cut = text.rfind("\n", 0, limit)
    cut = cut if cut > 0 else limit
    return f"{text[:cut]}\n[TRUNCATED: {len(text) - cut} of {len(text)} characters not stored]"


def _arguments(raw: str) -> dict[str, Any]:
    try:
        parsed = json.loads(raw) if raw.strip() else {}
    except json.JSONDecodeError:
        return {"raw": raw}
    return parsed if isinstance(parsed, dict) else {"raw": raw}
