"""``POST /api/v1/sessions/{id}/chat/messages``: ask a follow-up question (202)."""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse

from tarsy.api.body import openapi_body, parse_body
from tarsy.api.identity import author_of
from tarsy.services.chat import ChatAccepted, ChatMessageIn, ChatService

router = APIRouter(prefix="/api/v1", tags=["chat"])


@router.post(
    "/sessions/{session_id}/chat/messages",
    status_code=202,
    response_model=ChatAccepted,
    responses={
        400: {"description": "session not finished, chat disabled, or bad content"},
        404: {"description": "unknown session"},
        409: {"description": "the previous message is still being answered"},
        503: {"description": "shutting down"},
    },
    openapi_extra=openapi_body(ChatMessageIn),
)
async def send_chat_message(session_id: str, request: Request) -> JSONResponse:
    service: ChatService = request.app.state.ctx.chat
    message = await parse_body(request, ChatMessageIn)
    accepted = await service.send(session_id, message, author_of(request))
    return JSONResponse(accepted.model_dump(), status_code=202)
