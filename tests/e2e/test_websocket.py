"""The WebSocket of live updates (SPEC §6): the full event sequence of a two-stage session, its
streaming pattern, reconnect with catch-up, overflow, and the protocol's error paths."""

from __future__ import annotations

import asyncio
from collections import defaultdict
from pathlib import Path
from typing import Any

import pytest
from pydantic import TypeAdapter
from websockets.exceptions import InvalidStatus

from tarsy.config import ResolvedAgentConfig, Settings, TarsyConfig, load_config
from tarsy.domain.tools import StaticToolset, ToolDef
from tarsy.events.payloads import PAYLOADS, PERSISTED
from tarsy.llm.model import Model
from tarsy.llm.scripted import ScriptedModel, Turn
from tarsy.pipeline.ports import ModelHooks
from tests.e2e.harness import RunningApp, running_app
from tests.e2e.test_first_investigation import FAST_QUEUE
from tests.e2e.ws import Message, WsClient, ws_client

TARSY_YAML = """\
defaults:
  llm_provider: scripted
  max_iterations: 3
agents:
  Triage:
    description: looks at the pod
    mcp_servers: [kubernetes-server]
  Deep:
    description: digs into the logs
    mcp_servers: [kubernetes-server]
agent_chains:
  two-stage:
    alert_types: [two-stage]
    stages:
      - name: triage
        agents: [{name: Triage}]
      - name: deep
        agents: [{name: Deep}]
"""
PROVIDERS_YAML = "llm_providers:\n  scripted:\n    type: scripted\n    model: scripted-test\n"
TOOLS = {
    "kubernetes-server": StaticToolset(
        [
            (ToolDef("kubernetes-server.pods_get", "Pod"), "api-1 CrashLoopBackOff, 7 restarts"),
            (ToolDef("kubernetes-server.pods_log", "Logs"), "FATAL: cannot reach db:5432"),
        ]
    )
}
ANSWER_1 = "Triage: api-1 crash-loops because it cannot reach the database on port 5432."
ANSWER_2 = "Deep: the db Service lost its endpoints after the node drain; restore the replica."
THINKING = "The restarts point at a dependency; check the logs before concluding."


def two_stage_config(tmp_path: Path) -> TarsyConfig:
    (tmp_path / "cfg").mkdir(exist_ok=True)
    (tmp_path / "cfg" / "tarsy.yaml").write_text(TARSY_YAML)
    (tmp_path / "cfg" / "llm-providers.yaml").write_text(PROVIDERS_YAML)
    return load_config(tmp_path / "cfg", env={})


def scripted(gate: asyncio.Event | None = None, middle: asyncio.Event | None = None) -> Any:
    """Triage: two tool calls (the first waits for ``gate``), then a streamed answer with
    thinking; Deep (waits for ``middle``): one tool call, then a streamed answer; summary."""
    first = Turn.tool_calls(("kubernetes-server.pods_get", "{}"), text="Checking the pod.")
    if gate is not None:
        first = Turn(first.events, block=gate)
    deep_first = Turn.tool_calls(("kubernetes-server.pods_log", "{}"))
    if middle is not None:
        deep_first = Turn(deep_first.events, block=middle)
    model = ScriptedModel(
        routes={
            "Triage": [
                first,
                Turn.tool_calls(("kubernetes-server.pods_log", "{}")),
                Turn.streamed(ANSWER_1, pieces=12, delay=0.004, thinking=THINKING),
            ],
            "Deep": [deep_first, Turn.streamed(ANSWER_2, pieces=12, delay=0.004)],
            "ExecSummaryAgent": [Turn.streamed("api-1 down: db endpoints lost.", pieces=4)],
        }
    )

    def factory(agent: ResolvedAgentConfig, hooks: ModelHooks) -> Model:
        return model

    return factory


async def submit(app: RunningApp) -> str:
    response = await app.client.post(
        "/api/v1/alerts", json={"alert_type": "two-stage", "data": "api-1 CrashLoopBackOff"}
    )
    assert response.status_code == 202, response.text
    return str(response.json()["session_id"])


def is_final(sid: str) -> Any:
    return lambda m: (
        (m.get("type") == "session.status" and m.get("status") in ("completed", "failed"))
        and m.get("session_id") == sid
    )


def events_of(client: WsClient, sid: str) -> list[Message]:
    return [m for m in client.messages if m.get("session_id") == sid]


async def test_a_subscriber_sees_the_whole_two_stage_session(
    settings: Settings, tmp_path: Path
) -> None:
    gate = asyncio.Event()
    async with (
        running_app(
            settings,
            two_stage_config(tmp_path),
            models=scripted(gate),
            queue=FAST_QUEUE,
            toolsets=TOOLS,
        ) as app,
        ws_client(app.url) as client,
        ws_client(app.url) as listing,
    ):
        assert (await listing.subscribe("sessions"))["type"] == "subscription.confirmed"
        sid = await submit(app)
        confirmed = await client.subscribe(f"session:{sid}")
        assert confirmed["type"] == "subscription.confirmed"
        gate.set()
        await client.wait_for(is_final(sid))
        await listing.wait_for(is_final(sid))
        timeline = (await app.client.get(f"/api/v1/sessions/{sid}/timeline")).json()
        status = (await app.client.get(f"/api/v1/sessions/{sid}/status")).json()

    assert status["status"] == "completed", status
    # Every payload has the fields of its type (SPEC §6.2), and only persisted ones an id.
    session_events = [
        m for m in events_of(client, sid) if m.get("type") != "subscription.confirmed"
    ]
    for message in client.messages + listing.messages:
        kind = message["type"]
        if kind in PAYLOADS:
            TypeAdapter(PAYLOADS[kind]).validate_python(message, strict=False)
            assert message["session_id"] and message["timestamp"]
    persisted = [m for m in session_events if "db_event_id" in m]
    assert {m["type"] for m in persisted} == PERSISTED - {"chat.created", "review.status"}
    assert all("db_event_id" in m for m in session_events if m["type"] in PERSISTED)
    ids = [m["db_event_id"] for m in persisted]
    assert ids == sorted(ids) and len(ids) == len(set(ids)), "persisted events once, in order"

    by_type: dict[str, list[Message]] = defaultdict(list)
    for m in session_events:
        by_type[m["type"]].append(m)
    # Session and stage lifecycles.
    statuses = [m["status"] for m in by_type["session.status"] if "db_event_id" in m]
    assert statuses[-1] == "completed" and "in_progress" in statuses
    stages = [(m["stage_name"], m["status"]) for m in by_type["stage.status"]]
    assert stages == [
        ("triage", "started"),
        ("triage", "completed"),
        ("deep", "started"),
        ("deep", "completed"),
        ("Executive Summary", "started"),
        ("Executive Summary", "completed"),
    ]
    assert [m["stage_index"] for m in by_type["stage.status"]] == [1, 1, 2, 2, 3, 3]
    executions = [(m["status"], m["agent_index"]) for m in by_type["execution.status"]]
    assert executions.count(("active", 1)) == 3 and executions.count(("completed", 1)) == 3
    phases = [m["phase"] for m in by_type["execution.progress"]]
    assert phases.count("gathering_info") == 3 and "investigating" in phases
    assert "finalizing" in phases
    assert len(by_type["session.progress"]) == 3

    # The streaming pattern: created -> chunks -> completed, chunks adding up to the content.
    created = {m["event_id"]: m for m in by_type["timeline_event.created"]}
    completed = {m["event_id"]: m for m in by_type["timeline_event.completed"]}
    assert set(created) == {e["event_id"] for e in timeline}, "one created event per timeline row"
    rows = {e["event_id"]: e for e in timeline}
    position = {id(m): i for i, m in enumerate(session_events)}
    chunks: dict[str, list[Message]] = defaultdict(list)
    for m in by_type["stream.chunk"]:
        chunks[m["event_id"]].append(m)
    streamed = [eid for eid, m in created.items() if m["status"] == "streaming"]
    assert streamed, "thinking, answers and tool calls stream"
    for eid in streamed:
        assert eid in completed, f"{created[eid]['event_type']} never completed"
        assert position[id(created[eid])] < position[id(completed[eid])]
        for chunk in chunks.get(eid, []):
            assert position[id(created[eid])] < position[id(chunk)] < position[id(completed[eid])]
        if created[eid]["event_type"] in ("llm_response", "llm_thinking"):
            text = "".join(c["delta"] for c in chunks[eid])
            assert text == completed[eid]["content"] == rows[eid]["content"]
    answers = [completed[e]["content"] for e in streamed if rows[e]["event_type"] == "llm_response"]
    assert ANSWER_1 in answers and ANSWER_2 in answers
    # Chunks are batched: fewer chunk events than the model's deltas.
    answer_1 = next(e for e in streamed if completed[e]["content"] == ANSWER_1)
    assert 1 <= len(chunks[answer_1]) < 12
    # Sequence numbers of the live events are those of the stored rows.
    assert all(created[e]["sequence_number"] == rows[e]["sequence_number"] for e in created)
    # Tool calls: spinner until the result; interaction hints for each trace row.
    tool_events = [e for e in streamed if rows[e]["event_type"] == "llm_tool_call"]
    assert len(tool_events) == 3
    assert "FATAL: cannot reach db:5432" in {completed[e]["content"] for e in tool_events}
    kinds = [m["interaction_type"] for m in by_type["interaction.created"]]
    assert kinds.count("mcp") == 3 + 2 and kinds.count("llm") == 6  # tool calls + tool lists

    # The global list channel gets transient copies of the status, and the progress.
    listed = events_of(listing, sid)
    assert {m["type"] for m in listed} == {"session.status", "session.progress"}
    assert not any("db_event_id" in m for m in listed)
    assert [m["status"] for m in listed if m["type"] == "session.status"][-1] == "completed"


async def test_reconnect_with_last_event_id_gets_exactly_the_missed_events(
    settings: Settings, tmp_path: Path
) -> None:
    gate, middle = asyncio.Event(), asyncio.Event()
    async with running_app(
        settings,
        two_stage_config(tmp_path),
        models=scripted(gate, middle),
        queue=FAST_QUEUE,
        toolsets=TOOLS,
    ) as app:
        sid = await submit(app)
        channel = f"session:{sid}"
        async with ws_client(app.url) as first:
            await first.subscribe(channel)
            gate.set()
            await first.wait_for(
                lambda m: (
                    m.get("type") == "stage.status"
                    and m.get("stage_name") == "triage"
                    and m.get("status") == "completed"
                )
            )
            seen = [m["db_event_id"] for m in first.messages if "db_event_id" in m]
        # Dropped: the session goes on while nobody listens.
        middle.set()
        await app.wait_status(sid)
        async with ws_client(app.url) as again:
            await again.subscribe(channel, last_event_id=max(seen))
            await again.wait_for(is_final(sid))
            await asyncio.sleep(0.2)  # nothing else may follow
            caught_up = [m["db_event_id"] for m in again.messages if "db_event_id" in m]
        async with ws_client(app.url) as fresh:
            await fresh.subscribe(channel)
            await fresh.wait_for(is_final(sid))
            everything = [m["db_event_id"] for m in fresh.messages if "db_event_id" in m]

    assert not set(seen) & set(caught_up), "no duplicate"
    assert sorted(seen + caught_up) == everything, "no gap"
    assert caught_up == sorted(caught_up)


async def test_catch_up_past_the_cap_says_overflow(settings: Settings, tmp_path: Path) -> None:
    async with running_app(
        settings, two_stage_config(tmp_path), models=scripted(), queue=FAST_QUEUE, toolsets=TOOLS
    ) as app:
        app.container.api.live.catchup_limit = 10
        sid = await submit(app)
        await app.wait_status(sid)
        # The REST status is stored a moment before the events the run posts after it (its
        # status event): wait for those too, or one of them arrives live mid-catch-up.
        await app.container.db.writer.flush()
        async with ws_client(app.url) as client:
            await client.subscribe(f"session:{sid}")
            overflow = await client.wait_for(lambda m: m.get("type") == "catchup.overflow")
            stored = [m["db_event_id"] for m in client.messages if "db_event_id" in m]
            # An explicit catch-up continues where the capped one stopped.
            start = len(client.messages)
            await client.send(action="catchup", channel=f"session:{sid}", last_event_id=stored[-1])
            await client.wait_for(lambda m: m.get("type") == "catchup.overflow", start=start)
            more = [m["db_event_id"] for m in client.messages[start:] if "db_event_id" in m]
    assert overflow == {"type": "catchup.overflow", "channel": f"session:{sid}", "has_more": True}
    assert len(stored) == 10 and len(more) == 10 and more[0] > stored[-1]


async def test_protocol_errors_and_origins(settings: Settings, tmp_path: Path) -> None:
    config = two_stage_config(tmp_path)
    async with running_app(settings, config, queue=FAST_QUEUE, toolsets=TOOLS) as app:
        async with ws_client(app.url, origin="http://localhost:5173") as client:
            await client.send(action="ping")
            await client.wait_for(lambda m: m == {"type": "pong"})
            await client.conn.send("not json")
            await client.wait_for(lambda m: m.get("type") == "error" and "JSON" in m["message"])
            await client.send(action="subscribe")
            await client.wait_for(lambda m: m.get("message") == "subscribe needs a channel")
            await client.send(action="shout", channel="sessions")
            await client.wait_for(lambda m: m.get("message") == "unknown action 'shout'")
            refused = await client.subscribe("cancellations")
            assert refused["type"] == "subscription.error"
            await client.send(action="subscribe", channel="sessions", last_event_id="x")
            await client.wait_for(lambda m: m.get("message") == "last_event_id must be an integer")
            await client.send(action="ping")
            await client.wait_for(lambda m: m == {"type": "pong"}, start=len(client.messages) - 1)
        async with ws_client(app.url, origin="http://127.0.0.1:3000"):
            pass
        with pytest.raises(InvalidStatus) as refused_origin:
            async with ws_client(app.url, origin="https://evil.example.com"):
                pass
        assert refused_origin.value.response.status_code == 403
        assert app.container.api.live.connection_count == 0
