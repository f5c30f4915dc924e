"""Follow-up chat submission (SPEC §3.12): validate, store the question, start the answer."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol

from pydantic import BaseModel, ConfigDict, StrictStr

from tarsy.config import TarsyConfig
from tarsy.db.engine import Database
from tarsy.db.repos.chats import ChatBusy, ChatRepo
from tarsy.db.repos.sessions import SessionRepo
from tarsy.domain.errors import Conflict, NotFound, Unavailable, ValidationFailed
from tarsy.domain.statuses import SessionStatus
from tarsy.events.bus import Bus, session_channel
from tarsy.events.payloads import ChatCreated

MAX_CHAT_CHARS = 100_000
CHATTABLE = (SessionStatus.COMPLETED, SessionStatus.FAILED, SessionStatus.TIMED_OUT)


class ChatExecutor(Protocol):
    stopping: bool

    def start(self, session_id: str, stage_id: str, message_id: str, author: str) -> None: ...

    def cancel(self, session_id: str) -> bool: ...


class ChatMessageIn(BaseModel):
    model_config = ConfigDict(extra="ignore")
    content: StrictStr


class ChatAccepted(BaseModel):
    chat_id: str
    message_id: str
    stage_id: str


@dataclass(frozen=True, slots=True)
class ChatService:
    config: TarsyConfig
    db: Database
    bus: Bus
    executor: ChatExecutor
    pod_id: str

    async def send(self, session_id: str, message: ChatMessageIn, author: str) -> ChatAccepted:
        content = message.content.strip()
        if not content:
            raise ValidationFailed("content: must be a non-empty string")
        if len(message.content) > MAX_CHAT_CHARS:
            raise ValidationFailed(
                f"content: {len(message.content)} characters exceeds the limit of {MAX_CHAT_CHARS}"
            )
        session = await SessionRepo(self.db).get(session_id)
        if session is None:
            raise NotFound(f"session {session_id} not found")
        status = SessionStatus(session.status)
        if status not in CHATTABLE:
            raise ValidationFailed(
                f"session {session_id} is {status.value}: chat is available once a session has "
                "completed, failed or timed out (not for pending, running or cancelled sessions)"
            )
        chain = self.config.agent_chains.get(session.chain_id)
        if chain is None or not chain.chat_enabled:
            raise ValidationFailed(f"chat is disabled for chain {session.chain_id!r}")
        if self.executor.stopping:
            raise Unavailable("TARSy is shutting down; try again on another replica")
        repo = ChatRepo(self.db)
        chat, created = await repo.get_or_create(session_id, author, session.chain_id)
        if created:
            await self.bus.publish(
                session_channel(session_id),
                ChatCreated(
                    type="chat.created",
                    session_id=session_id,
                    chat_id=chat.chat_id,
                    created_by=author,
                ),
                persist=True,
            )
        try:
            turn = await repo.accept_message(chat, message.content, author, self.pod_id)
        except ChatBusy:
            raise Conflict(
                "the previous chat message of this session is still being answered"
            ) from None
        self.executor.start(session_id, turn.stage_id, turn.message_id, author)
        return ChatAccepted(
            chat_id=turn.chat_id, message_id=turn.message_id, stage_id=turn.stage_id
        )
