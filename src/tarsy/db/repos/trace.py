"""The trace layer: conversation messages and LLM / MCP interactions."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import select

from tarsy.db.clock import utcnow
from tarsy.db.engine import Database
from tarsy.db.tables import LLMInteraction, MCPInteraction, MessageRow
from tarsy.db.writer import row_of, table_of
from tarsy.domain.ids import new_id
from tarsy.domain.messages import Message
from tarsy.domain.statuses import LLMInteractionType, MCPInteractionType


@dataclass(frozen=True, slots=True)
class ExecutionRef:
    """Where a trace row belongs."""

    session_id: str
    stage_id: str
    execution_id: str


@dataclass(frozen=True, slots=True)
class NewLLMInteraction:
    interaction_type: LLMInteractionType
    model_name: str
    last_message_id: str | None
    llm_request: dict[str, Any]
    llm_response: dict[str, Any]
    thinking_content: str | None = None
    input_tokens: int | None = None
    output_tokens: int | None = None
    thinking_tokens: int | None = None
    duration_ms: int | None = None
    error_message: str | None = None
    estimated_cost_usd: float | None = None


@dataclass(frozen=True, slots=True)
class NewMCPInteraction:
    interaction_type: MCPInteractionType
    server_name: str
    tool_name: str | None = None
    tool_arguments: dict[str, Any] | None = None
    tool_result: dict[str, Any] | None = None
    available_tools: list[dict[str, Any]] | None = field(default=None)
    duration_ms: int | None = None
    error_message: str | None = None


class TraceRepo:
    """Trace rows are posted to the group writer: the caller does not wait for the commit (the
    execution's end waits for all of them, see ``RunRepo.finish_execution``)."""

    def __init__(self, db: Database) -> None:
        self._db = db

    async def add_message(self, ref: ExecutionRef, sequence: int, message: Message) -> str:
        row = MessageRow(
            message_id=new_id(),
            session_id=ref.session_id,
            stage_id=ref.stage_id,
            execution_id=ref.execution_id,
            sequence_number=sequence,
            role=message.role.value,
            content=message.content,
            tool_calls=(
                [{"id": c.id, "name": c.name, "arguments": c.arguments} for c in message.tool_calls]
                or None
            ),
            tool_call_id=message.tool_call_id,
            tool_name=message.tool_name,
            created_at=utcnow(),
        )
        self._db.writer.post_insert(table_of(MessageRow), row_of(row))
        return row.message_id

    async def add_llm_interaction(self, ref: ExecutionRef, new: NewLLMInteraction) -> str:
        total = None
        if new.input_tokens is not None or new.output_tokens is not None:
            total = (new.input_tokens or 0) + (new.output_tokens or 0)
        row = LLMInteraction(
            interaction_id=new_id(),
            session_id=ref.session_id,
            stage_id=ref.stage_id,
            execution_id=ref.execution_id,
            interaction_type=new.interaction_type.value,
            model_name=new.model_name,
            last_message_id=new.last_message_id,
            llm_request=new.llm_request,
            llm_response=new.llm_response,
            thinking_content=new.thinking_content,
            input_tokens=new.input_tokens,
            output_tokens=new.output_tokens,
            total_tokens=total,
            thinking_tokens=new.thinking_tokens,
            duration_ms=new.duration_ms,
            error_message=new.error_message,
            estimated_cost_usd=new.estimated_cost_usd,
            created_at=utcnow(),
        )
        self._db.writer.post_insert(table_of(type(row)), row_of(row))
        return row.interaction_id

    async def add_mcp_interaction(self, ref: ExecutionRef, new: NewMCPInteraction) -> str:
        row = MCPInteraction(
            interaction_id=new_id(),
            session_id=ref.session_id,
            stage_id=ref.stage_id,
            execution_id=ref.execution_id,
            interaction_type=new.interaction_type.value,
            server_name=new.server_name,
            tool_name=new.tool_name,
            tool_arguments=new.tool_arguments,
            tool_result=new.tool_result,
            available_tools=new.available_tools,
            duration_ms=new.duration_ms,
            error_message=new.error_message,
            created_at=utcnow(),
        )
        self._db.writer.post_insert(table_of(type(row)), row_of(row))
        return row.interaction_id

    async def messages_of(self, execution_id: str) -> list[MessageRow]:
        async with self._db.sessions() as s:
            rows = await s.scalars(
                select(MessageRow)
                .where(MessageRow.execution_id == execution_id)
                .order_by(MessageRow.sequence_number)
            )
            return list(rows.all())
