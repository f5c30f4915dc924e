"""``GET /api/v1/sessions…``: the session list, active/queued sessions, filter options, one
session's detail, summary, status and timeline.

Query parameters arrive as plain strings and ints; the service validates them so that a bad value
is a 400 ``{"message"}`` naming the parameter.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query

from tarsy.api.deps import SessionQueries
from tarsy.services.session_queries import SessionListParams
from tarsy.services.views import (
    ActiveSessionsResponse,
    FilterOptions,
    SessionDetail,
    SessionListResponse,
    SessionStatusView,
    SessionSummary,
    TimelineEventView,
)

router = APIRouter(prefix="/api/v1", tags=["sessions"])

NOT_FOUND: dict[int | str, dict[str, object]] = {404: {"description": "unknown or deleted session"}}
Text = Annotated[str | None, Query()]


@router.get(
    "/sessions",
    response_model=SessionListResponse,
    responses={400: {"description": "invalid query parameter"}},
)
async def list_sessions(
    queries: SessionQueries,
    page: Annotated[int, Query(description="1-based page number")] = 1,
    page_size: Annotated[int, Query(description="items per page, at most 100")] = 25,
    sort_by: Annotated[
        str,
        Query(description="created_at|status|alert_type|author|duration|score|quality_rating"),
    ] = "created_at",
    sort_order: Annotated[str, Query(description="asc|desc")] = "desc",
    status: Annotated[str | None, Query(description="comma-separated session statuses")] = None,
    alert_type: Text = None,
    chain_id: Text = None,
    scoring_status: Annotated[
        str | None, Query(description="scored|not_scored|scoring_in_progress|scoring_failed")
    ] = None,
    search: Annotated[
        str | None,
        Query(description="at least 3 characters: alert data, final analysis, timeline content"),
    ] = None,
    start_date: Annotated[str | None, Query(description="RFC3339, inclusive")] = None,
    end_date: Annotated[str | None, Query(description="RFC3339, exclusive")] = None,
    review_status: Annotated[
        str | None, Query(description="comma-separated review statuses")
    ] = None,
    assignee: Text = None,
    quality_rating: Text = None,
) -> SessionListResponse:
    return await queries.list_sessions(
        SessionListParams(
            page=page,
            page_size=page_size,
            sort_by=sort_by,
            sort_order=sort_order,
            status=status,
            alert_type=alert_type,
            chain_id=chain_id,
            scoring_status=scoring_status,
            search=search,
            start_date=start_date,
            end_date=end_date,
            review_status=review_status,
            assignee=assignee,
            quality_rating=quality_rating,
        )
    )


@router.get("/sessions/active", response_model=ActiveSessionsResponse)
async def active_sessions(queries: SessionQueries) -> ActiveSessionsResponse:
    return await queries.active()


@router.get("/sessions/filter-options", response_model=FilterOptions)
async def filter_options(queries: SessionQueries) -> FilterOptions:
    return await queries.filter_options()


@router.get("/sessions/{session_id}", response_model=SessionDetail, responses=NOT_FOUND)
async def session_detail(session_id: str, queries: SessionQueries) -> SessionDetail:
    return await queries.detail(session_id)


@router.get("/sessions/{session_id}/summary", response_model=SessionSummary, responses=NOT_FOUND)
async def session_summary(session_id: str, queries: SessionQueries) -> SessionSummary:
    return await queries.summary(session_id)


@router.get("/sessions/{session_id}/status", response_model=SessionStatusView, responses=NOT_FOUND)
async def session_status(session_id: str, queries: SessionQueries) -> SessionStatusView:
    return await queries.status(session_id)


@router.get(
    "/sessions/{session_id}/timeline",
    response_model=list[TimelineEventView],
    responses=NOT_FOUND,
)
async def session_timeline(session_id: str, queries: SessionQueries) -> list[TimelineEventView]:
    return await queries.timeline(session_id)
