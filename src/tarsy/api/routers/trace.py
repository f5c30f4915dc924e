"""``GET /api/v1/sessions/{id}/trace…``: the session's interaction tree, one LLM interaction with
its conversation, one MCP interaction."""

from __future__ import annotations

from fastapi import APIRouter

from tarsy.api.deps import TraceQueries
from tarsy.services.trace import LLMInteractionDetail, MCPInteractionDetail, SessionTrace

router = APIRouter(prefix="/api/v1", tags=["trace"])

NO_SESSION: dict[int | str, dict[str, object]] = {
    404: {"description": "unknown or deleted session"}
}
NO_INTERACTION: dict[int | str, dict[str, object]] = {
    404: {"description": "unknown session, or no such interaction in it"}
}


@router.get("/sessions/{session_id}/trace", response_model=SessionTrace, responses=NO_SESSION)
async def session_trace(session_id: str, trace: TraceQueries) -> SessionTrace:
    return await trace.session_trace(session_id)


@router.get(
    "/sessions/{session_id}/trace/llm/{interaction_id}",
    response_model=LLMInteractionDetail,
    responses=NO_INTERACTION,
)
async def llm_interaction(
    session_id: str, interaction_id: str, trace: TraceQueries
) -> LLMInteractionDetail:
    return await trace.llm_interaction(session_id, interaction_id)


@router.get(
    "/sessions/{session_id}/trace/mcp/{interaction_id}",
    response_model=MCPInteractionDetail,
    responses=NO_INTERACTION,
)
async def mcp_interaction(
    session_id: str, interaction_id: str, trace: TraceQueries
) -> MCPInteractionDetail:
    return await trace.mcp_interaction(session_id, interaction_id)
