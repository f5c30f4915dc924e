"""Faults on PostgreSQL with ``tarsy serve`` child processes: ``kill -9`` mid-run, a database
restart mid-run, and an LLM that rate-limits a third of its calls. No session is lost or stuck."""

from __future__ import annotations

import asyncio
import subprocess
from collections import Counter
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path

import httpx
import pytest

from tarsy.db.engine import connect
from tarsy.db.repos.sessions import SessionRepo
from tarsy.db.tables import AlertSession
from tests.conftest import drop_pg_schema, new_pg_schema, pg_url
from tests.e2e.faults import (
    FakeLLM,
    serve_extra_env,
    serving,
    settle,
    submit_alerts,
    until,
    write_config,
)
from tests.e2e.harness import wait_healthy
from tests.e2e.test_replicas import serve_process, status_is
from tests.e2e.ws import ws_client
from tests.private_pg import private_postgres

pytestmark = pytest.mark.postgres

IN_FLIGHT = 20


async def rows(url: str, schema: str, sids: list[str]) -> dict[str, AlertSession]:
    db = connect(url, schema=schema)
    try:
        repo = SessionRepo(db)
        found = [await repo.get(sid) for sid in sids]
        return {row.session_id: row for row in found if row is not None}
    finally:
        await db.dispose()


async def statuses(api: httpx.AsyncClient, sids: list[str]) -> dict[str, str]:
    return {sid: (await api.get(f"/api/v1/sessions/{sid}/status")).json()["status"] for sid in sids}


async def kill_9(proc: subprocess.Popen[bytes]) -> None:
    proc.kill()
    assert await asyncio.to_thread(proc.wait, 10) == -9


@asynccontextmanager
async def server_api(
    tmp_path: Path, schema: str, pod: str, env: dict[str, str]
) -> AsyncIterator[tuple[httpx.AsyncClient, subprocess.Popen[bytes]]]:
    """A healthy ``tarsy serve`` child process and an HTTP client of it."""
    with serve_process(tmp_path, schema, pod, **env) as (url, proc):
        await wait_healthy(url)
        async with httpx.AsyncClient(base_url=url, timeout=30) as api:
            yield api, proc


async def in_flight_then_killed(
    tmp_path: Path, schema: str, env: dict[str, str], llm: FakeLLM
) -> dict[str, str]:
    """Start pod-a, submit ``IN_FLIGHT`` alerts, wait until the LLM holds every one of them,
    then ``kill -9`` the server. The sessions' ids (with their alert markers)."""
    async with server_api(tmp_path, schema, "pod-a", env) as (api, proc):
        sessions = await submit_alerts(api, IN_FLIGHT)
        await until(lambda: llm.held() == IN_FLIGHT, 30, "20 sessions in flight")
        assert set((await statuses(api, list(sessions))).values()) == {"in_progress"}
        await kill_9(proc)
    return sessions


async def test_kill_9_then_restart_requeues_once_then_times_out(tmp_path: Path) -> None:
    """``kill -9`` of a server running 20 sessions, restarted with the same pod id: start-up
    recovery re-queues all 20 (retry 1 of ``orphan_retries`` 1). Half of them complete; the
    server is killed again while the other half runs their second attempt, and the next
    start-up ends those ``timed_out``. 10 completed + 10 timed out, none in_progress."""
    llm = FakeLLM(holds=lambda _marker: True)
    schema = await new_pg_schema()
    try:
        async with serving(llm) as llm_url:
            env = serve_extra_env(write_config(tmp_path / "cfg", llm_url))
            sessions = await in_flight_then_killed(tmp_path, schema, env, llm)
            sids = list(sessions)

            # Restarted: every session is re-queued and runs again; the odd ones are held.
            odd = {sessions[sid] for sid in sids[1::2]}
            llm.holds = odd.__contains__
            async with server_api(tmp_path, schema, "pod-a", env) as (api, proc):
                await settle(api, sids[0::2], 45)
                await until(lambda: set(llm.waiting) == odd, 30, "odd sessions in flight")
                second = await statuses(api, sids)
                await kill_9(proc)
            assert Counter(second.values()) == {"completed": 10, "in_progress": 10}, second

            llm.holds = lambda _marker: False
            async with server_api(tmp_path, schema, "pod-a", env) as (api, _proc):
                final = await settle(api, sids, 30)
        stored = await rows(pg_url(), schema, sids)
    finally:
        await drop_pg_schema(schema)
    assert final == {sid: "completed" if i % 2 == 0 else "timed_out" for i, sid in enumerate(sids)}
    assert {sid: row.orphan_count for sid, row in stored.items()} == dict.fromkeys(sids, 1)
    for sid in sids[0::2]:
        assert sessions[sid] in (stored[sid].final_analysis or ""), stored[sid].final_analysis
    for sid in sids[1::2]:
        assert "Orphaned: no heartbeat from pod pod-a" in (stored[sid].error_message or "")


async def test_kill_9_another_replica_takes_the_sessions_over(tmp_path: Path) -> None:
    """``kill -9`` of a server running 20 sessions; a replica with another pod id finds them in
    its orphan scan (heartbeats stopped), re-queues and completes every one."""
    llm = FakeLLM(holds=lambda _marker: True)
    schema = await new_pg_schema()
    try:
        async with serving(llm) as llm_url:
            env = serve_extra_env(write_config(tmp_path / "cfg", llm_url))
            sessions = await in_flight_then_killed(tmp_path, schema, env, llm)
            sids = list(sessions)
            llm.holds = lambda _marker: False
            async with server_api(tmp_path, schema, "pod-b", env) as (api, _proc):
                final = await settle(api, sids, 45)
        stored = await rows(pg_url(), schema, sids)
    finally:
        await drop_pg_schema(schema)
    assert final == dict.fromkeys(sids, "completed"), final
    assert {sid: (row.orphan_count, row.pod_id) for sid, row in stored.items()} == dict.fromkeys(
        sids, (1, "pod-b")
    )
    for sid, marker in sessions.items():
        assert marker in (stored[sid].final_analysis or ""), stored[sid].final_analysis


async def test_a_postgres_restart_mid_run_is_survived(tmp_path: Path) -> None:
    """PostgreSQL (a private cluster) is stopped while 10 sessions run and started again a few
    seconds later; half of the LLM answers arrive while it is down. The same server process
    becomes healthy again by itself, every session ends terminal, and a new alert completes
    with its events delivered live (the LISTEN connection is back)."""
    llm = FakeLLM(holds=lambda _marker: True)
    async with private_postgres() as pg, serving(llm) as llm_url:
        env = serve_extra_env(write_config(tmp_path / "cfg", llm_url))
        env["TARSY_DATABASE_URL"] = pg.url
        async with server_api(tmp_path, "", "pod-a", env) as (api, proc):  # public schema
            url = str(api.base_url).rstrip("/")
            sessions = await submit_alerts(api, 10)
            sids = list(sessions)
            await until(lambda: llm.held() == 10, 30, "10 sessions in flight")
            await pg.stop("fast")
            early = {sessions[sid] for sid in sids[0::2]}
            llm.holds = lambda marker: marker not in early
            await asyncio.sleep(3)
            await pg.start()
            llm.holds = lambda _marker: False
            await wait_healthy(url, timeout=30)
            final = await settle(api, sids, 45)
            async with ws_client(url) as client:
                await client.subscribe("sessions")
                [sid] = await submit_alerts(api, 1)
                await client.wait_for(status_is(sid, "completed"), timeout=30)  # type: ignore[arg-type]
            health = (await api.get("/health")).json()
            assert proc.poll() is None, "the server process exited"
        stored = await rows(pg.url, "", sids)
    assert health["status"] == "healthy", health
    # The writes of the sessions answered during the outage waited for the database: all ten
    # completed in their first attempt, none needed the orphan scan.
    assert final == dict.fromkeys(sids, "completed"), final
    assert {sid: row.orphan_count for sid, row in stored.items()} == dict.fromkeys(sids, 0)


async def test_a_429_storm_is_absorbed(tmp_path: Path) -> None:
    """The LLM answers every third call with HTTP 429, alternately with and without
    Retry-After, while 20 sessions run at once: the retries (jittered backoff) absorb it and
    every session completes with its own analysis."""
    llm = FakeLLM(rate_limit_every=3)
    schema = await new_pg_schema()
    try:
        async with serving(llm) as llm_url:
            env = serve_extra_env(write_config(tmp_path / "cfg", llm_url))
            async with server_api(tmp_path, schema, "pod-a", env) as (api, _proc):
                sessions = await submit_alerts(api, IN_FLIGHT)
                final = await settle(api, list(sessions), 50)
                details = {
                    sid: (await api.get(f"/api/v1/sessions/{sid}")).json() for sid in sessions
                }
    finally:
        await drop_pg_schema(schema)
    assert final == dict.fromkeys(sessions, "completed"), final
    assert len(llm.limited) == llm.calls // 3 >= IN_FLIGHT // 2, (len(llm.limited), llm.calls)
    assert True in llm.limited and False in llm.limited
    for sid, marker in sessions.items():
        assert marker in details[sid]["final_analysis"], details[sid]
