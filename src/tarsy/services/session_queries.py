"""Session read use cases of the API: validate list parameters, run the read queries and shape
the rows into the response views of SPEC §7."""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from enum import StrEnum
from typing import TypeVar, get_args

from tarsy.db.engine import Database
from tarsy.db.repos.queries import (
    FallbackInfo,
    ListedSession,
    PageRequest,
    ScoringStatusFilter,
    SessionFilter,
    SessionHeader,
    SessionQueryRepo,
    SessionStats,
    SessionTree,
    SortField,
    SortOrder,
    Usage,
)
from tarsy.db.tables import AgentExecution, AlertSession, Stage, TimelineEvent
from tarsy.domain.errors import NotFound, ValidationFailed
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
from tarsy.services.views import (
    ActiveSessionItem,
    ActiveSessionsResponse,
    ChainStatistics,
    CostCompleteness,
    ExecutionView,
    FilterOptions,
    Pagination,
    QueuedSessionItem,
    SessionDetail,
    SessionListItem,
    SessionListResponse,
    SessionStatusView,
    SessionSummary,
    StageView,
    TimelineEventView,
)

MAX_PAGE_SIZE = 100
MIN_SEARCH_LENGTH = 3
SORT_FIELDS: tuple[SortField, ...] = get_args(SortField)
SORT_ORDERS: tuple[SortOrder, ...] = get_args(SortOrder)
SCORING_STATUSES: tuple[ScoringStatusFilter, ...] = get_args(ScoringStatusFilter)

T = TypeVar("T", bound=str)
E = TypeVar("E", bound=StrEnum)


@dataclass(frozen=True, slots=True)
class SessionListParams:
    """Raw query parameters of ``GET /sessions``; ``SessionQueryService`` validates them.

    Empty strings mean "not given"."""

    page: int = 1
    page_size: int = 25
    sort_by: str = "created_at"
    sort_order: str = "desc"
    status: str | None = None
    alert_type: str | None = None
    chain_id: str | None = None
    scoring_status: str | None = None
    search: str | None = None
    start_date: str | None = None
    end_date: str | None = None
    review_status: str | None = None
    assignee: str | None = None
    quality_rating: str | None = None


def _always_enabled(_chain_id: str) -> bool:
    return True


class SessionQueryService:
    def __init__(
        self,
        db: Database,
        *,
        cost_estimation_enabled: bool = True,
        chat_enabled_for: Callable[[str], bool] = _always_enabled,
    ) -> None:
        self._repo = SessionQueryRepo(db)
        self._cost_enabled = cost_estimation_enabled
        self._chat_enabled_for = chat_enabled_for

    async def list_sessions(self, params: SessionListParams) -> SessionListResponse:
        flt, page = parse_list_params(params)
        result = await self._repo.list_page(flt, page)
        return SessionListResponse(
            sessions=[self._list_item(item) for item in result.items],
            pagination=Pagination(
                page=page.page,
                page_size=page.page_size,
                total_pages=math.ceil(result.total / page.page_size),
                total_items=result.total,
            ),
            cost_estimation_enabled=self._cost_enabled,
        )

    async def active(self) -> ActiveSessionsResponse:
        active = await self._repo.active()
        queued = await self._repo.queued()
        return ActiveSessionsResponse(
            active=[
                ActiveSessionItem(
                    **_header(h),
                    started_at=h.started_at,
                    current_stage_index=h.current_stage_index,
                    current_stage_id=h.current_stage_id,
                )
                for h in active
            ],
            queued=[
                QueuedSessionItem(**_header(h), queue_position=position)
                for position, h in enumerate(queued, start=1)
            ],
        )

    async def filter_options(self) -> FilterOptions:
        alert_types, chain_ids = await self._repo.distinct_values()
        return FilterOptions(
            alert_types=alert_types, chain_ids=chain_ids, statuses=list(SessionStatus)
        )

    async def detail(self, session_id: str) -> SessionDetail:
        tree = await self._repo.tree(session_id)
        if tree is None:
            raise _not_found(session_id)
        s, st = tree.session, tree.stats
        _, _, unpriced = self._cost(st.usage)
        return SessionDetail(
            **self._shared(s, st),
            alert_data=s.alert_data,
            final_analysis=s.final_analysis,
            executive_summary_error=s.executive_summary_error,
            runbook_url=s.runbook_url,
            slack_message_fingerprint=s.slack_message_fingerprint,
            resolved_at=s.resolved_at,
            mcp_selection=s.mcp_selection,
            chat_enabled=self._chat_enabled_for(s.chain_id),
            chat_id=st.chat_id,
            failed_stages=st.failed_stages,
            cost_estimation_enabled=self._cost_enabled,
            unpriced_interaction_count=unpriced,
            score_id=None,
            assigned_at=s.assigned_at,
            reviewed_at=s.reviewed_at,
            stages=self._stages(tree),
        )

    async def summary(self, session_id: str) -> SessionSummary:
        found = await self._repo.overview(session_id)
        if found is None:
            raise _not_found(session_id)
        h, st = found.header, found.stats
        cost, completeness, unpriced = self._cost(st.usage)
        return SessionSummary(
            session_id=h.session_id,
            total_interactions=st.usage.llm_interactions + st.mcp_interactions,
            llm_interactions=st.usage.llm_interactions,
            mcp_interactions=st.mcp_interactions,
            input_tokens=st.usage.input_tokens,
            output_tokens=st.usage.output_tokens,
            total_tokens=st.usage.total_tokens,
            cost_estimation_enabled=self._cost_enabled,
            estimated_cost_usd=cost,
            cost_completeness=completeness,
            unpriced_interaction_count=unpriced,
            total_duration_ms=_duration_ms(h.started_at, h.completed_at),
            chain_statistics=ChainStatistics(
                total_stages=st.total_stages,
                completed_stages=st.completed_stages,
                failed_stages=st.failed_stages,
                current_stage_index=h.current_stage_index,
            ),
        )

    async def status(self, session_id: str) -> SessionStatusView:
        h = await self._repo.header(session_id)
        if h is None:
            raise _not_found(session_id)
        return SessionStatusView(
            id=h.session_id,
            status=SessionStatus(h.status),
            final_analysis=h.final_analysis,
            executive_summary=h.executive_summary,
            error_message=h.error_message,
        )

    async def timeline(self, session_id: str) -> list[TimelineEventView]:
        events = await self._repo.timeline(session_id)
        if events is None:
            raise _not_found(session_id)
        return [_timeline_view(e) for e in events]

    def _list_item(self, item: ListedSession) -> SessionListItem:
        return SessionListItem(
            **self._shared(item.header, item.stats),
            provider_fallback_count=item.stats.provider_fallback_count,
            matched_in_content=item.matched_in_content,
        )

    def _shared(self, s: SessionHeader | AlertSession, st: SessionStats) -> dict[str, object]:
        """The fields that list items and the detail have in common."""
        cost, completeness, _ = self._cost(st.usage)
        return {
            "id": s.session_id,
            "alert_type": s.alert_type,
            "chain_id": s.chain_id,
            "status": SessionStatus(s.status),
            "author": s.author,
            "created_at": s.created_at,
            "started_at": s.started_at,
            "completed_at": s.completed_at,
            "duration_ms": _duration_ms(s.started_at, s.completed_at),
            "error_message": s.error_message,
            "executive_summary": s.executive_summary,
            "llm_interaction_count": st.usage.llm_interactions,
            "mcp_interaction_count": st.mcp_interactions,
            "input_tokens": st.usage.input_tokens,
            "output_tokens": st.usage.output_tokens,
            "total_tokens": st.usage.total_tokens,
            "estimated_cost_usd": cost,
            "cost_completeness": completeness,
            "total_stages": st.total_stages,
            "completed_stages": st.completed_stages,
            "has_parallel_stages": st.has_parallel_stages,
            "has_sub_agents": st.has_sub_agents,
            "has_action_stages": st.has_action_stages,
            "actions_executed": st.actions_executed,
            "chat_message_count": st.chat_message_count,
            "current_stage_index": s.current_stage_index,
            "current_stage_id": s.current_stage_id,
            # No session_scores table yet, nor a review activity log for feedback edits.
            "latest_score": None,
            "scoring_status": None,
            "review_status": _opt(ReviewStatus, s.review_status),
            "assignee": s.assignee,
            "quality_rating": _opt(QualityRating, s.quality_rating),
            "action_taken": s.action_taken,
            "investigation_feedback": s.investigation_feedback,
            "feedback_edited": False,
            "feedback_edited_by": None,
            "feedback_edited_at": None,
        }

    def _cost(self, usage: Usage) -> tuple[float | None, CostCompleteness | None, int | None]:
        """Estimated cost, its completeness and the unpriced interaction count.

        All null when estimation is off; cost and completeness are null when no interaction
        used tokens."""
        if not self._cost_enabled:
            return None, None, None
        unpriced = usage.token_bearing - usage.priced
        if usage.token_bearing == 0:
            return None, None, 0
        if usage.priced == 0:
            return None, "none", unpriced
        return usage.cost_usd, "complete" if unpriced == 0 else "partial", unpriced

    def _stages(self, tree: SessionTree) -> list[StageView]:
        children: dict[str | None, list[AgentExecution]] = {}
        for execution in tree.executions:
            children.setdefault(execution.parent_execution_id, []).append(execution)

        def view(e: AgentExecution) -> tuple[ExecutionView, Usage]:
            """The execution's view and usage; an orchestrator's includes its sub-agents'."""
            usage = tree.usage_by_execution.get(e.execution_id, Usage())
            subs = []
            for child in children.get(e.execution_id, []):
                sub_view, sub_usage = view(child)
                subs.append(sub_view)
                usage = usage.plus(sub_usage)
            fallback = tree.fallbacks.get(e.execution_id)
            return self._execution(e, usage, subs, fallback), usage

        top_level = children.get(None, [])
        return [
            _stage_view(stage, [view(e)[0] for e in top_level if e.stage_id == stage.stage_id])
            for stage in tree.stages
        ]

    def _execution(
        self,
        e: AgentExecution,
        usage: Usage,
        subs: list[ExecutionView],
        fallback: FallbackInfo | None,
    ) -> ExecutionView:
        cost, completeness, unpriced = self._cost(usage)
        return ExecutionView(
            execution_id=e.execution_id,
            agent_name=e.agent_name,
            agent_index=e.agent_index,
            status=ExecutionStatus(e.status),
            llm_backend=e.llm_backend,
            llm_provider=e.llm_provider,
            model_name=e.model_name,
            started_at=e.started_at,
            completed_at=e.completed_at,
            duration_ms=e.duration_ms,
            error_message=e.error_message,
            input_tokens=usage.input_tokens,
            output_tokens=usage.output_tokens,
            total_tokens=usage.total_tokens,
            estimated_cost_usd=cost,
            cost_completeness=completeness,
            unpriced_interaction_count=unpriced,
            parent_execution_id=e.parent_execution_id,
            task=e.task,
            original_llm_provider=e.original_llm_provider,
            original_llm_backend=e.original_llm_backend,
            original_model_name=e.original_model_name,
            fallback_reason=fallback.reason if fallback else None,
            fallback_error_code=fallback.error_code if fallback else None,
            fallback_attempt=fallback.attempt if fallback else None,
            sub_agents=subs,
        )


MAX_PAGE = 1_000_000
"""Far past any real list; bounds the SQL offset (a larger one overflows the driver)."""


def parse_list_params(params: SessionListParams) -> tuple[SessionFilter, PageRequest]:
    """Validate the raw list parameters; errors name the parameter and the bad value."""
    if not 1 <= params.page <= MAX_PAGE:
        raise ValidationFailed(f"invalid page {params.page}: must be between 1 and {MAX_PAGE}")
    if not 1 <= params.page_size <= MAX_PAGE_SIZE:
        raise ValidationFailed(
            f"invalid page_size {params.page_size}: must be between 1 and {MAX_PAGE_SIZE}"
        )
    sort_by = _choice("sort_by", params.sort_by or "created_at", SORT_FIELDS)
    sort_order = _choice("sort_order", params.sort_order or "desc", SORT_ORDERS)
    scoring = _text(params.scoring_status)
    search = _text(params.search)
    if search is not None and len(search) < MIN_SEARCH_LENGTH:
        raise ValidationFailed(
            f"invalid search {search!r}: must be at least {MIN_SEARCH_LENGTH} characters"
        )
    start = _date("start_date", params.start_date)
    end = _date("end_date", params.end_date)
    if start is not None and end is not None and start >= end:
        raise ValidationFailed(
            f"invalid date range: start_date {params.start_date!r} must be before "
            f"end_date {params.end_date!r}"
        )
    quality = _text(params.quality_rating)
    flt = SessionFilter(
        statuses=_enum_list("status", params.status, SessionStatus),
        alert_type=_text(params.alert_type),
        chain_id=_text(params.chain_id),
        scoring_status=None
        if scoring is None
        else _choice("scoring_status", scoring, SCORING_STATUSES),
        search=search,
        created_from=start,
        created_before=end,
        review_statuses=_enum_list("review_status", params.review_status, ReviewStatus),
        assignee=_text(params.assignee),
        quality_rating=None
        if quality is None
        else _enum_list("quality_rating", quality, QualityRating)[0],
    )
    return flt, PageRequest(params.page, params.page_size, sort_by, sort_order)


def _text(value: str | None) -> str | None:
    if value is None:
        return None
    value = value.strip()
    return value or None


def _choice(name: str, value: str, allowed: tuple[T, ...]) -> T:
    for option in allowed:
        if value == option:
            return option
    raise ValidationFailed(f"invalid {name} {value!r}: expected one of {', '.join(allowed)}")


def _enum_list(name: str, value: str | None, enum: type[StrEnum]) -> tuple[str, ...]:
    """A comma-separated list of enum values; blanks between commas are ignored."""
    items = [v.strip() for v in (value or "").split(",") if v.strip()]
    allowed = [m.value for m in enum]
    for item in items:
        if item not in allowed:
            raise ValidationFailed(f"invalid {name} {item!r}: expected one of {', '.join(allowed)}")
    return tuple(items)


def _date(name: str, value: str | None) -> datetime | None:
    """An RFC3339 timestamp with a time zone, converted to UTC."""
    text = _text(value)
    if text is None:
        return None
    try:
        parsed = datetime.fromisoformat(text)
    except ValueError:
        parsed = None
    if parsed is None or parsed.tzinfo is None or "T" not in text.upper():
        raise ValidationFailed(
            f"invalid {name} {value!r}: expected an RFC3339 timestamp such as 2026-01-31T00:00:00Z"
        )
    return parsed.astimezone(UTC)


def _not_found(session_id: str) -> NotFound:
    return NotFound(f"session {session_id} not found")


def _duration_ms(started: datetime | None, completed: datetime | None) -> int | None:
    if started is None or completed is None:
        return None
    return int((completed - started).total_seconds() * 1000)


def _opt(enum: type[E], value: str | None) -> E | None:
    return None if value is None else enum(value)


def _stage_view(stage: Stage, executions: list[ExecutionView]) -> StageView:
    return StageView(
        id=stage.stage_id,
        stage_name=stage.stage_name,
        stage_index=stage.stage_index,
        stage_type=StageType(stage.stage_type),
        status=StageStatus(stage.status),
        parallel_type=_opt(ParallelType, stage.parallel_type),
        expected_agent_count=stage.expected_agent_count,
        referenced_stage_id=stage.referenced_stage_id,
        started_at=stage.started_at,
        completed_at=stage.completed_at,
        duration_ms=stage.duration_ms,
        error_message=stage.error_message,
        executions=executions,
    )


def _timeline_view(e: TimelineEvent) -> TimelineEventView:
    return TimelineEventView(
        event_id=e.event_id,
        session_id=e.session_id,
        stage_id=e.stage_id,
        execution_id=e.execution_id,
        parent_execution_id=e.parent_execution_id,
        sequence_number=e.sequence_number,
        event_type=TimelineEventType(e.event_type),
        status=TimelineStatus(e.status),
        content=e.content,
        metadata=e.event_metadata,
        llm_interaction_id=e.llm_interaction_id,
        mcp_interaction_id=e.mcp_interaction_id,
        created_at=e.created_at,
        updated_at=e.updated_at,
    )


def _header(h: SessionHeader) -> dict[str, object]:
    """The ``SessionHeaderView`` fields of a session header row."""
    return {
        "id": h.session_id,
        "alert_type": h.alert_type,
        "chain_id": h.chain_id,
        "status": SessionStatus(h.status),
        "author": h.author,
        "created_at": h.created_at,
    }
