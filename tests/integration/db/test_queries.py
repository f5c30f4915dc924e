"""Session read queries on SQLite and PostgreSQL: the list page (pagination, filters, sorts,
search), active/queued, filter options, the detail tree, summary, status and timeline."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

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
from tarsy.domain.errors import NotFound, ValidationFailed
from tarsy.domain.ids import new_id
from tarsy.services.session_queries import SessionListParams, SessionQueryService

T0 = datetime(2026, 1, 1, tzinfo=UTC)


def at(days: float, minutes: float = 0) -> datetime:
    return T0 + timedelta(days=days, minutes=minutes)


@dataclass(frozen=True)
class Seeded:
    """Ids of the seeded sessions (see ``seed``)."""

    s1: str
    s2: str
    s3: str
    s4: str
    s5: str
    s6: str
    deleted: str
    stage_ids: dict[str, str]
    execution_ids: dict[str, str]


def session(sid: str, **overrides: Any) -> AlertSession:
    values: dict[str, Any] = {
        "session_id": sid,
        "alert_data": "alert",
        "agent_type": "kubernetes",
        "alert_type": "kubernetes",
        "chain_id": "k8s-chain",
        "status": "pending",
        "author": "alice",
        "orphan_count": 0,
        "timeline_seq": 0,
    }
    values.update(overrides)
    if "alert_type" in overrides:
        values["agent_type"] = overrides["alert_type"]
    return AlertSession(**values)


def event(sid: str, seq: int, content: str, event_type: str = "llm_response", **kw: Any) -> Any:
    return TimelineEvent(
        event_id=new_id(),
        session_id=sid,
        sequence_number=seq,
        created_at=at(0, seq),
        updated_at=at(0, seq),
        content=content,
        status="completed",
        event_type=event_type,
        **kw,
    )


def llm(sid: str, exec_id: str | None, stage_id: str | None, inp: int, out: int, cost: Any) -> Any:
    return LLMInteraction(
        interaction_id=new_id(),
        session_id=sid,
        stage_id=stage_id,
        execution_id=exec_id,
        interaction_type="iteration",
        model_name="m",
        input_tokens=inp,
        output_tokens=out,
        total_tokens=inp + out,
        estimated_cost_usd=cost,
        created_at=at(0),
    )


async def seed(db: Database) -> Seeded:
    """Six visible sessions and one soft-deleted pending one.

    s1 completed kubernetes (alice, 10 min, needs_review) with the full stage tree; s2 failed
    database (bob, 1 min, reviewed by carol, accurate); s3 in_progress kubernetes (carol), whose
    timeline mentions DiskPressure; s4 pending database; s5 pending kubernetes; s6 cancelling,
    created before s3 but started after it.
    """
    ids = [new_id() for _ in range(7)]
    s1, s2, s3, s4, s5, s6, gone = ids
    st = {name: new_id() for name in ("inv", "syn", "act", "sum", "chat")}
    ex = {name: new_id() for name in ("A", "A1", "A2", "B", "C")}
    chat_id = new_id()
    rows: list[Any] = [
        session(
            s1,
            status="completed",
            created_at=at(0),
            started_at=at(0, 1),
            completed_at=at(0, 11),
            alert_data="Pod OOMKilled in namespace prod",
            final_analysis="Memory limit too low",
            executive_summary="raise the limit",
            review_status="needs_review",
            current_stage_index=4,
            current_stage_id=st["sum"],
            runbook_url="https://github.com/org/runbooks/blob/main/oom.md",
            mcp_selection={"servers": [{"name": "kubernetes-server"}]},
        ),
        session(
            s2,
            status="failed",
            alert_type="database",
            chain_id="db-chain",
            author="bob",
            created_at=at(1),
            started_at=at(1, 1),
            completed_at=at(1, 2),
            alert_data="replication lag high",
            error_message="boom",
            review_status="reviewed",
            assignee="carol",
            quality_rating="accurate",
        ),
        session(
            s3,
            status="in_progress",
            author="carol",
            created_at=at(2),
            started_at=at(2, 0.5),
            alert_data="node NotReady",
        ),
        session(s4, alert_type="database", chain_id="db-chain", created_at=at(3)),
        session(s5, created_at=at(4), author="dave"),
        session(s6, status="cancelling", created_at=at(1, 23 * 60), started_at=at(2, 6 * 60)),
        session(
            gone,
            alert_type="ghost",
            chain_id="ghost-chain",
            created_at=at(-1),
            alert_data="OOMKilled ghost",
            deleted_at=at(5),
        ),
    ]
    stages = [
        Stage(
            stage_id=st["inv"],
            session_id=s1,
            stage_name="investigation",
            stage_index=1,
            expected_agent_count=2,
            parallel_type="multi_agent",
            success_policy="all",
            stage_type="investigation",
            status="completed",
            started_at=at(0, 1),
            completed_at=at(0, 5),
            duration_ms=240000,
        ),
        Stage(
            stage_id=st["syn"],
            session_id=s1,
            stage_name="synthesis",
            stage_index=2,
            stage_type="synthesis",
            status="completed",
            referenced_stage_id=st["inv"],
        ),
        Stage(
            stage_id=st["act"],
            session_id=s1,
            stage_name="remediate",
            stage_index=3,
            stage_type="action",
            status="completed",
            actions_executed=True,
        ),
        Stage(
            stage_id=st["sum"],
            session_id=s1,
            stage_name="Executive Summary",
            stage_index=4,
            stage_type="exec_summary",
            status="failed",
            error_message="llm down",
        ),
    ]

    def execution(key: str, stage: str, index: int, parent: str | None = None, **kw: Any) -> Any:
        return AgentExecution(
            execution_id=ex[key],
            stage_id=st[stage],
            session_id=s1,
            agent_name=key,
            agent_index=index,
            status="completed",
            llm_backend="langchain",
            llm_provider="openai",
            model_name="gpt",
            parent_execution_id=ex[parent] if parent else None,
            **kw,
        )

    executions = [
        execution("A", "inv", 1),
        execution("A2", "inv", 2, "A", task="check logs"),
        execution("A1", "inv", 1, "A", task="check pods"),
        execution("B", "inv", 2, original_llm_provider="gemini", original_model_name="g"),
        execution("C", "syn", 1),
    ]
    trace = [
        llm(s1, ex["A"], st["inv"], 100, 50, 0.01),
        llm(s1, ex["A1"], st["inv"], 10, 5, 0.001),
        llm(s1, ex["A2"], st["inv"], 20, 10, None),
        llm(s1, ex["B"], st["inv"], 200, 100, 0.02),
        llm(s1, None, None, 5, 5, None),
        llm(s2, None, None, 7, 3, 0.5),
        *(
            MCPInteraction(
                interaction_id=new_id(),
                session_id=s1,
                stage_id=st["inv"],
                execution_id=ex["A"],
                interaction_type="tool_call",
                server_name="kubernetes-server",
                tool_name="pods_list",
                created_at=at(0),
            )
            for _ in range(3)
        ),
    ]
    timeline = [
        event(s1, 3, "the container was OOMKilled", stage_id=st["inv"], execution_id=ex["A"]),
        event(s1, 1, "thinking about pods", "llm_thinking", stage_id=st["inv"]),
        event(
            s1,
            2,
            "switched provider",
            "provider_fallback",
            stage_id=st["inv"],
            execution_id=ex["B"],
            event_metadata={"reason": "rate limited", "error_code": "429", "attempt": 2},
        ),
        event(s3, 1, "Found DiskPressure on node-7 (50% full)"),
        event(gone, 1, "DiskPressure ghost"),
    ]
    chat = Chat(
        chat_id=chat_id,
        session_id=s1,
        created_by="alice",
        chain_id="k8s-chain",
        created_at=at(0, 20),
    )
    chat_stage = Stage(
        stage_id=st["chat"],
        session_id=s1,
        stage_name="Chat Response",
        stage_index=5,
        stage_type="chat",
        status="completed",
        chat_id=chat_id,
    )
    messages = [
        ChatUserMessage(
            message_id=new_id(),
            chat_id=chat_id,
            content=q,
            author="alice",
            created_at=at(0, 21 + i),
        )
        for i, q in enumerate(["why?", "and then?"])
    ]
    async with db.sessions.begin() as s:
        s.add_all(rows)
        await s.flush()
        s.add_all(stages)
        await s.flush()
        s.add_all(executions[:1])
        await s.flush()
        s.add_all(executions[1:])
        s.add(chat)
        await s.flush()
        s.add(chat_stage)
        s.add_all(messages)
        s.add_all(trace)
        s.add_all(timeline)
    return Seeded(s1, s2, s3, s4, s5, s6, gone, st, ex)


@pytest.fixture
async def seeded(database: Database) -> Seeded:
    return await seed(database)


@pytest.fixture
def service(database: Database) -> SessionQueryService:
    return SessionQueryService(database)


async def ids_of(service: SessionQueryService, **params: Any) -> list[str]:
    result = await service.list_sessions(SessionListParams(**params))
    return [item.id for item in result.sessions]


async def test_default_list_is_newest_first_and_hides_deleted(
    service: SessionQueryService, seeded: Seeded
) -> None:
    result = await service.list_sessions(SessionListParams())
    x = seeded
    assert [i.id for i in result.sessions] == [x.s5, x.s4, x.s3, x.s6, x.s2, x.s1]
    assert result.pagination.model_dump() == {
        "page": 1,
        "page_size": 25,
        "total_pages": 1,
        "total_items": 6,
    }
    assert result.cost_estimation_enabled is True


async def test_pagination(service: SessionQueryService, seeded: Seeded) -> None:
    pages = [await service.list_sessions(SessionListParams(page=n, page_size=4)) for n in (1, 2, 3)]
    assert [len(p.sessions) for p in pages] == [4, 2, 0]
    assert all(p.pagination.total_items == 6 and p.pagination.total_pages == 2 for p in pages)
    seen = [i.id for p in pages for i in p.sessions]
    assert len(set(seen)) == 6 and seeded.deleted not in seen


async def test_list_item_aggregates(service: SessionQueryService, seeded: Seeded) -> None:
    items = {i.id: i for i in (await service.list_sessions(SessionListParams())).sessions}
    s1 = items[seeded.s1]
    assert (s1.llm_interaction_count, s1.mcp_interaction_count) == (5, 3)
    assert (s1.input_tokens, s1.output_tokens, s1.total_tokens) == (335, 170, 505)
    assert s1.estimated_cost_usd == pytest.approx(0.031)
    assert s1.cost_completeness == "partial"
    assert (s1.total_stages, s1.completed_stages) == (4, 3)
    assert s1.has_parallel_stages and s1.has_sub_agents and s1.has_action_stages
    assert s1.actions_executed is True
    assert (s1.chat_message_count, s1.provider_fallback_count) == (2, 1)
    assert s1.duration_ms == 600_000
    assert (s1.current_stage_index, s1.current_stage_id) == (4, seeded.stage_ids["sum"])
    assert s1.review_status == "needs_review" and s1.matched_in_content is False
    assert s1.latest_score is None and s1.feedback_edited is False
    s2 = items[seeded.s2]
    assert s2.cost_completeness == "complete" and s2.estimated_cost_usd == pytest.approx(0.5)
    assert s2.total_stages == 0 and not s2.has_sub_agents and s2.actions_executed is None
    s4 = items[seeded.s4]
    assert s4.llm_interaction_count == 0 and s4.estimated_cost_usd is None
    assert s4.cost_completeness is None and s4.duration_ms is None


@pytest.mark.parametrize(
    ("params", "expected"),
    [
        ({"status": "completed,failed"}, ["s2", "s1"]),
        ({"status": " in_progress , ,cancelling"}, ["s3", "s6"]),
        ({"alert_type": "database"}, ["s4", "s2"]),
        ({"chain_id": "k8s-chain"}, ["s5", "s3", "s6", "s1"]),
        ({"scoring_status": "not_scored"}, ["s5", "s4", "s3", "s6", "s2", "s1"]),
        ({"scoring_status": "scored"}, []),
        ({"scoring_status": "scoring_failed"}, []),
        (
            {"start_date": "2026-01-02T00:00:00Z", "end_date": "2026-01-04T00:00:00Z"},
            ["s3", "s6", "s2"],
        ),
        ({"start_date": "2026-01-02T02:00:00+02:00"}, ["s5", "s4", "s3", "s6", "s2"]),
        ({"end_date": "2026-01-02T00:00:00Z"}, ["s1"]),
        ({"review_status": "needs_review,reviewed"}, ["s2", "s1"]),
        ({"assignee": "carol"}, ["s2"]),
        ({"quality_rating": "accurate"}, ["s2"]),
        ({"status": "pending", "alert_type": "kubernetes"}, ["s5"]),
        ({"alert_type": "ghost"}, []),
    ],
)
async def test_filters(
    service: SessionQueryService, seeded: Seeded, params: dict[str, str], expected: list[str]
) -> None:
    assert await ids_of(service, **params) == [getattr(seeded, k) for k in expected]


@pytest.mark.parametrize(
    ("search", "expected", "in_content"),
    [
        ("oomkilled", ["s1"], False),  # alert_data (and timeline) - deleted session excluded
        ("MEMORY LIMIT", ["s1"], False),  # final_analysis
        ("diskpressure", ["s3"], True),  # timeline content only
        ("50%", ["s3"], True),  # LIKE wildcards are literal
        ("%%%", [], False),
        ("not anywhere", [], False),
    ],
)
async def test_search(
    service: SessionQueryService,
    seeded: Seeded,
    search: str,
    expected: list[str],
    in_content: bool,
) -> None:
    result = await service.list_sessions(SessionListParams(search=search))
    assert [i.id for i in result.sessions] == [getattr(seeded, k) for k in expected]
    assert result.pagination.total_items == len(expected)
    assert all(i.matched_in_content is in_content for i in result.sessions)


@pytest.mark.parametrize(
    ("sort_by", "asc"),
    [
        ("created_at", ["s1", "s2", "s6", "s3", "s4", "s5"]),
        ("status", ["s6", "s1", "s2", "s3", "s4", "s5"]),
        ("alert_type", ["s2", "s4", "s1", "s6", "s3", "s5"]),
        ("author", ["s1", "s6", "s4", "s2", "s3", "s5"]),
        ("score", ["s1", "s2", "s6", "s3", "s4", "s5"]),
    ],
)
async def test_sorts(
    service: SessionQueryService, seeded: Seeded, sort_by: str, asc: list[str]
) -> None:
    expected = [getattr(seeded, k) for k in asc]
    assert await ids_of(service, sort_by=sort_by, sort_order="asc") == expected
    assert await ids_of(service, sort_by=sort_by, sort_order="desc") == expected[::-1]


async def test_sort_by_duration_and_quality_keeps_nulls_last(
    service: SessionQueryService, seeded: Seeded
) -> None:
    x = seeded
    assert (await ids_of(service, sort_by="duration", sort_order="asc"))[:2] == [x.s2, x.s1]
    assert (await ids_of(service, sort_by="duration", sort_order="desc"))[:2] == [x.s1, x.s2]
    for order in ("asc", "desc"):
        assert (await ids_of(service, sort_by="quality_rating", sort_order=order))[0] == x.s2


@pytest.mark.parametrize(
    ("params", "needle"),
    [
        ({"status": "completed,done"}, "status 'done'"),
        ({"page": 0}, "page 0"),
        ({"page_size": 101}, "page_size 101"),
        ({"page_size": 0}, "page_size 0"),
        ({"sort_by": "cost"}, "sort_by 'cost'"),
        ({"sort_order": "up"}, "sort_order 'up'"),
        ({"scoring_status": "maybe"}, "scoring_status 'maybe'"),
        ({"search": "ab"}, "search 'ab'"),
        ({"start_date": "yesterday"}, "start_date 'yesterday'"),
        ({"end_date": "2026-01-01T00:00:00"}, "end_date"),
        ({"end_date": "2026-01-01"}, "end_date"),
        (
            {"start_date": "2026-01-02T00:00:00Z", "end_date": "2026-01-02T00:00:00Z"},
            "start_date",
        ),
        ({"review_status": "done"}, "review_status 'done'"),
        ({"quality_rating": "great"}, "quality_rating 'great'"),
    ],
)
async def test_bad_parameters(
    service: SessionQueryService, params: dict[str, Any], needle: str
) -> None:
    with pytest.raises(ValidationFailed) as info:
        await service.list_sessions(SessionListParams(**params))
    assert needle in info.value.message


async def test_active_and_queued(service: SessionQueryService, seeded: Seeded) -> None:
    result = await service.active()
    assert [i.id for i in result.active] == [seeded.s3, seeded.s6]
    assert [(i.id, i.queue_position) for i in result.queued] == [(seeded.s4, 1), (seeded.s5, 2)]
    assert result.queued[0].status == "pending"


async def test_filter_options(service: SessionQueryService, seeded: Seeded) -> None:
    options = await service.filter_options()
    assert options.alert_types == ["database", "kubernetes"]
    assert options.chain_ids == ["db-chain", "k8s-chain"]
    assert [s.value for s in options.statuses] == [
        "pending",
        "in_progress",
        "cancelling",
        "completed",
        "failed",
        "cancelled",
        "timed_out",
    ]


async def test_detail_nests_sub_agents(service: SessionQueryService, seeded: Seeded) -> None:
    detail = await service.detail(seeded.s1)
    ex = seeded.execution_ids
    assert detail.alert_data == "Pod OOMKilled in namespace prod"
    assert detail.mcp_selection == {"servers": [{"name": "kubernetes-server"}]}
    assert detail.chat_enabled is True and detail.chat_message_count == 2
    assert detail.chat_id is not None
    assert (detail.total_stages, detail.completed_stages, detail.failed_stages) == (4, 3, 1)
    assert detail.unpriced_interaction_count == 2 and detail.cost_completeness == "partial"
    assert [s.stage_index for s in detail.stages] == [1, 2, 3, 4, 5]
    assert detail.stages[1].referenced_stage_id == seeded.stage_ids["inv"]
    assert detail.stages[0].parallel_type == "multi_agent"
    investigation = detail.stages[0]
    assert [e.execution_id for e in investigation.executions] == [ex["A"], ex["B"]]
    orchestrator, other = investigation.executions
    assert [e.execution_id for e in orchestrator.sub_agents] == [ex["A1"], ex["A2"]]
    assert orchestrator.sub_agents[0].task == "check pods"
    assert orchestrator.sub_agents[0].parent_execution_id == ex["A"]
    assert orchestrator.sub_agents[0].sub_agents == []
    # An orchestrator's usage includes its sub-agents'.
    assert (orchestrator.input_tokens, orchestrator.total_tokens) == (130, 195)
    assert orchestrator.estimated_cost_usd == pytest.approx(0.011)
    assert orchestrator.cost_completeness == "partial"
    assert other.original_llm_provider == "gemini" and other.original_model_name == "g"
    assert (other.fallback_reason, other.fallback_error_code, other.fallback_attempt) == (
        "rate limited",
        "429",
        2,
    )
    assert [e.agent_name for e in detail.stages[1].executions] == ["C"]
    assert detail.stages[4].executions == []


async def test_detail_without_cost_estimation_or_chat(database: Database, seeded: Seeded) -> None:
    service = SessionQueryService(
        database, cost_estimation_enabled=False, chat_enabled_for=lambda chain: chain != "k8s-chain"
    )
    detail = await service.detail(seeded.s1)
    assert detail.chat_enabled is False and detail.cost_estimation_enabled is False
    assert detail.estimated_cost_usd is None and detail.cost_completeness is None
    assert detail.stages[0].executions[0].estimated_cost_usd is None
    listed = await service.list_sessions(SessionListParams())
    assert listed.cost_estimation_enabled is False
    assert all(i.estimated_cost_usd is None for i in listed.sessions)


async def test_summary_and_status(service: SessionQueryService, seeded: Seeded) -> None:
    summary = await service.summary(seeded.s1)
    assert (summary.llm_interactions, summary.mcp_interactions) == (5, 3)
    assert summary.total_interactions == 8
    assert summary.total_tokens == 505 and summary.total_duration_ms == 600_000
    assert summary.chain_statistics.model_dump() == {
        "total_stages": 4,
        "completed_stages": 3,
        "failed_stages": 1,
        "current_stage_index": 4,
    }
    pending = await service.summary(seeded.s4)
    assert pending.total_duration_ms is None and pending.chain_statistics.total_stages == 0
    status = await service.status(seeded.s2)
    assert (status.status, status.error_message, status.final_analysis) == ("failed", "boom", None)


async def test_timeline_is_ordered_by_sequence(
    service: SessionQueryService, seeded: Seeded
) -> None:
    events = await service.timeline(seeded.s1)
    assert [e.sequence_number for e in events] == [1, 2, 3]
    assert [e.event_type for e in events] == ["llm_thinking", "provider_fallback", "llm_response"]
    assert events[1].metadata == {"reason": "rate limited", "error_code": "429", "attempt": 2}
    assert await service.timeline(seeded.s4) == []


@pytest.mark.parametrize("method", ["detail", "summary", "status", "timeline"])
async def test_unknown_and_deleted_sessions_are_not_found(
    service: SessionQueryService, seeded: Seeded, method: str
) -> None:
    for sid in (seeded.deleted, "no-such-session"):
        with pytest.raises(NotFound, match=f"session {sid} not found"):
            await getattr(service, method)(sid)
