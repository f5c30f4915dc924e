"""Concurrency: 4 alerts, 3 workers, at most 2 sessions at once, and nothing leaks between them;
and 100 sessions at once on SQLite, all completed, none stuck, no "database is locked".

Each alert carries a unique marker. A deterministic function model reads the marker from the
conversation it is sent, calls an in-process tool with it and quotes the tool's answer; the tool
echoes its arguments with a fresh receipt and holds every caller until two sessions are inside it
at once (or a few seconds pass), so the sessions surely overlap. Afterwards every model request,
trace message, tool interaction, timeline event, published event and outbox row of a session
must mention its own marker and receipt only, and at most two sessions may have run at once.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
import re
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass, field, replace
from datetime import datetime, timedelta
from typing import Any
from uuid import uuid4

import pytest
from sqlalchemy import func, select

from tarsy.config import ResolvedAgentConfig, Settings, load_config
from tarsy.db.tables import AlertSession as AlertSessionRow
from tarsy.db.tables import Event, LLMInteraction, MCPInteraction, MessageRow
from tarsy.db.tables import TimelineEvent as TimelineEventRow
from tarsy.domain.messages import ToolCall
from tarsy.domain.statuses import MessageRole
from tarsy.domain.tools import JsonValue, StaticToolset, ToolDef, ToolResult
from tarsy.events.bus import Fill, Payload
from tarsy.llm.model import Model
from tarsy.llm.scripted import FunctionModel
from tarsy.llm.types import ModelRequest, StreamEvent, TextDelta, ToolCallEvent, Usage
from tarsy.pipeline.ports import ModelHooks
from tests.e2e.harness import RunningApp, running_app
from tests.e2e.test_first_investigation import FAST_QUEUE

ALERTS = 4
QUEUE = replace(FAST_QUEUE, worker_count=3, max_concurrent_sessions=2)
QUORUM = 2  # the tool holds its callers until this many sessions are inside it at once
PATIENCE = 10.0  # ...or until this many seconds have passed
HOLD = 0.25  # seconds every tool call takes once released
TOOL = "kubernetes-server.echo"
MARKER = re.compile(r"alert-\d+-[0-9a-f]{12}")
RECEIPT = re.compile(r"receipt-[0-9a-f]{12}")


def markers_in(value: Any) -> set[str]:
    text = value if isinstance(value, str) else json.dumps(value, default=str)
    return set(MARKER.findall(text))


def receipts_in(value: Any) -> set[str]:
    text = value if isinstance(value, str) else json.dumps(value, default=str)
    return set(RECEIPT.findall(text))


@dataclass(frozen=True, slots=True)
class Seen:
    """One model request: whose it was and which markers its conversation contained."""

    session_id: str
    execution_id: str
    agent_name: str
    markers: frozenset[str]


@dataclass
class MarkerModel:
    """The model's behaviour: a tool call with the marker, then an answer quoting the result."""

    seen: list[Seen] = field(default_factory=list)

    async def __call__(self, request: ModelRequest) -> Sequence[StreamEvent]:
        text = "\n".join(
            [m.content for m in request.messages]
            + [c.arguments for m in request.messages for c in m.tool_calls]
        )
        found = MARKER.findall(text)
        self.seen.append(
            Seen(request.session_id, request.execution_id, request.agent_name, frozenset(found))
        )
        await asyncio.sleep(0.01)  # let the other sessions interleave
        if not found:
            return [TextDelta("no marker in the conversation"), Usage(10, 5)]
        marker = found[0]
        if request.agent_name == "ExecSummaryAgent":
            receipts = " ".join(sorted(set(RECEIPT.findall(text))))
            return chunks(f"Summary of {marker}: receipts {receipts}.")
        results = [m.content for m in request.messages if m.role is MessageRole.TOOL]
        if not results:
            args = json.dumps({"marker": marker})
            return [ToolCallEvent(ToolCall(f"call-{marker}", TOOL, args)), Usage(100, 20)]
        return chunks(f"Analysis of {marker}. The tool answered: {results[-1]}")


def chunks(text: str) -> list[StreamEvent]:
    """``text`` as three deltas, so that stream chunks are published too."""
    third = max(1, len(text) // 3)
    parts = [text[:third], text[third : 2 * third], text[2 * third :]]
    return [*(TextDelta(p) for p in parts if p), Usage(100, 50)]


@dataclass(frozen=True, slots=True)
class Quorum:
    """What was true when ``QUORUM`` sessions were inside the tool at once."""

    inside: frozenset[str]
    active_ids: frozenset[str]


class EchoTools:
    """Implements ``Toolset``: echoes the arguments with a per-call receipt; a meeting point."""

    def __init__(self, on_quorum: Callable[[frozenset[str]], Awaitable[None]]) -> None:
        self._on_quorum = on_quorum
        self._inside: dict[str, str] = {}  # receipt -> marker of the calls inside now
        self._gate = asyncio.Event()
        self.issued: dict[str, str] = {}  # receipt -> marker
        self.peak = 0

    async def list_tools(self) -> Sequence[ToolDef]:
        schema: dict[str, JsonValue] = {
            "type": "object",
            "properties": {"marker": {"type": "string"}},
        }
        return [ToolDef(TOOL, "Echo the arguments with a receipt", schema)]

    async def call_tool(self, name: str, arguments: str) -> ToolResult:
        args = json.loads(arguments)
        receipt = f"receipt-{uuid4().hex[:12]}"
        self.issued[receipt] = str(args.get("marker"))
        self._inside[receipt] = str(args.get("marker"))
        self.peak = max(self.peak, len(self._inside))
        gate = self._gate
        try:
            if len(self._inside) >= QUORUM:
                self._gate = asyncio.Event()
                await self._on_quorum(frozenset(self._inside.values()))
                gate.set()
            with contextlib.suppress(TimeoutError):
                async with asyncio.timeout(PATIENCE):
                    await gate.wait()
            await asyncio.sleep(HOLD)
        finally:
            del self._inside[receipt]
        return ToolResult(json.dumps({"tool": name, "echo": args, "receipt": receipt}))


class ActiveSampler:
    """Polls ``/api/v1/sessions/active`` until stopped; remembers every ``active`` list."""

    def __init__(self) -> None:
        self.app: RunningApp | None = None
        self.samples: list[list[dict[str, Any]]] = []
        self._task: asyncio.Task[None] | None = None

    async def sample(self) -> list[dict[str, Any]]:
        assert self.app is not None
        response = await self.app.client.get("/api/v1/sessions/active")
        assert response.status_code == 200, response.text
        active: list[dict[str, Any]] = response.json()["active"]
        self.samples.append(active)
        return active

    async def _loop(self) -> None:
        while True:
            await self.sample()
            await asyncio.sleep(0.01)

    def start(self, app: RunningApp) -> None:
        self.app = app
        self._task = asyncio.create_task(self._loop())

    async def stop(self) -> None:
        assert self._task is not None
        self._task.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await self._task


def max_overlap(intervals: Sequence[tuple[datetime, datetime]]) -> int:
    """The largest number of half-open ``[start, end)`` intervals that share an instant."""
    points = sorted([(end, -1) for _, end in intervals] + [(start, 1) for start, _ in intervals])
    current = peak = 0
    for _, step in points:  # at equal instants ends (-1) sort before starts (+1)
        current += step
        peak = max(peak, current)
    return peak


def stamp(value: str) -> datetime:
    return datetime.fromisoformat(value.replace("Z", "+00:00"))


@dataclass(frozen=True, slots=True)
class Ownership:
    """Which marker and receipts belong to which session."""

    marker_of: dict[str, str]
    receipts_of: dict[str, set[str]]

    def check(self, sid: str, what: str, value: Any) -> None:
        """``value`` of session ``sid`` mentions no other session's marker or receipt."""
        own, own_receipts = {self.marker_of[sid]}, self.receipts_of[sid]
        markers, receipts = markers_in(value), receipts_in(value)
        assert markers <= own, f"session {sid}: {what} mentions {markers - own}: {value!r}"
        assert receipts <= own_receipts, (
            f"session {sid}: {what} mentions receipts {receipts - own_receipts}: {value!r}"
        )


async def test_concurrent_sessions_stay_isolated_under_the_limit(
    settings: Settings, monkeypatch: pytest.MonkeyPatch
) -> None:
    behaviour = MarkerModel()
    model = FunctionModel(behaviour, model_name="marker-echo")

    def models(agent: ResolvedAgentConfig, hooks: ModelHooks) -> Model:
        return model

    sampler = ActiveSampler()
    quorums: list[Quorum] = []

    async def on_quorum(inside: frozenset[str]) -> None:
        active = await sampler.sample()
        quorums.append(Quorum(inside, frozenset(s["id"] for s in active)))

    tools = EchoTools(on_quorum)
    published: list[tuple[str, Payload]] = []
    async with running_app(
        settings,
        load_config(None),
        models=models,
        queue=QUEUE,
        toolsets={"kubernetes-server": tools},
    ) as app:
        publish = app.container.bus.publish

        async def recording(
            channel: str, payload: Payload, *, persist: bool = False, fill: Fill | None = None
        ) -> None:
            published.append((channel, json.loads(json.dumps(payload, default=str))))
            await publish(channel, payload, persist=persist, fill=fill)

        monkeypatch.setattr(app.container.bus, "publish", recording)
        assert app.container.pool is not None
        assert app.container.pool.status().worker_count == 3

        sampler.start(app)
        marker_of: dict[str, str] = {}
        for n in range(1, ALERTS + 1):
            marker = f"alert-{n}-{uuid4().hex[:12]}"
            sid = await app.submit(f"Pod api-{n} CrashLoopBackOff in prod; marker {marker}")
            marker_of[sid] = marker
        statuses = {sid: await app.wait_status(sid, timeout=60) for sid in marker_of}
        await sampler.stop()
        assert app.container.pool.status().alive_workers == 3

        details = {
            sid: (await app.client.get(f"/api/v1/sessions/{sid}")).json() for sid in marker_of
        }
        timelines = {
            sid: (await app.client.get(f"/api/v1/sessions/{sid}/timeline")).json()
            for sid in marker_of
        }
        async with app.container.db.sessions() as s:
            messages = list((await s.scalars(select(MessageRow))).all())
            mcp_rows = list((await s.scalars(select(MCPInteraction))).all())
            llm_rows = list((await s.scalars(select(LLMInteraction))).all())
            outbox = list((await s.scalars(select(Event))).all())

    # All four completed, each with its own marker.
    assert {sid: st["status"] for sid, st in statuses.items()} == dict.fromkeys(
        marker_of, "completed"
    ), statuses
    assert len(set(marker_of.values())) == ALERTS
    sessions_of_marker = {m: sid for sid, m in marker_of.items()}
    receipts_of: dict[str, set[str]] = {sid: set() for sid in marker_of}
    for receipt, marker in tools.issued.items():
        assert marker in sessions_of_marker, f"tool called with unknown marker {marker!r}"
        receipts_of[sessions_of_marker[marker]].add(receipt)
    assert {sid: len(r) for sid, r in receipts_of.items()} == dict.fromkeys(marker_of, 1)
    owner = Ownership(marker_of, receipts_of)

    executions = {
        sid: {e["execution_id"] for st in d["stages"] for e in st["executions"]}
        for sid, d in details.items()
    }
    stage_ids = {sid: {st["id"] for st in d["stages"]} for sid, d in details.items()}
    event_ids = {sid: {e["event_id"] for e in tl} for sid, tl in timelines.items()}
    for sid, marker in marker_of.items():
        [receipt] = receipts_of[sid]
        status = statuses[sid]
        for key in ("final_analysis", "executive_summary"):
            assert marker in status[key] and receipt in status[key], (sid, key, status[key])
            owner.check(sid, key, status[key])
        assert details[sid]["alert_data"].endswith(marker)
        owner.check(sid, "detail", details[sid])

        timeline = timelines[sid]
        assert {e["session_id"] for e in timeline} == {sid}
        assert {e["execution_id"] for e in timeline} <= executions[sid] | {None}
        assert {e["stage_id"] for e in timeline} <= stage_ids[sid] | {None}
        for event in timeline:
            owner.check(sid, f"timeline event {event['event_type']}", event)
        [call] = [e for e in timeline if e["event_type"] == "llm_tool_call"]
        assert marker in call["metadata"]["arguments"] and receipt in call["content"]
        finals = [e["content"] for e in timeline if e["event_type"] == "final_analysis"]
        assert len(finals) == 2 and all(marker in f for f in finals), finals

    # The trace: conversation messages, LLM and MCP interactions.
    assert {m.session_id for m in messages} == set(marker_of)
    for row in messages:
        sid = row.session_id
        assert row.execution_id in executions[sid] and row.stage_id in stage_ids[sid]
        owner.check(sid, f"{row.role} message", [row.content, row.tool_calls])
        if row.role == MessageRole.TOOL.value:
            assert receipts_in(row.content) == receipts_of[sid], row.content
    for sid, marker in marker_of.items():
        users = [m.content for m in messages if m.session_id == sid and m.role == "user"]
        assert any(marker in u for u in users), users
    tool_calls = [r for r in mcp_rows if r.interaction_type == "tool_call"]
    assert len(tool_calls) == ALERTS
    for mcp in mcp_rows:
        sid = mcp.session_id
        assert mcp.execution_id in executions[sid]
        owner.check(sid, "MCP interaction", [mcp.tool_arguments, mcp.tool_result])
    for mcp in tool_calls:
        assert mcp.tool_arguments == {"marker": marker_of[mcp.session_id]}
        assert receipts_in(mcp.tool_result) == receipts_of[mcp.session_id]
    assert {r.session_id for r in llm_rows} == set(marker_of)
    for llm in llm_rows:
        assert llm.execution_id in executions[llm.session_id]

    # What the model was sent: each request carries its own session's marker and nothing else.
    assert behaviour.seen
    for seen in behaviour.seen:
        assert seen.markers == {marker_of[seen.session_id]}, seen
        assert seen.execution_id in executions[seen.session_id], seen

    # Published events (live WebSocket feed) and the outbox (catch-up).
    assert published
    for channel, payload in published:
        sid = payload["session_id"]
        assert channel in (f"session:{sid}", "sessions"), (channel, payload)
        owner.check(sid, f"event {payload['type']} on {channel}", payload)
        if "event_id" in payload:
            assert payload["event_id"] in event_ids[sid], payload
    chunked = {p["session_id"] for _, p in published if p["type"] == "stream.chunk"}
    assert chunked == set(marker_of)
    assert outbox
    for stored in outbox:
        assert stored.payload["session_id"] == stored.session_id
        assert stored.channel == f"session:{stored.session_id}"
        owner.check(stored.session_id, "outbox event", stored.payload)

    # At most two at once, and two did run at once.
    assert sampler.samples
    assert max(len(active) for active in sampler.samples) <= 2
    assert quorums, "no two sessions were ever inside the tool at once"
    for quorum in quorums:
        assert quorum.inside == {marker_of[sid] for sid in quorum.active_ids}, quorum
    assert tools.peak == 2
    # A session runs from its first stage's start (after its claim) to its completion (before
    # its slot is released); the session's own started_at is stamped before the claim's lock.
    intervals = [
        (stamp(d["stages"][0]["started_at"]), stamp(d["completed_at"])) for d in details.values()
    ]
    assert max_overlap(intervals) == 2, intervals


CROWD = 100


async def test_a_hundred_concurrent_sessions_on_sqlite_all_complete(
    sqlite_settings: Settings, caplog: pytest.LogCaptureFixture
) -> None:
    """100 alerts, 100 workers: every session's first model call waits until all 100 are in
    flight, then all of them write at once (timeline, trace, tool calls, heartbeats) to one
    SQLite database. Every session completes with its own analysis; nothing is stuck and no
    write reports "database is locked"."""
    behaviour = MarkerModel()
    crowd = asyncio.Barrier(CROWD)
    first_calls: set[str] = set()

    async def gathered(request: ModelRequest) -> Sequence[StreamEvent]:
        if request.agent_name != "ExecSummaryAgent" and request.session_id not in first_calls:
            first_calls.add(request.session_id)
            async with asyncio.timeout(60):
                await crowd.wait()
        return await behaviour(request)

    model = FunctionModel(gathered, model_name="marker-echo")

    def models(agent: ResolvedAgentConfig, hooks: ModelHooks) -> Model:
        return model

    tools = StaticToolset([(ToolDef(TOOL, "Echo"), "api-7d9 OOMKilled, 12 restarts")])
    queue = replace(
        QUEUE,
        worker_count=CROWD,
        max_concurrent_sessions=CROWD,
        heartbeat_interval=timedelta(seconds=1),
    )
    caplog.set_level(logging.WARNING)
    async with running_app(
        sqlite_settings,
        load_config(None),
        models=models,
        queue=queue,
        toolsets={"kubernetes-server": tools},
    ) as app:
        marker_of: dict[str, str] = {}
        for n in range(CROWD):
            marker = f"alert-{n}-{uuid4().hex[:12]}"
            marker_of[await app.submit(f"Pod api-{n} OOMKilled; marker {marker}")] = marker
        await until_none_active(app, timeout=120)
        statuses = {
            sid: (await app.client.get(f"/api/v1/sessions/{sid}/status")).json()
            for sid in marker_of
        }
        async with app.container.db.sessions() as s:
            timeline = list((await s.scalars(select(TimelineEventRow.content))).all())

    assert {sid: st["status"] for sid, st in statuses.items()} == dict.fromkeys(
        marker_of, "completed"
    )
    assert len(first_calls) == CROWD and crowd.n_waiting == 0  # all 100 were in flight at once
    for sid, marker in marker_of.items():
        assert marker in statuses[sid]["final_analysis"], statuses[sid]
        assert statuses[sid]["error_message"] is None, statuses[sid]
    locked = [r.getMessage() for r in caplog.records if "database is locked" in r.getMessage()]
    locked += [c for c in timeline if c and "database is locked" in c]
    assert locked == []


async def until_none_active(app: RunningApp, timeout: float) -> None:
    """Wait until no session is pending or running (one query a second, not one per session)."""
    loop = asyncio.get_running_loop()
    deadline = loop.time() + timeout
    while True:
        async with app.container.db.sessions() as s:
            rows = await s.execute(
                select(AlertSessionRow.status, func.count()).group_by(AlertSessionRow.status)
            )
            counts = {status: int(n) for status, n in rows.all()}
        if not counts.keys() & {"pending", "in_progress", "cancelling"}:
            return
        assert loop.time() < deadline, f"not all terminal after {timeout:.0f} s: {counts}"
        await asyncio.sleep(1)
