"""Read-side queries of the session endpoints: the filtered, sorted page with per-session
aggregates, active and queued sessions, filter options, one session's tree and its timeline.

Aggregates are computed with one GROUP BY subquery per table, restricted to the sessions of the
page, so a page costs a constant number of statements whatever its size. Soft-deleted sessions
(``deleted_at`` set) are invisible to every query here.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from typing import Any, Literal

from sqlalchemy import (
    ColumnElement,
    and_,
    case,
    exists,
    extract,
    false,
    func,
    select,
)
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.sql import Executable

from tarsy.db.engine import Database
from tarsy.db.tables import (
    AgentExecution,
    AlertSession,
    Chat,
    ChatUserMessage,
    LLMInteraction,
    MCPInteraction,
    Stage,
    TimelineEvent,
)
from tarsy.domain.statuses import (
    ACTIVE_SESSION_STATUSES,
    SessionStatus,
    StageStatus,
    StageType,
    TimelineEventType,
)

SortField = Literal[
    "created_at", "status", "alert_type", "author", "duration", "score", "quality_rating"
]
SortOrder = Literal["asc", "desc"]
ScoringStatusFilter = Literal["scored", "not_scored", "scoring_in_progress", "scoring_failed"]

# Stages that belong to the chain itself; chat and scoring stages are not counted in progress.
_NOT_CHAIN_STAGES = (StageType.CHAT.value, StageType.SCORING.value)
_FAILED_STAGES = (StageStatus.FAILED.value, StageStatus.TIMED_OUT.value)


@dataclass(frozen=True, slots=True)
class SessionFilter:
    """Validated list filters; empty tuples and None mean "no filter"."""

    statuses: tuple[str, ...] = ()
    alert_type: str | None = None
    chain_id: str | None = None
    scoring_status: ScoringStatusFilter | None = None
    search: str | None = None
    created_from: datetime | None = None
    created_before: datetime | None = None
    review_statuses: tuple[str, ...] = ()
    assignee: str | None = None
    quality_rating: str | None = None


@dataclass(frozen=True, slots=True)
class PageRequest:
    page: int = 1
    page_size: int = 25
    sort_by: SortField = "created_at"
    sort_order: SortOrder = "desc"


@dataclass(frozen=True, slots=True)
class SessionHeader:
    """The columns of a session that lists and summaries show (no alert data)."""

    session_id: str
    alert_type: str
    chain_id: str
    status: str
    author: str
    created_at: datetime
    started_at: datetime | None
    completed_at: datetime | None
    error_message: str | None
    final_analysis: str | None
    executive_summary: str | None
    current_stage_index: int | None
    current_stage_id: str | None
    review_status: str | None
    assignee: str | None
    quality_rating: str | None
    action_taken: str | None
    investigation_feedback: str | None


_HEADER: tuple[Any, ...] = (
    AlertSession.session_id,
    AlertSession.alert_type,
    AlertSession.chain_id,
    AlertSession.status,
    AlertSession.author,
    AlertSession.created_at,
    AlertSession.started_at,
    AlertSession.completed_at,
    AlertSession.error_message,
    AlertSession.final_analysis,
    AlertSession.executive_summary,
    AlertSession.current_stage_index,
    AlertSession.current_stage_id,
    AlertSession.review_status,
    AlertSession.assignee,
    AlertSession.quality_rating,
    AlertSession.action_taken,
    AlertSession.investigation_feedback,
)


@dataclass(frozen=True, slots=True)
class Usage:
    """LLM usage of a session or an execution. ``token_bearing`` counts interactions that used
    tokens, ``priced`` those of them with an estimated cost."""

    llm_interactions: int = 0
    input_tokens: int = 0
    output_tokens: int = 0
    total_tokens: int = 0
    token_bearing: int = 0
    priced: int = 0
    cost_usd: float = 0.0

    def plus(self, other: Usage) -> Usage:
        return Usage(
            self.llm_interactions + other.llm_interactions,
            self.input_tokens + other.input_tokens,
            self.output_tokens + other.output_tokens,
            self.total_tokens + other.total_tokens,
            self.token_bearing + other.token_bearing,
            self.priced + other.priced,
            self.cost_usd + other.cost_usd,
        )


@dataclass(frozen=True, slots=True)
class SessionStats:
    usage: Usage = Usage()
    mcp_interactions: int = 0
    total_stages: int = 0
    completed_stages: int = 0
    failed_stages: int = 0
    has_parallel_stages: bool = False
    has_sub_agents: bool = False
    has_action_stages: bool = False
    actions_executed: bool | None = None
    chat_id: str | None = None
    chat_message_count: int = 0
    provider_fallback_count: int = 0


@dataclass(frozen=True, slots=True)
class ListedSession:
    header: SessionHeader
    stats: SessionStats
    matched_in_content: bool = False


@dataclass(frozen=True, slots=True)
class SessionPage:
    items: list[ListedSession]
    total: int


@dataclass(frozen=True, slots=True)
class FallbackInfo:
    """Details of the latest provider fallback of an execution (from its timeline event)."""

    reason: str | None
    error_code: str | None
    attempt: int | None


@dataclass(frozen=True, slots=True)
class SessionTree:
    """One session with its stages (by index), its executions (flat, by agent index), the LLM
    usage of each execution and the latest provider fallback of each execution."""

    session: AlertSession
    stats: SessionStats
    stages: list[Stage]
    executions: list[AgentExecution]
    usage_by_execution: dict[str, Usage]
    fallbacks: dict[str, FallbackInfo]


def _visible() -> ColumnElement[bool]:
    return AlertSession.deleted_at.is_(None)


def _count_if(condition: ColumnElement[bool]) -> ColumnElement[int]:
    return func.coalesce(func.sum(case((condition, 1), else_=0)), 0)


def _header(row: Sequence[Any]) -> SessionHeader:
    return SessionHeader(*row[: len(_HEADER)])


class SessionQueryRepo:
    def __init__(self, db: Database) -> None:
        self._db = db

    async def list_page(self, flt: SessionFilter, page: PageRequest) -> SessionPage:
        conditions = _conditions(flt)
        columns: list[Any] = [*_HEADER]
        if flt.search:
            direct = (AlertSession.alert_data.icontains(flt.search, autoescape=True)) | (
                AlertSession.final_analysis.icontains(flt.search, autoescape=True)
            )
            in_timeline = exists().where(
                TimelineEvent.session_id == AlertSession.session_id,
                TimelineEvent.content.icontains(flt.search, autoescape=True),
            )
            conditions.append(direct | in_timeline)
            columns.append(case((direct, 1), else_=0))
        stmt = (
            select(*columns)
            .where(*conditions)
            .order_by(*self._order(page))
            .limit(page.page_size)
            .offset((page.page - 1) * page.page_size)
        )
        async with self._db.sessions() as s:
            total = await s.scalar(
                select(func.count()).select_from(AlertSession).where(*conditions)
            )
            rows = (await s.execute(stmt)).all()
            stats = await _stats(s, [str(r[0]) for r in rows])
        items = [
            ListedSession(
                header=_header(r),
                stats=stats.get(str(r[0]), SessionStats()),
                matched_in_content=bool(flt.search) and not r[len(_HEADER)],
            )
            for r in rows
        ]
        return SessionPage(items, int(total or 0))

    async def active(self) -> list[SessionHeader]:
        """Running and cancelling sessions, oldest start first."""
        stmt = (
            select(*_HEADER)
            .where(_visible(), AlertSession.status.in_([s.value for s in ACTIVE_SESSION_STATUSES]))
            .order_by(
                AlertSession.started_at.asc().nulls_last(),
                AlertSession.created_at,
                AlertSession.session_id,
            )
        )
        return await self._headers(stmt)

    async def queued(self) -> list[SessionHeader]:
        """Pending sessions in claim order (oldest first)."""
        stmt = (
            select(*_HEADER)
            .where(_visible(), AlertSession.status == SessionStatus.PENDING.value)
            .order_by(AlertSession.created_at, AlertSession.session_id)
        )
        return await self._headers(stmt)

    async def distinct_values(self) -> tuple[list[str], list[str]]:
        """Distinct alert types and chain ids of visible sessions, sorted."""
        async with self._db.sessions() as s:
            types = await s.scalars(
                select(AlertSession.alert_type)
                .distinct()
                .where(_visible())
                .order_by(AlertSession.alert_type)
            )
            chains = await s.scalars(
                select(AlertSession.chain_id)
                .distinct()
                .where(_visible())
                .order_by(AlertSession.chain_id)
            )
            return list(types.all()), list(chains.all())

    async def overview(self, session_id: str) -> ListedSession | None:
        async with self._db.sessions() as s:
            row = (
                await s.execute(
                    select(*_HEADER).where(_visible(), AlertSession.session_id == session_id)
                )
            ).first()
            if row is None:
                return None
            stats = await _stats(s, [session_id])
        return ListedSession(_header(row), stats.get(session_id, SessionStats()))

    async def header(self, session_id: str) -> SessionHeader | None:
        headers = await self._headers(
            select(*_HEADER).where(_visible(), AlertSession.session_id == session_id)
        )
        return headers[0] if headers else None

    async def tree(self, session_id: str) -> SessionTree | None:
        async with self._db.sessions() as s:
            session = await s.scalar(
                select(AlertSession).where(_visible(), AlertSession.session_id == session_id)
            )
            if session is None:
                return None
            stats = await _stats(s, [session_id])
            stages = await s.scalars(
                select(Stage).where(Stage.session_id == session_id).order_by(Stage.stage_index)
            )
            executions = await s.scalars(
                select(AgentExecution)
                .where(AgentExecution.session_id == session_id)
                .order_by(AgentExecution.agent_index, AgentExecution.started_at)
            )
            usage = await _usage_by_execution(s, session_id)
            fallbacks = await _fallbacks(s, session_id)
            return SessionTree(
                session=session,
                stats=stats.get(session_id, SessionStats()),
                stages=list(stages.all()),
                executions=list(executions.all()),
                usage_by_execution=usage,
                fallbacks=fallbacks,
            )

    async def timeline(self, session_id: str) -> list[TimelineEvent] | None:
        """The session's events by sequence number, or None for an unknown session."""
        async with self._db.sessions() as s:
            found = await s.scalar(
                select(AlertSession.session_id).where(
                    _visible(), AlertSession.session_id == session_id
                )
            )
            if found is None:
                return None
            rows = await s.scalars(
                select(TimelineEvent)
                .where(TimelineEvent.session_id == session_id)
                .order_by(TimelineEvent.sequence_number)
            )
            return list(rows.all())

    async def _headers(self, stmt: Executable) -> list[SessionHeader]:
        async with self._db.sessions() as s:
            rows = (await s.execute(stmt)).all()
        return [_header(r) for r in rows]

    def _order(self, page: PageRequest) -> list[Any]:
        def direct(expr: Any) -> Any:
            return expr.desc() if page.sort_order == "desc" else expr.asc()

        keys: list[Any] = []
        primary: Any = None
        match page.sort_by:
            case "status":
                primary = AlertSession.status
            case "alert_type":
                primary = AlertSession.alert_type
            case "author":
                primary = AlertSession.author
            case "quality_rating":
                primary = AlertSession.quality_rating
            case "duration":
                primary = self._duration()
            case "created_at" | "score":
                # No scores are stored yet: every session has the same (NULL) score.
                primary = None
        if primary is not None:
            keys.append(direct(primary).nulls_last())
        keys += [direct(AlertSession.created_at), direct(AlertSession.session_id)]
        return keys

    def _duration(self) -> ColumnElement[Any]:
        if self._db.is_postgres:
            return extract("epoch", AlertSession.completed_at - AlertSession.started_at)
        return func.julianday(AlertSession.completed_at) - func.julianday(AlertSession.started_at)


def _conditions(flt: SessionFilter) -> list[ColumnElement[bool]]:
    conditions = [_visible()]
    if flt.statuses:
        conditions.append(AlertSession.status.in_(flt.statuses))
    if flt.alert_type is not None:
        conditions.append(AlertSession.alert_type == flt.alert_type)
    if flt.chain_id is not None:
        conditions.append(AlertSession.chain_id == flt.chain_id)
    if flt.scoring_status is not None and flt.scoring_status != "not_scored":
        # No session_scores table yet: nothing is scored, scoring or failed to score.
        conditions.append(false())
    if flt.created_from is not None:
        conditions.append(AlertSession.created_at >= flt.created_from)
    if flt.created_before is not None:
        conditions.append(AlertSession.created_at < flt.created_before)
    if flt.review_statuses:
        conditions.append(AlertSession.review_status.in_(flt.review_statuses))
    if flt.assignee is not None:
        conditions.append(AlertSession.assignee == flt.assignee)
    if flt.quality_rating is not None:
        conditions.append(AlertSession.quality_rating == flt.quality_rating)
    return conditions


def _usage_columns() -> tuple[ColumnElement[Any], ...]:
    i = LLMInteraction
    used = (
        func.coalesce(i.input_tokens, 0)
        + func.coalesce(i.output_tokens, 0)
        + func.coalesce(i.thinking_tokens, 0)
    ) > 0
    return (
        func.count().label("n"),
        func.coalesce(func.sum(i.input_tokens), 0).label("input"),
        func.coalesce(func.sum(i.output_tokens), 0).label("output"),
        func.coalesce(func.sum(i.total_tokens), 0).label("total"),
        _count_if(used).label("bearing"),
        _count_if(and_(used, i.estimated_cost_usd.is_not(None))).label("priced"),
        func.coalesce(func.sum(i.estimated_cost_usd), 0).label("cost"),
    )


def _usage(values: Sequence[int | float | Decimal | None]) -> Usage:
    n, inp, out, total, bearing, priced = (int(v or 0) for v in values[:6])
    return Usage(n, inp, out, total, bearing, priced, float(values[6] or 0))


async def _stats(s: AsyncSession, ids: list[str]) -> dict[str, SessionStats]:
    """Aggregates of many sessions in one statement (one GROUP BY subquery per table)."""
    if not ids:
        return {}
    llm = (
        select(LLMInteraction.session_id.label("sid"), *_usage_columns())
        .where(LLMInteraction.session_id.in_(ids))
        .group_by(LLMInteraction.session_id)
        .subquery()
    )
    mcp = (
        select(MCPInteraction.session_id.label("sid"), func.count().label("n"))
        .where(MCPInteraction.session_id.in_(ids))
        .group_by(MCPInteraction.session_id)
        .subquery()
    )
    chain = Stage.stage_type.not_in(_NOT_CHAIN_STAGES)
    action = Stage.stage_type == StageType.ACTION.value
    stages = (
        select(
            Stage.session_id.label("sid"),
            _count_if(chain).label("total"),
            _count_if(and_(chain, Stage.status == StageStatus.COMPLETED.value)).label("done"),
            _count_if(and_(chain, Stage.status.in_(_FAILED_STAGES))).label("failed"),
            _count_if(Stage.parallel_type.is_not(None)).label("parallel"),
            _count_if(action).label("actions"),
            func.max(
                case(
                    (and_(action, Stage.actions_executed.is_(True)), 1),
                    (and_(action, Stage.actions_executed.is_(False)), 0),
                )
            ).label("executed"),
        )
        .where(Stage.session_id.in_(ids))
        .group_by(Stage.session_id)
        .subquery()
    )
    subs = (
        select(AgentExecution.session_id.label("sid"), func.count().label("n"))
        .where(AgentExecution.session_id.in_(ids), AgentExecution.parent_execution_id.is_not(None))
        .group_by(AgentExecution.session_id)
        .subquery()
    )
    fallbacks = (
        select(TimelineEvent.session_id.label("sid"), func.count().label("n"))
        .where(
            TimelineEvent.session_id.in_(ids),
            TimelineEvent.event_type == TimelineEventType.PROVIDER_FALLBACK.value,
        )
        .group_by(TimelineEvent.session_id)
        .subquery()
    )
    chats = (
        select(
            Chat.session_id.label("sid"),
            Chat.chat_id.label("chat_id"),
            func.count(ChatUserMessage.message_id).label("n"),
        )
        .outerjoin(ChatUserMessage, ChatUserMessage.chat_id == Chat.chat_id)
        .where(Chat.session_id.in_(ids))
        .group_by(Chat.session_id, Chat.chat_id)
        .subquery()
    )
    sid = AlertSession.session_id
    stmt = (
        select(
            sid,
            *(c for c in llm.c if c.name != "sid"),
            mcp.c.n,
            stages.c.total,
            stages.c.done,
            stages.c.failed,
            stages.c.parallel,
            stages.c.actions,
            stages.c.executed,
            subs.c.n,
            fallbacks.c.n,
            chats.c.chat_id,
            chats.c.n,
        )
        .outerjoin(llm, llm.c.sid == sid)
        .outerjoin(mcp, mcp.c.sid == sid)
        .outerjoin(stages, stages.c.sid == sid)
        .outerjoin(subs, subs.c.sid == sid)
        .outerjoin(fallbacks, fallbacks.c.sid == sid)
        .outerjoin(chats, chats.c.sid == sid)
        .where(sid.in_(ids))
    )
    out: dict[str, SessionStats] = {}
    for row in (await s.execute(stmt)).all():
        (
            key, *usage, n_mcp, total, done, failed, parallel, actions, executed, n_subs,
            n_fallbacks, chat_id, n_chat,
        ) = row  # fmt: skip
        out[key] = SessionStats(
            usage=_usage(usage),
            mcp_interactions=int(n_mcp or 0),
            total_stages=int(total or 0),
            completed_stages=int(done or 0),
            failed_stages=int(failed or 0),
            has_parallel_stages=bool(parallel),
            has_sub_agents=bool(n_subs),
            has_action_stages=bool(actions),
            actions_executed=None if executed is None else bool(executed),
            chat_id=chat_id,
            chat_message_count=int(n_chat or 0),
            provider_fallback_count=int(n_fallbacks or 0),
        )
    return out


async def _usage_by_execution(s: AsyncSession, session_id: str) -> dict[str, Usage]:
    rows = await s.execute(
        select(LLMInteraction.execution_id, *_usage_columns())
        .where(LLMInteraction.session_id == session_id, LLMInteraction.execution_id.is_not(None))
        .group_by(LLMInteraction.execution_id)
    )
    return {str(r[0]): _usage(r[1:]) for r in rows.all()}


async def _fallbacks(s: AsyncSession, session_id: str) -> dict[str, FallbackInfo]:
    rows = await s.execute(
        select(TimelineEvent.execution_id, TimelineEvent.event_metadata)
        .where(
            TimelineEvent.session_id == session_id,
            TimelineEvent.event_type == TimelineEventType.PROVIDER_FALLBACK.value,
            TimelineEvent.execution_id.is_not(None),
        )
        .order_by(TimelineEvent.sequence_number)
    )
    out: dict[str, FallbackInfo] = {}
    for execution_id, meta in rows.all():
        data = meta or {}
        reason, code, attempt = data.get("reason"), data.get("error_code"), data.get("attempt")
        out[str(execution_id)] = FallbackInfo(
            reason=None if reason is None else str(reason),
            error_code=None if code is None else str(code),
            attempt=attempt if isinstance(attempt, int) and not isinstance(attempt, bool) else None,
        )
    return out
