"""SQLAlchemy 2 typed tables of SPEC §1.1–1.9 (sessions, stages, executions, timeline, messages,
interactions, chats, the events outbox).

Enum columns are stored as plain strings holding the snake_case values of ``tarsy.domain.statuses``
so that SQLite and PostgreSQL share one schema and new values need no type migration.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from sqlalchemy import (
    JSON,
    BigInteger,
    Boolean,
    DateTime,
    ForeignKey,
    Index,
    Integer,
    MetaData,
    String,
    Text,
    UniqueConstraint,
    text,
)
from sqlalchemy.engine import Dialect
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column
from sqlalchemy.types import TypeDecorator

NAMING = {
    "ix": "ix_%(table_name)s_%(column_0_N_name)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}

Json = dict[str, Any]


class UTCDateTime(TypeDecorator[datetime]):
    """Timezone-aware UTC datetimes on every backend (SQLite returns naive values otherwise)."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is not None and value.tzinfo is None:
            value = value.replace(tzinfo=UTC)
        return value

    def process_result_value(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is not None and value.tzinfo is None:
            value = value.replace(tzinfo=UTC)
        return value


UTC_DT = UTCDateTime()
ID = String(36)
BigId = BigInteger().with_variant(Integer(), "sqlite")


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING)
    type_annotation_map = {datetime: UTC_DT, Json: JSON, list[Any]: JSON}


LIVE_SOURCE_KEY = (
    "source_key IS NOT NULL AND deleted_at IS NULL "
    "AND status IN ('pending', 'in_progress', 'cancelling')"
)
"""Predicate of the unique index that allows one live (not terminal) session per source key."""


def _session_fk() -> ForeignKey:
    return ForeignKey("alert_sessions.session_id", ondelete="CASCADE")


class AlertSession(Base):
    __tablename__ = "alert_sessions"

    session_id: Mapped[str] = mapped_column(ID, primary_key=True)
    alert_data: Mapped[str] = mapped_column(Text)
    agent_type: Mapped[str] = mapped_column(String(255))
    alert_type: Mapped[str] = mapped_column(String(255))
    chain_id: Mapped[str] = mapped_column(String(255))
    status: Mapped[str] = mapped_column(String(32), default="pending")
    created_at: Mapped[datetime]
    started_at: Mapped[datetime | None]
    completed_at: Mapped[datetime | None]
    error_message: Mapped[str | None] = mapped_column(Text)
    final_analysis: Mapped[str | None] = mapped_column(Text)
    executive_summary: Mapped[str | None] = mapped_column(Text)
    executive_summary_error: Mapped[str | None] = mapped_column(Text)
    session_metadata: Mapped[Json | None]
    mcp_selection: Mapped[Json | None]
    author: Mapped[str] = mapped_column(String(255), default="api-client")
    runbook_url: Mapped[str | None] = mapped_column(Text)
    slack_message_fingerprint: Mapped[str | None] = mapped_column(Text)
    current_stage_index: Mapped[int | None]
    current_stage_id: Mapped[str | None] = mapped_column(ID)
    pod_id: Mapped[str | None] = mapped_column(String(255))
    last_interaction_at: Mapped[datetime | None]
    deleted_at: Mapped[datetime | None]
    review_status: Mapped[str | None] = mapped_column(String(32))
    assignee: Mapped[str | None] = mapped_column(String(255))
    assigned_at: Mapped[datetime | None]
    reviewed_at: Mapped[datetime | None]
    quality_rating: Mapped[str | None] = mapped_column(String(32))
    action_taken: Mapped[str | None] = mapped_column(Text)
    investigation_feedback: Mapped[str | None] = mapped_column(Text)
    # Ours: how many times the orphan scan re-queued this session, and the session-wide
    # timeline sequence counter (see ADR 0002).
    orphan_count: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    timeline_seq: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    # Ours: the key of the notification a session came from (an Alertmanager alert group or
    # alert) and when its source reported it resolved. At most one live session per key.
    source_key: Mapped[str | None] = mapped_column(String(128))
    resolved_at: Mapped[datetime | None]

    __table_args__ = (
        Index("ix_alert_sessions_source_key_created_at", "source_key", "created_at"),
        Index(
            "uq_alert_sessions_source_key_live",
            "source_key",
            unique=True,
            sqlite_where=text(LIVE_SOURCE_KEY),
            postgresql_where=text(LIVE_SOURCE_KEY),
        ),
        Index("ix_alert_sessions_status_created_at", "status", "created_at"),
        Index("ix_alert_sessions_status_started_at", "status", "started_at"),
        Index("ix_alert_sessions_status_last_interaction_at", "status", "last_interaction_at"),
        Index("ix_alert_sessions_review_status_assignee", "review_status", "assignee"),
        Index("ix_alert_sessions_created_at", "created_at"),
    )


class Stage(Base):
    __tablename__ = "stages"

    stage_id: Mapped[str] = mapped_column(ID, primary_key=True)
    session_id: Mapped[str] = mapped_column(ID, _session_fk(), index=True)
    stage_name: Mapped[str] = mapped_column(String(255))
    stage_index: Mapped[int]
    expected_agent_count: Mapped[int] = mapped_column(Integer, default=1)
    parallel_type: Mapped[str | None] = mapped_column(String(32))
    success_policy: Mapped[str | None] = mapped_column(String(16))
    stage_type: Mapped[str] = mapped_column(String(32), default="investigation")
    status: Mapped[str] = mapped_column(String(32), default="pending")
    started_at: Mapped[datetime | None]
    completed_at: Mapped[datetime | None]
    duration_ms: Mapped[int | None]
    error_message: Mapped[str | None] = mapped_column(Text)
    chat_id: Mapped[str | None] = mapped_column(ID, ForeignKey("chats.chat_id", ondelete="CASCADE"))
    chat_user_message_id: Mapped[str | None] = mapped_column(
        ID, ForeignKey("chat_user_messages.message_id", ondelete="CASCADE")
    )
    referenced_stage_id: Mapped[str | None] = mapped_column(
        ID, ForeignKey("stages.stage_id", ondelete="SET NULL")
    )
    actions_executed: Mapped[bool | None] = mapped_column(Boolean)

    __table_args__ = (UniqueConstraint("session_id", "stage_index"),)


class AgentExecution(Base):
    __tablename__ = "agent_executions"

    execution_id: Mapped[str] = mapped_column(ID, primary_key=True)
    stage_id: Mapped[str] = mapped_column(
        ID, ForeignKey("stages.stage_id", ondelete="CASCADE"), index=True
    )
    session_id: Mapped[str] = mapped_column(ID, _session_fk(), index=True)
    agent_name: Mapped[str] = mapped_column(String(255))
    agent_index: Mapped[int]
    status: Mapped[str] = mapped_column(String(32), default="pending")
    started_at: Mapped[datetime | None]
    completed_at: Mapped[datetime | None]
    duration_ms: Mapped[int | None]
    error_message: Mapped[str | None] = mapped_column(Text)
    llm_backend: Mapped[str | None] = mapped_column(String(64))
    llm_provider: Mapped[str | None] = mapped_column(String(255))
    model_name: Mapped[str | None] = mapped_column(String(255))
    original_llm_provider: Mapped[str | None] = mapped_column(String(255))
    original_llm_backend: Mapped[str | None] = mapped_column(String(64))
    original_model_name: Mapped[str | None] = mapped_column(String(255))
    parent_execution_id: Mapped[str | None] = mapped_column(
        ID, ForeignKey("agent_executions.execution_id", ondelete="CASCADE")
    )
    task: Mapped[str | None] = mapped_column(Text)

    __table_args__ = (
        Index(
            "uq_agent_executions_stage_agent_index",
            "stage_id",
            "agent_index",
            unique=True,
            sqlite_where=text("parent_execution_id IS NULL"),
            postgresql_where=text("parent_execution_id IS NULL"),
        ),
        Index(
            "uq_agent_executions_parent_agent_index",
            "parent_execution_id",
            "agent_index",
            unique=True,
            sqlite_where=text("parent_execution_id IS NOT NULL"),
            postgresql_where=text("parent_execution_id IS NOT NULL"),
        ),
    )


class TimelineEvent(Base):
    __tablename__ = "timeline_events"

    event_id: Mapped[str] = mapped_column(ID, primary_key=True)
    session_id: Mapped[str] = mapped_column(ID, _session_fk())
    stage_id: Mapped[str | None] = mapped_column(
        ID, ForeignKey("stages.stage_id", ondelete="CASCADE"), index=True
    )
    execution_id: Mapped[str | None] = mapped_column(
        ID, ForeignKey("agent_executions.execution_id", ondelete="CASCADE"), index=True
    )
    parent_execution_id: Mapped[str | None] = mapped_column(ID)
    # Session-wide, strictly increasing (the reference counts per execution).
    sequence_number: Mapped[int]
    created_at: Mapped[datetime]
    updated_at: Mapped[datetime]
    llm_interaction_id: Mapped[str | None] = mapped_column(ID)
    mcp_interaction_id: Mapped[str | None] = mapped_column(ID)
    content: Mapped[str] = mapped_column(Text, default="")
    event_metadata: Mapped[Json | None] = mapped_column("metadata", JSON)
    status: Mapped[str] = mapped_column(String(32), default="streaming")
    event_type: Mapped[str] = mapped_column(String(64))

    __table_args__ = (UniqueConstraint("session_id", "sequence_number"),)


class MessageRow(Base):
    __tablename__ = "messages"

    message_id: Mapped[str] = mapped_column(ID, primary_key=True)
    session_id: Mapped[str] = mapped_column(ID, _session_fk(), index=True)
    stage_id: Mapped[str] = mapped_column(ID, ForeignKey("stages.stage_id", ondelete="CASCADE"))
    execution_id: Mapped[str] = mapped_column(
        ID, ForeignKey("agent_executions.execution_id", ondelete="CASCADE")
    )
    sequence_number: Mapped[int]
    role: Mapped[str] = mapped_column(String(16))
    content: Mapped[str] = mapped_column(Text, default="")
    tool_calls: Mapped[list[Any] | None]
    tool_call_id: Mapped[str | None] = mapped_column(String(255))
    tool_name: Mapped[str | None] = mapped_column(String(255))
    created_at: Mapped[datetime]

    __table_args__ = (UniqueConstraint("execution_id", "sequence_number"),)


class LLMInteraction(Base):
    __tablename__ = "llm_interactions"

    interaction_id: Mapped[str] = mapped_column(ID, primary_key=True)
    session_id: Mapped[str] = mapped_column(ID, _session_fk(), index=True)
    stage_id: Mapped[str | None] = mapped_column(
        ID, ForeignKey("stages.stage_id", ondelete="CASCADE")
    )
    execution_id: Mapped[str | None] = mapped_column(
        ID, ForeignKey("agent_executions.execution_id", ondelete="CASCADE"), index=True
    )
    interaction_type: Mapped[str] = mapped_column(String(32))
    model_name: Mapped[str] = mapped_column(String(255))
    last_message_id: Mapped[str | None] = mapped_column(
        ID, ForeignKey("messages.message_id", ondelete="SET NULL")
    )
    llm_request: Mapped[Json | None]
    llm_response: Mapped[Json | None]
    thinking_content: Mapped[str | None] = mapped_column(Text)
    response_metadata: Mapped[Json | None]
    input_tokens: Mapped[int | None]
    output_tokens: Mapped[int | None]
    total_tokens: Mapped[int | None]
    thinking_tokens: Mapped[int | None]
    estimated_cost_usd: Mapped[float | None]
    duration_ms: Mapped[int | None]
    error_message: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime]


class MCPInteraction(Base):
    __tablename__ = "mcp_interactions"

    interaction_id: Mapped[str] = mapped_column(ID, primary_key=True)
    session_id: Mapped[str] = mapped_column(ID, _session_fk(), index=True)
    stage_id: Mapped[str] = mapped_column(ID, ForeignKey("stages.stage_id", ondelete="CASCADE"))
    execution_id: Mapped[str] = mapped_column(
        ID, ForeignKey("agent_executions.execution_id", ondelete="CASCADE"), index=True
    )
    interaction_type: Mapped[str] = mapped_column(String(16))
    server_name: Mapped[str] = mapped_column(String(255), default="")
    tool_name: Mapped[str | None] = mapped_column(String(255))
    tool_arguments: Mapped[Json | None]
    tool_result: Mapped[Json | None]
    available_tools: Mapped[list[Any] | None]
    duration_ms: Mapped[int | None]
    error_message: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime]


class Chat(Base):
    __tablename__ = "chats"

    chat_id: Mapped[str] = mapped_column(ID, primary_key=True)
    session_id: Mapped[str] = mapped_column(ID, _session_fk(), unique=True)
    created_by: Mapped[str] = mapped_column(String(255))
    chain_id: Mapped[str] = mapped_column(String(255))
    pod_id: Mapped[str | None] = mapped_column(String(255))
    last_interaction_at: Mapped[datetime | None]
    created_at: Mapped[datetime]


class ChatUserMessage(Base):
    __tablename__ = "chat_user_messages"

    message_id: Mapped[str] = mapped_column(ID, primary_key=True)
    chat_id: Mapped[str] = mapped_column(
        ID, ForeignKey("chats.chat_id", ondelete="CASCADE"), index=True
    )
    content: Mapped[str] = mapped_column(Text)
    author: Mapped[str] = mapped_column(String(255))
    created_at: Mapped[datetime]


class Event(Base):
    """WebSocket outbox row: a persisted event that late subscribers can catch up on."""

    __tablename__ = "events"

    id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    session_id: Mapped[str] = mapped_column(ID, _session_fk())
    channel: Mapped[str] = mapped_column(String(255))
    payload: Mapped[Json]
    created_at: Mapped[datetime]

    __table_args__ = (Index("ix_events_channel_id", "channel", "id"),)
