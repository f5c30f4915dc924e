"""``POST /api/v1/sessions/{id}/cancel``: cancel a pending or running session."""

from __future__ import annotations

from fastapi import APIRouter, Request

from tarsy.services.commands import CancelResponse, SessionCommands

router = APIRouter(prefix="/api/v1", tags=["sessions"])


@router.post(
    "/sessions/{session_id}/cancel",
    response_model=CancelResponse,
    responses={404: {"description": "unknown session"}, 409: {"description": "already ended"}},
)
async def cancel_session(session_id: str, request: Request) -> CancelResponse:
    commands: SessionCommands = request.app.state.ctx.commands
    return await commands.cancel(session_id)
