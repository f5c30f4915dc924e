"""Trace reads on SQLite and PostgreSQL, from seeded rows: the order of stages, executions and
interactions, session-level interactions, sub-agent nesting, and the conversation of an LLM
interaction (reconstructed from messages, or stored inline in ``llm_request``)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from tarsy.db.engine import Database
from tarsy.db.tables import (
    AgentExecution,
    AlertSession,
    LLMInteraction,
    MCPInteraction,
    MessageRow,
    Stage,
)
from tarsy.domain.errors import NotFound
from tarsy.domain.ids import new_id
from tarsy.services.trace import TraceQueryService

T0 = datetime(2026, 1, 1, tzinfo=UTC)


def at(seconds: float) -> datetime:
    return T0 + timedelta(seconds=seconds)


def llm(sid: str, stage: str | None, execution: str | None, when: float, **kw: Any) -> Any:
    values: dict[str, Any] = {
        "interaction_id": new_id(),
        "session_id": sid,
        "stage_id": stage,
        "execution_id": execution,
        "interaction_type": "iteration",
        "model_name": "m",
        "created_at": at(when),
    }
    return LLMInteraction(**(values | kw))


def message(sid: str, stage: str, execution: str, seq: int, role: str, **kw: Any) -> Any:
    return MessageRow(
        message_id=new_id(),
        session_id=sid,
        stage_id=stage,
        execution_id=execution,
        sequence_number=seq,
        role=role,
        content=kw.pop("content", f"{role} {seq}"),
        created_at=at(seq),
        **kw,
    )


def execution(sid: str, stage: str, name: str, index: int, **kw: Any) -> Any:
    return AgentExecution(
        execution_id=new_id(),
        stage_id=stage,
        session_id=sid,
        agent_name=name,
        agent_index=index,
        status="completed",
        started_at=at(index),
        **kw,
    )


async def test_trace_order_nesting_and_conversations(database: Database) -> None:
    sid = new_id()
    first, second = new_id(), new_id()
    b = execution(sid, first, "B", 2)
    a = execution(sid, first, "A", 1)
    sub = execution(sid, first, "Sub", 1, parent_execution_id=a.execution_id)
    summary = execution(sid, second, "ExecSummaryAgent", 1)
    m = [
        message(sid, first, a.execution_id, 1, "system"),
        message(sid, first, a.execution_id, 2, "user"),
        message(
            sid,
            first,
            a.execution_id,
            3,
            "assistant",
            content="",
            tool_calls=[{"id": "c1", "name": "k8s.get", "arguments": '{"pod": "x"}'}],
        ),
        message(sid, first, a.execution_id, 4, "tool", tool_call_id="c1", tool_name="k8s.get"),
        message(sid, first, a.execution_id, 5, "assistant"),
    ]
    # Same created_at: the position of the last message decides.
    later = llm(sid, first, a.execution_id, 10, last_message_id=m[4].message_id)
    earlier = llm(sid, first, a.execution_id, 10, last_message_id=m[2].message_id)
    inline = [{"role": "system", "content": "compress"}, {"role": "user", "content": "raw"}]
    summarization = llm(
        sid,
        first,
        a.execution_id,
        11,
        interaction_type="summarization",
        last_message_id=m[4].message_id,
        llm_request={"messages_count": 2, "conversation": [*inline, {"role": "robot"}]},
    )
    unstored = llm(sid, first, a.execution_id, 12, interaction_type="summarization", llm_request={})
    session_level = llm(sid, None, None, 1, interaction_type="executive_summary")
    tool = MCPInteraction(
        interaction_id=new_id(),
        session_id=sid,
        stage_id=first,
        execution_id=sub.execution_id,
        interaction_type="tool_call",
        server_name="k8s",
        tool_name="get",
        tool_arguments={"pod": "x"},
        tool_result={"content": "Running", "is_error": False},
        created_at=at(5),
    )
    other = new_id()

    def alert_session(session_id: str) -> AlertSession:
        return AlertSession(
            session_id=session_id,
            alert_data="a",
            agent_type="k",
            alert_type="k",
            chain_id="c",
            status="completed",
            created_at=T0,
        )

    groups: list[list[Any]] = [  # parents first: the tables declare no ORM relationships
        [alert_session(sid), alert_session(other)],
        [
            Stage(
                stage_id=second,
                session_id=sid,
                stage_name="Executive Summary",
                stage_index=2,
                stage_type="exec_summary",
            ),
            Stage(stage_id=first, session_id=sid, stage_name="investigate", stage_index=1),
        ],
        [b, a, summary],
        [sub, *m],
        [later, earlier, summarization, unstored, session_level, tool],
    ]
    async with database.sessions.begin() as s:
        for group in groups:
            s.add_all(group)
            await s.flush()

    service = TraceQueryService(database)
    trace = await service.session_trace(sid)
    assert [s.stage_name for s in trace.stages] == ["investigate", "Executive Summary"]
    assert [e.agent_name for e in trace.stages[0].executions] == ["A", "B"]
    assert [e.agent_name for e in trace.stages[1].executions] == ["ExecSummaryAgent"]
    [top_a, top_b] = trace.stages[0].executions
    assert [x.id for x in top_a.llm_interactions] == [
        earlier.interaction_id,
        later.interaction_id,
        summarization.interaction_id,
        unstored.interaction_id,
    ]
    assert top_a.mcp_interactions == [] and top_b.sub_agents == []
    [nested] = top_a.sub_agents
    assert nested.agent_name == "Sub"
    assert [(x.server_name, x.tool_name) for x in nested.mcp_interactions] == [("k8s", "get")]
    assert [x.id for x in trace.session_interactions] == [session_level.interaction_id]

    detail = await service.llm_interaction(sid, earlier.interaction_id)
    assert [(c.role, c.content) for c in detail.conversation] == [
        ("system", "system 1"),
        ("user", "user 2"),
        ("assistant", ""),
    ]
    assert [c.model_dump() for c in detail.conversation[2].tool_calls] == [
        {"id": "c1", "name": "k8s.get", "arguments": '{"pod": "x"}'}
    ]
    full = await service.llm_interaction(sid, later.interaction_id)
    assert [c.role for c in full.conversation] == [
        "system",
        "user",
        "assistant",
        "tool",
        "assistant",
    ]
    assert (full.conversation[3].tool_call_id, full.conversation[3].tool_name) == (
        "c1",
        "k8s.get",
    )
    stored = await service.llm_interaction(sid, summarization.interaction_id)
    assert [c.model_dump(include={"role", "content"}) for c in stored.conversation] == inline
    assert (await service.llm_interaction(sid, unstored.interaction_id)).conversation == []
    assert (await service.llm_interaction(sid, session_level.interaction_id)).conversation == []

    mcp = await service.mcp_interaction(sid, tool.interaction_id)
    assert mcp.arguments == {"pod": "x"} and mcp.result == {"content": "Running", "is_error": False}
    assert mcp.execution_id == sub.execution_id

    with pytest.raises(NotFound):
        await service.llm_interaction(other, later.interaction_id)
    with pytest.raises(NotFound):
        await service.mcp_interaction(other, tool.interaction_id)
    with pytest.raises(NotFound):
        await service.session_trace(new_id())
    empty = await service.session_trace(other)
    assert empty.stages == [] and empty.session_interactions == []
