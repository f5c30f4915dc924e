"""Response models of the session read endpoints, with the JSON field names of SPEC §7.

Datetimes are timezone-aware UTC and serialise as RFC3339. Cost fields are null when cost
estimation is disabled (``cost_estimation_enabled`` says which).
"""

from __future__ import annotations

from datetime import datetime
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, JsonValue

from tarsy.domain.statuses import (
    ExecutionStatus,
    ParallelType,
    QualityRating,
    ReviewStatus,
    SessionStatus,
    StageStatus,
    StageType,
    TimelineEventType,
    TimelineStatus,
)

CostCompleteness = Literal["complete", "partial", "none"]
ScoringStatus = Literal["scored", "not_scored", "scoring_in_progress", "scoring_failed"]


class View(BaseModel):
    """Base of the response models: built only by the service, so unknown fields are a bug."""

    model_config = ConfigDict(extra="forbid")


class SessionListItem(View):
    id: str
    alert_type: str | None
    chain_id: str
    status: SessionStatus
    author: str | None
    created_at: datetime
    started_at: datetime | None
    completed_at: datetime | None
    duration_ms: int | None
    error_message: str | None
    executive_summary: str | None
    llm_interaction_count: int
    mcp_interaction_count: int
    input_tokens: int
    output_tokens: int
    total_tokens: int
    estimated_cost_usd: float | None
    cost_completeness: CostCompleteness | None
    total_stages: int
    completed_stages: int
    has_parallel_stages: bool
    has_sub_agents: bool
    has_action_stages: bool
    actions_executed: bool | None
    chat_message_count: int
    provider_fallback_count: int
    current_stage_index: int | None
    current_stage_id: str | None
    matched_in_content: bool
    latest_score: int | None
    scoring_status: ScoringStatus | None
    review_status: ReviewStatus | None
    assignee: str | None
    quality_rating: QualityRating | None
    action_taken: str | None
    investigation_feedback: str | None
    feedback_edited: bool
    feedback_edited_by: str | None
    feedback_edited_at: datetime | None


class Pagination(View):
    page: int
    page_size: int
    total_pages: int
    total_items: int


class SessionListResponse(View):
    sessions: list[SessionListItem]
    pagination: Pagination
    cost_estimation_enabled: bool


class SessionHeaderView(View):
    """The fields every short session item shares."""

    id: str
    alert_type: str | None
    chain_id: str
    status: SessionStatus
    author: str | None
    created_at: datetime


class ActiveSessionItem(SessionHeaderView):
    """An ``in_progress`` or ``cancelling`` session."""

    started_at: datetime | None
    current_stage_index: int | None
    current_stage_id: str | None


class QueuedSessionItem(SessionHeaderView):
    """A ``pending`` session; ``queue_position`` is 1-based in claim order."""

    queue_position: int


class ActiveSessionsResponse(View):
    active: list[ActiveSessionItem]
    queued: list[QueuedSessionItem]


class FilterOptions(View):
    alert_types: list[str]
    chain_ids: list[str]
    statuses: list[SessionStatus]


class ExecutionView(View):
    """An agent execution. Tokens and cost of an orchestrator include its sub-agents'."""

    execution_id: str
    agent_name: str
    agent_index: int
    status: ExecutionStatus
    llm_backend: str | None
    llm_provider: str | None
    model_name: str | None
    started_at: datetime | None
    completed_at: datetime | None
    duration_ms: int | None
    error_message: str | None
    input_tokens: int
    output_tokens: int
    total_tokens: int
    estimated_cost_usd: float | None
    cost_completeness: CostCompleteness | None
    unpriced_interaction_count: int | None
    parent_execution_id: str | None
    task: str | None
    original_llm_provider: str | None
    original_llm_backend: str | None
    original_model_name: str | None
    fallback_reason: str | None
    fallback_error_code: str | None
    fallback_attempt: int | None
    sub_agents: list[ExecutionView] = Field(default_factory=list)


class StageView(View):
    id: str
    stage_name: str
    stage_index: int
    stage_type: StageType
    status: StageStatus
    parallel_type: ParallelType | None
    expected_agent_count: int
    referenced_stage_id: str | None
    started_at: datetime | None
    completed_at: datetime | None
    duration_ms: int | None
    error_message: str | None
    executions: list[ExecutionView]


class SessionDetail(View):
    id: str
    alert_data: str
    alert_type: str | None
    status: SessionStatus
    chain_id: str
    author: str | None
    error_message: str | None
    final_analysis: str | None
    executive_summary: str | None
    executive_summary_error: str | None
    runbook_url: str | None
    slack_message_fingerprint: str | None
    resolved_at: datetime | None  # ours: when Alertmanager reported the alert(s) resolved
    mcp_selection: dict[str, JsonValue] | None
    created_at: datetime
    started_at: datetime | None
    completed_at: datetime | None
    duration_ms: int | None
    chat_enabled: bool
    chat_id: str | None
    chat_message_count: int
    total_stages: int
    completed_stages: int
    failed_stages: int
    has_parallel_stages: bool
    has_sub_agents: bool
    has_action_stages: bool
    actions_executed: bool | None
    input_tokens: int
    output_tokens: int
    total_tokens: int
    cost_estimation_enabled: bool
    estimated_cost_usd: float | None
    cost_completeness: CostCompleteness | None
    unpriced_interaction_count: int | None
    llm_interaction_count: int
    mcp_interaction_count: int
    current_stage_index: int | None
    current_stage_id: str | None
    latest_score: int | None
    scoring_status: ScoringStatus | None
    score_id: str | None
    review_status: ReviewStatus | None
    assignee: str | None
    assigned_at: datetime | None
    reviewed_at: datetime | None
    quality_rating: QualityRating | None
    action_taken: str | None
    investigation_feedback: str | None
    feedback_edited: bool
    feedback_edited_by: str | None
    feedback_edited_at: datetime | None
    stages: list[StageView]


class ChainStatistics(View):
    total_stages: int
    completed_stages: int
    failed_stages: int
    current_stage_index: int | None


class SessionSummary(View):
    session_id: str
    total_interactions: int
    llm_interactions: int
    mcp_interactions: int
    input_tokens: int
    output_tokens: int
    total_tokens: int
    cost_estimation_enabled: bool
    estimated_cost_usd: float | None
    cost_completeness: CostCompleteness | None
    unpriced_interaction_count: int | None
    total_duration_ms: int | None
    chain_statistics: ChainStatistics
    total_score: int | None = None
    scoring_status: ScoringStatus | None = None


class SessionStatusView(View):
    id: str
    status: SessionStatus
    final_analysis: str | None
    executive_summary: str | None
    error_message: str | None


class TimelineEventView(View):
    event_id: str
    session_id: str
    stage_id: str | None
    execution_id: str | None
    parent_execution_id: str | None
    sequence_number: int
    event_type: TimelineEventType
    status: TimelineStatus
    content: str
    metadata: dict[str, JsonValue] | None
    llm_interaction_id: str | None
    mcp_interaction_id: str | None
    created_at: datetime
    updated_at: datetime
