"""Trace read use cases of the API (SPEC §7 "Trace"): a session's stage/execution/interaction
tree, one LLM interaction with its reconstructed conversation, one MCP interaction.

The conversation of an LLM interaction is the messages of its execution up to and including its
``last_message_id`` (SPEC §1.6): the messages the model was sent and, when the call produced an
answer, the assistant message stored from that answer. An interaction whose ``llm_request`` holds
its own self-contained conversation under ``conversation`` (a summarization, SPEC §1.6) returns
that one; a summarization without it returns an empty conversation rather than the agent's.
"""

from __future__ import annotations

import logging
from datetime import datetime
from typing import Any, TypeVar

from pydantic import BaseModel, ConfigDict, Field, JsonValue, ValidationError

from tarsy.db.engine import Database
from tarsy.db.repos.trace_reads import LLMListRow, MCPListRow, SessionTraceRows, TraceReadRepo
from tarsy.db.tables import AgentExecution, MessageRow
from tarsy.domain.errors import NotFound
from tarsy.domain.statuses import LLMInteractionType, MCPInteractionType, MessageRole, StageType

log = logging.getLogger(__name__)

INLINE_CONVERSATION_KEY = "conversation"


class TraceView(BaseModel):
    """Base of the trace response models: built only by the service."""

    model_config = ConfigDict(extra="forbid")


class LLMInteractionItem(TraceView):
    id: str
    interaction_type: LLMInteractionType
    model_name: str
    input_tokens: int | None
    output_tokens: int | None
    total_tokens: int | None
    thinking_tokens: int | None
    estimated_cost_usd: float | None
    duration_ms: int | None
    error_message: str | None
    created_at: datetime


class MCPInteractionItem(TraceView):
    id: str
    interaction_type: MCPInteractionType
    server_name: str
    tool_name: str | None
    duration_ms: int | None
    error_message: str | None
    created_at: datetime


class TraceExecution(TraceView):
    execution_id: str
    agent_name: str
    llm_interactions: list[LLMInteractionItem]
    mcp_interactions: list[MCPInteractionItem]
    sub_agents: list[TraceExecution] = Field(default_factory=list)


class TraceStage(TraceView):
    stage_id: str
    stage_name: str
    stage_type: StageType
    referenced_stage_id: str | None
    executions: list[TraceExecution]


class SessionTrace(TraceView):
    stages: list[TraceStage]
    session_interactions: list[LLMInteractionItem]


class ToolCallView(TraceView):
    id: str
    name: str
    arguments: str


class ConversationMessage(TraceView):
    role: MessageRole
    content: str
    tool_calls: list[ToolCallView] = Field(default_factory=list)
    tool_call_id: str | None = None
    tool_name: str | None = None


class LLMInteractionDetail(TraceView):
    id: str
    session_id: str
    stage_id: str | None
    execution_id: str | None
    interaction_type: LLMInteractionType
    model_name: str
    last_message_id: str | None
    llm_request: dict[str, JsonValue] | None
    llm_response: dict[str, JsonValue] | None
    thinking_content: str | None
    response_metadata: dict[str, JsonValue] | None
    input_tokens: int | None
    output_tokens: int | None
    total_tokens: int | None
    thinking_tokens: int | None
    estimated_cost_usd: float | None
    duration_ms: int | None
    error_message: str | None
    created_at: datetime
    conversation: list[ConversationMessage]


class MCPInteractionDetail(TraceView):
    id: str
    session_id: str
    stage_id: str
    execution_id: str
    interaction_type: MCPInteractionType
    server_name: str
    tool_name: str | None
    arguments: dict[str, JsonValue] | None
    result: dict[str, JsonValue] | None
    available_tools: list[JsonValue] | None
    duration_ms: int | None
    error_message: str | None
    created_at: datetime


class TraceQueryService:
    def __init__(self, db: Database) -> None:
        self._repo = TraceReadRepo(db)

    async def session_trace(self, session_id: str) -> SessionTrace:
        rows = await self._repo.session_trace(session_id)
        if rows is None:
            raise NotFound(f"session {session_id} not found")
        return build_trace(rows)

    async def llm_interaction(self, session_id: str, interaction_id: str) -> LLMInteractionDetail:
        found = await self._repo.llm_interaction(session_id, interaction_id)
        if found is None:
            raise _interaction_not_found("LLM", session_id, interaction_id)
        i = found.interaction
        inline = (i.llm_request or {}).get(INLINE_CONVERSATION_KEY)
        if isinstance(inline, list):
            conversation = _inline_conversation(inline, i.interaction_id)
        elif i.interaction_type == LLMInteractionType.SUMMARIZATION.value:
            conversation = []  # the agent's messages are not what the summarizer was sent
        else:
            conversation = [_message(m) for m in found.messages]
        return LLMInteractionDetail(
            id=i.interaction_id,
            session_id=i.session_id,
            stage_id=i.stage_id,
            execution_id=i.execution_id,
            interaction_type=LLMInteractionType(i.interaction_type),
            model_name=i.model_name,
            last_message_id=i.last_message_id,
            llm_request=i.llm_request,
            llm_response=i.llm_response,
            thinking_content=i.thinking_content,
            response_metadata=i.response_metadata,
            input_tokens=i.input_tokens,
            output_tokens=i.output_tokens,
            total_tokens=i.total_tokens,
            thinking_tokens=i.thinking_tokens,
            estimated_cost_usd=i.estimated_cost_usd,
            duration_ms=i.duration_ms,
            error_message=i.error_message,
            created_at=i.created_at,
            conversation=conversation,
        )

    async def mcp_interaction(self, session_id: str, interaction_id: str) -> MCPInteractionDetail:
        i = await self._repo.mcp_interaction(session_id, interaction_id)
        if i is None:
            raise _interaction_not_found("MCP", session_id, interaction_id)
        return MCPInteractionDetail(
            id=i.interaction_id,
            session_id=i.session_id,
            stage_id=i.stage_id,
            execution_id=i.execution_id,
            interaction_type=MCPInteractionType(i.interaction_type),
            server_name=i.server_name,
            tool_name=i.tool_name,
            arguments=i.tool_arguments,
            result=i.tool_result,
            available_tools=i.available_tools,
            duration_ms=i.duration_ms,
            error_message=i.error_message,
            created_at=i.created_at,
        )


def build_trace(rows: SessionTraceRows) -> SessionTrace:
    """Nest executions under their stages and sub-agents under their orchestrators, and hang
    each interaction on its execution; LLM interactions without one are session-level."""
    llm_by: dict[str | None, list[LLMInteractionItem]] = {}
    for row in rows.llm:
        llm_by.setdefault(row.execution_id, []).append(_item(LLMInteractionItem, row))
    mcp_by: dict[str, list[MCPInteractionItem]] = {}
    for m in rows.mcp:
        mcp_by.setdefault(m.execution_id, []).append(_item(MCPInteractionItem, m))
    children: dict[str | None, list[AgentExecution]] = {}
    for e in rows.executions:
        children.setdefault(e.parent_execution_id, []).append(e)

    def view(e: AgentExecution) -> TraceExecution:
        return TraceExecution(
            execution_id=e.execution_id,
            agent_name=e.agent_name,
            llm_interactions=llm_by.get(e.execution_id, []),
            mcp_interactions=mcp_by.get(e.execution_id, []),
            sub_agents=[view(child) for child in children.get(e.execution_id, [])],
        )

    top_level = children.get(None, [])
    return SessionTrace(
        stages=[
            TraceStage(
                stage_id=stage.stage_id,
                stage_name=stage.stage_name,
                stage_type=StageType(stage.stage_type),
                referenced_stage_id=stage.referenced_stage_id,
                executions=[view(e) for e in top_level if e.stage_id == stage.stage_id],
            )
            for stage in rows.stages
        ],
        session_interactions=llm_by.get(None, []),
    )


View = TypeVar("View", LLMInteractionItem, MCPInteractionItem)


def _item(view: type[View], row: LLMListRow | MCPListRow) -> View:
    """A list row as its view: the view's fields taken from the row, ``interaction_id`` as
    ``id``."""
    fields = {name: getattr(row, name) for name in view.model_fields if name != "id"}
    return view.model_validate({"id": row.interaction_id, **fields})


def _message(m: MessageRow) -> ConversationMessage:
    return ConversationMessage(
        role=MessageRole(m.role),
        content=m.content,
        tool_calls=[
            ToolCallView(id=str(c["id"]), name=str(c["name"]), arguments=str(c["arguments"]))
            for c in m.tool_calls or []
        ],
        tool_call_id=m.tool_call_id,
        tool_name=m.tool_name,
    )


def _inline_conversation(items: list[Any], interaction_id: str) -> list[ConversationMessage]:
    """Messages stored inline in ``llm_request``; an entry that is not a message is skipped."""
    conversation = []
    for item in items:
        try:
            conversation.append(ConversationMessage.model_validate(item))
        except ValidationError as exc:
            log.warning(
                "LLM interaction %s: inline conversation entry skipped: %s", interaction_id, exc
            )
    return conversation


def _interaction_not_found(kind: str, session_id: str, interaction_id: str) -> NotFound:
    return NotFound(f"{kind} interaction {interaction_id} not found in session {session_id}")
