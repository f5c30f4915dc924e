"""Follow-up chats: one chat per session, its user messages, and the chat stages answering them."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import func, select, update
from sqlalchemy.exc import IntegrityError

from tarsy.db.clock import utcnow
from tarsy.db.engine import Database, uncancellable
from tarsy.db.tables import Chat, ChatUserMessage, Stage
from tarsy.domain.ids import new_id
from tarsy.domain.statuses import StageStatus, StageType


@dataclass(frozen=True, slots=True)
class ChatTurn:
    """A user message accepted for answering, with the chat stage created for it."""

    chat_id: str
    message_id: str
    stage_id: str
    stage_index: int


class ChatBusy(Exception):
    """A previous message of this chat is still being answered."""


class ChatRepo:
    def __init__(self, db: Database) -> None:
        self._db = db

    @uncancellable
    async def get_or_create(
        self, session_id: str, created_by: str, chain_id: str
    ) -> tuple[Chat, bool]:
        """The session's chat and whether it was created now."""
        async with self._db.sessions() as s:
            chat = await s.scalar(select(Chat).where(Chat.session_id == session_id))
        if chat is not None:
            return chat, False
        row = Chat(
            chat_id=new_id(),
            session_id=session_id,
            created_by=created_by,
            chain_id=chain_id,
            created_at=utcnow(),
        )
        try:
            async with self._db.sessions.begin() as s:
                s.add(row)
        except IntegrityError:  # another request created it first
            async with self._db.sessions() as s:
                existing = await s.scalar(select(Chat).where(Chat.session_id == session_id))
            assert existing is not None
            return existing, False
        return row, True

    @uncancellable
    async def accept_message(self, chat: Chat, content: str, author: str, pod_id: str) -> ChatTurn:
        """Store the message and its ``pending`` chat stage atomically; ``ChatBusy`` when a
        previous chat stage is still pending or active (nothing is stored then)."""
        now = utcnow()
        async with self._db.sessions.begin() as s:
            # Touching the chat row first serialises concurrent messages of one chat (row lock
            # on PostgreSQL, the write lock on SQLite).
            await s.execute(
                update(Chat)
                .where(Chat.chat_id == chat.chat_id)
                .values(last_interaction_at=now, pod_id=pod_id)
            )
            busy = await s.scalar(
                select(func.count())
                .select_from(Stage)
                .where(
                    Stage.chat_id == chat.chat_id,
                    Stage.status.in_((StageStatus.PENDING.value, StageStatus.ACTIVE.value)),
                )
            )
            if busy:
                raise ChatBusy(chat.chat_id)
            message = ChatUserMessage(
                message_id=new_id(),
                chat_id=chat.chat_id,
                content=content,
                author=author,
                created_at=now,
            )
            s.add(message)
            last = await s.scalar(
                select(func.max(Stage.stage_index)).where(Stage.session_id == chat.session_id)
            )
            stage = Stage(
                stage_id=new_id(),
                session_id=chat.session_id,
                stage_name="Chat",
                stage_index=int(last or 0) + 1,
                expected_agent_count=1,
                stage_type=StageType.CHAT.value,
                status=StageStatus.PENDING.value,
                chat_id=chat.chat_id,
                chat_user_message_id=message.message_id,
            )
            s.add(stage)
        return ChatTurn(chat.chat_id, message.message_id, stage.stage_id, stage.stage_index)

    async def stage(self, stage_id: str) -> Stage | None:
        async with self._db.sessions() as s:
            return await s.get(Stage, stage_id)

    async def message(self, message_id: str) -> ChatUserMessage | None:
        async with self._db.sessions() as s:
            return await s.get(ChatUserMessage, message_id)

    @uncancellable
    async def mark_stage_active(self, stage: Stage) -> Stage:
        now = utcnow()
        async with self._db.sessions.begin() as s:
            await s.execute(
                update(Stage)
                .where(Stage.stage_id == stage.stage_id)
                .values(status=StageStatus.ACTIVE.value, started_at=now)
            )
        stage.status, stage.started_at = StageStatus.ACTIVE.value, now
        return stage

    @uncancellable
    async def heartbeat(self, chat_id: str) -> None:
        async with self._db.sessions.begin() as s:
            await s.execute(
                update(Chat).where(Chat.chat_id == chat_id).values(last_interaction_at=utcnow())
            )

    async def has_running_stage(self, session_id: str) -> bool:
        """Whether a chat stage of the session is pending or active (on any replica)."""
        async with self._db.sessions() as s:
            count = await s.scalar(
                select(func.count())
                .select_from(Stage)
                .where(
                    Stage.session_id == session_id,
                    Stage.stage_type == StageType.CHAT.value,
                    Stage.status.in_((StageStatus.PENDING.value, StageStatus.ACTIVE.value)),
                )
            )
        return bool(count)
