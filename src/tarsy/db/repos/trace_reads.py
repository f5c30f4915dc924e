"""Read side of the trace layer: a session's stages, executions and interactions, one LLM
interaction with the messages of its conversation, one MCP interaction.

Every read first flushes the group writer, since trace rows are posted rather than awaited.
Soft-deleted sessions are invisible here, as in ``queries``.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import aliased

from tarsy.db.engine import Database
from tarsy.db.tables import (
    AgentExecution,
    AlertSession,
    LLMInteraction,
    MCPInteraction,
    MessageRow,
    Stage,
)


@dataclass(frozen=True, slots=True)
class LLMListRow:
    """The columns of an LLM interaction that the trace tree shows (no payloads)."""

    interaction_id: str
    execution_id: str | None
    interaction_type: str
    model_name: str
    input_tokens: int | None
    output_tokens: int | None
    total_tokens: int | None
    thinking_tokens: int | None
    estimated_cost_usd: float | None
    duration_ms: int | None
    error_message: str | None
    created_at: datetime


_LLM_LIST: tuple[Any, ...] = (
    LLMInteraction.interaction_id,
    LLMInteraction.execution_id,
    LLMInteraction.interaction_type,
    LLMInteraction.model_name,
    LLMInteraction.input_tokens,
    LLMInteraction.output_tokens,
    LLMInteraction.total_tokens,
    LLMInteraction.thinking_tokens,
    LLMInteraction.estimated_cost_usd,
    LLMInteraction.duration_ms,
    LLMInteraction.error_message,
    LLMInteraction.created_at,
)


@dataclass(frozen=True, slots=True)
class MCPListRow:
    """The columns of an MCP interaction that the trace tree shows (no payloads)."""

    interaction_id: str
    execution_id: str
    interaction_type: str
    server_name: str
    tool_name: str | None
    duration_ms: int | None
    error_message: str | None
    created_at: datetime


_MCP_LIST: tuple[Any, ...] = (
    MCPInteraction.interaction_id,
    MCPInteraction.execution_id,
    MCPInteraction.interaction_type,
    MCPInteraction.server_name,
    MCPInteraction.tool_name,
    MCPInteraction.duration_ms,
    MCPInteraction.error_message,
    MCPInteraction.created_at,
)


@dataclass(frozen=True, slots=True)
class SessionTraceRows:
    """Everything the trace tree is built from, each list in display order."""

    stages: list[Stage]
    executions: list[AgentExecution]
    llm: list[LLMListRow]
    mcp: list[MCPListRow]


@dataclass(frozen=True, slots=True)
class LLMInteractionRows:
    """One LLM interaction and its execution's messages up to its ``last_message_id``."""

    interaction: LLMInteraction
    messages: list[MessageRow]


class TraceReadRepo:
    def __init__(self, db: Database) -> None:
        self._db = db

    async def session_trace(self, session_id: str) -> SessionTraceRows | None:
        """The session's trace rows, or None for an unknown or deleted session.

        Stages by ``stage_index``; executions by ``agent_index`` (sub-agents count within their
        orchestrator); interactions by creation time, LLM ones then by the position of their
        last message."""
        await self._db.writer.flush()
        async with self._db.sessions() as s:
            if not await _visible(s, session_id):
                return None
            stages = await s.scalars(
                select(Stage).where(Stage.session_id == session_id).order_by(Stage.stage_index)
            )
            executions = await s.scalars(
                select(AgentExecution)
                .where(AgentExecution.session_id == session_id)
                .order_by(
                    AgentExecution.agent_index,
                    AgentExecution.started_at,
                    AgentExecution.execution_id,
                )
            )
            last = aliased(MessageRow)
            llm = await s.execute(
                select(*_LLM_LIST)
                .outerjoin(last, last.message_id == LLMInteraction.last_message_id)
                .where(LLMInteraction.session_id == session_id)
                .order_by(
                    LLMInteraction.created_at,
                    last.sequence_number,
                    LLMInteraction.interaction_id,
                )
            )
            mcp = await s.execute(
                select(*_MCP_LIST)
                .where(MCPInteraction.session_id == session_id)
                .order_by(MCPInteraction.created_at, MCPInteraction.interaction_id)
            )
            return SessionTraceRows(
                stages=list(stages.all()),
                executions=list(executions.all()),
                llm=[LLMListRow(*row) for row in llm.all()],
                mcp=[MCPListRow(*row) for row in mcp.all()],
            )

    async def llm_interaction(
        self, session_id: str, interaction_id: str
    ) -> LLMInteractionRows | None:
        """The interaction if it belongs to this (visible) session, with the messages of its
        execution by ``sequence_number`` up to and including its ``last_message_id``."""
        await self._db.writer.flush()
        async with self._db.sessions() as s:
            if not await _visible(s, session_id):
                return None
            interaction = await s.scalar(
                select(LLMInteraction).where(
                    LLMInteraction.session_id == session_id,
                    LLMInteraction.interaction_id == interaction_id,
                )
            )
            if interaction is None:
                return None
            messages = await _conversation(s, interaction)
            return LLMInteractionRows(interaction, list(messages))

    async def mcp_interaction(self, session_id: str, interaction_id: str) -> MCPInteraction | None:
        await self._db.writer.flush()
        async with self._db.sessions() as s:
            if not await _visible(s, session_id):
                return None
            found: MCPInteraction | None = await s.scalar(
                select(MCPInteraction).where(
                    MCPInteraction.session_id == session_id,
                    MCPInteraction.interaction_id == interaction_id,
                )
            )
            return found


async def _visible(s: AsyncSession, session_id: str) -> bool:
    found = await s.scalar(
        select(AlertSession.session_id).where(
            AlertSession.session_id == session_id, AlertSession.deleted_at.is_(None)
        )
    )
    return found is not None


async def _conversation(s: AsyncSession, interaction: LLMInteraction) -> Sequence[MessageRow]:
    if interaction.last_message_id is None or interaction.execution_id is None:
        return []
    last = await s.scalar(
        select(MessageRow.sequence_number).where(
            MessageRow.message_id == interaction.last_message_id,
            MessageRow.execution_id == interaction.execution_id,
        )
    )
    if last is None:
        return []
    rows = await s.scalars(
        select(MessageRow)
        .where(
            MessageRow.execution_id == interaction.execution_id,
            MessageRow.sequence_number <= last,
        )
        .order_by(MessageRow.sequence_number)
    )
    return rows.all()
