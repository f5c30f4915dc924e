"""The event payloads of SPEC §6.2, one ``TypedDict`` per event type.

Every payload has ``type``, ``session_id`` and ``timestamp``; persisted ones get
``db_event_id`` when delivered. ``PAYLOADS`` maps each type to its dict type, ``PERSISTED``
names the types that are stored in the outbox (on the channel where they are persisted).
"""

from __future__ import annotations

from typing import Any, Literal, NotRequired

from typing_extensions import TypedDict  # pydantic validates these on 3.11

from tarsy.domain.statuses import ExecutionPhase


class _Base(TypedDict):
    type: str
    session_id: str
    timestamp: NotRequired[str]  # set by the bus
    db_event_id: NotRequired[int]


class TimelineEventCreated(_Base):
    event_id: str
    stage_id: str | None
    execution_id: str | None
    parent_execution_id: NotRequired[str]
    event_type: str
    status: str
    content: str
    metadata: dict[str, Any] | None
    sequence_number: int | None


class TimelineEventCompleted(_Base):
    event_id: str
    parent_execution_id: NotRequired[str]
    event_type: str
    status: str
    content: str
    metadata: dict[str, Any] | None


class StreamChunk(_Base):
    event_id: str
    parent_execution_id: NotRequired[str]
    delta: str


class SessionStatus(_Base):
    status: str


class StageStatus(_Base):
    stage_id: str
    stage_name: str
    stage_index: int
    stage_type: str
    referenced_stage_id: str | None
    status: Literal["started", "completed", "failed", "timed_out", "cancelled"]


class ExecutionStatus(_Base):
    stage_id: str
    execution_id: str
    parent_execution_id: NotRequired[str]
    agent_index: int
    status: str
    error_message: NotRequired[str]


class ExecutionProgress(_Base):
    stage_id: str
    execution_id: str
    parent_execution_id: NotRequired[str]
    phase: ExecutionPhase
    message: str


class SessionProgress(_Base):
    current_stage_name: str
    current_stage_index: int
    total_stages: int
    active_executions: int
    status_text: str


class ChatCreated(_Base):
    chat_id: str
    created_by: str


class InteractionCreated(_Base):
    stage_id: str | None
    execution_id: str | None
    interaction_id: str
    interaction_type: Literal["llm", "mcp"]


class ReviewStatus(_Base):
    """Published by the review workflow (SPEC §11.5) once it exists."""

    review_status: NotRequired[str]
    assignee: NotRequired[str | None]
    quality_rating: NotRequired[str | None]
    action_taken: NotRequired[str | None]
    investigation_feedback: NotRequired[str | None]
    actor: str


class SessionScoreUpdated(_Base):
    """Published by session scoring (SPEC §11.1) once it exists."""

    scoring_status: Literal["in_progress", "memorizing", "completed", "failed"]


PAYLOADS: dict[str, type[Any]] = {
    "timeline_event.created": TimelineEventCreated,
    "timeline_event.completed": TimelineEventCompleted,
    "stream.chunk": StreamChunk,
    "session.status": SessionStatus,
    "stage.status": StageStatus,
    "execution.status": ExecutionStatus,
    "execution.progress": ExecutionProgress,
    "session.progress": SessionProgress,
    "chat.created": ChatCreated,
    "interaction.created": InteractionCreated,
    "review.status": ReviewStatus,
    "session.score_updated": SessionScoreUpdated,
}

PERSISTED = frozenset(
    {
        "timeline_event.created",
        "timeline_event.completed",
        "session.status",
        "stage.status",
        "chat.created",
        "interaction.created",
        "review.status",
    }
)
"""Stored in the outbox when published on a ``session:<id>`` channel (the copies of
``session.status`` on ``sessions`` are transient)."""
