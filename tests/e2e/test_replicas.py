"""Two ``tarsy serve`` processes on one PostgreSQL database (SPEC §6.4): a client of the replica
without workers sees, live, the session the other replica runs, and a cancel sent to it stops
that session there."""

from __future__ import annotations

import asyncio
import signal
import subprocess
from collections.abc import AsyncIterator, Iterator
from contextlib import asynccontextmanager, contextmanager
from pathlib import Path

import httpx
import pytest

from tarsy.db.engine import connect
from tarsy.db.repos.sessions import SessionRepo
from tests.conftest import drop_pg_schema, new_pg_schema, pg_url
from tests.e2e.harness import TARSY, TERMINAL, free_port, serve_env, wait_healthy
from tests.e2e.ws import ws_client

pytestmark = pytest.mark.postgres


@contextmanager
def serve(tmp_path: Path, schema: str, pod: str, *args: str) -> Iterator[str]:
    with serve_process(tmp_path, schema, pod, *args) as (url, _proc):
        yield url


@contextmanager
def serve_process(
    tmp_path: Path, schema: str, pod: str, *args: str, **extra: str
) -> Iterator[tuple[str, subprocess.Popen[bytes]]]:
    """``tarsy serve *args`` as pod ``pod`` on ``schema``; ``extra`` adds to (or overrides) its
    environment, e.g. ``CONFIG_DIR`` or another ``TARSY_DATABASE_URL``."""
    port = free_port()
    env = serve_env(
        tmp_path / pod,
        port,
        **{"TARSY_DATABASE_URL": pg_url(), "TARSY_DATABASE_SCHEMA": schema, "POD_ID": pod} | extra,
    )
    proc = subprocess.Popen([TARSY, "serve", *args], env=env)
    try:
        yield f"http://127.0.0.1:{port}", proc
    finally:
        proc.terminate()
        try:
            proc.wait(30)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()


@asynccontextmanager
async def replicas(tmp_path: Path) -> AsyncIterator[tuple[str, str, str]]:
    schema = await new_pg_schema()
    try:
        with (
            serve(tmp_path, schema, "replica-a") as worker_url,
            serve(tmp_path, schema, "replica-b", "--role", "api") as api_url,
        ):
            await asyncio.gather(wait_healthy(worker_url), wait_healthy(api_url))
            yield worker_url, api_url, schema
    finally:
        await drop_pg_schema(schema)


async def owner_of(schema: str, session_id: str) -> str | None:
    db = connect(pg_url(), schema=schema)
    try:
        row = await SessionRepo(db).get(session_id)
        return None if row is None else row.pod_id
    finally:
        await db.dispose()


def status_is(sid: str, *statuses: str) -> object:
    return lambda m: (
        m.get("type") == "session.status"
        and m.get("session_id") == sid
        and m.get("status") in statuses
    )


async def test_live_events_and_cancel_cross_replicas(tmp_path: Path) -> None:
    async with (
        replicas(tmp_path) as (_worker_url, api_url, schema),
        httpx.AsyncClient(base_url=api_url, timeout=30) as api,
        ws_client(api_url) as client,
    ):
        await client.subscribe("sessions")
        response = await api.post("/api/v1/alerts", json={"data": "Pod api-7d9 OOMKilled"})
        assert response.status_code == 202, response.text
        sid = response.json()["session_id"]
        await client.subscribe(f"session:{sid}")
        await client.wait_for(status_is(sid, "completed", "failed"), timeout=60)  # type: ignore[arg-type]
        detail = (await api.get(f"/api/v1/sessions/{sid}")).json()
        assert detail["status"] == "completed"
        assert await owner_of(schema, sid) == "replica-a", "run by the replica with workers"
        mine = [m for m in client.messages if m.get("session_id") == sid]
        kinds = {m["type"] for m in mine}
        assert {"stream.chunk", "timeline_event.created", "stage.status"} <= kinds
        for created in (m for m in mine if m["type"] == "timeline_event.created"):
            assert created["sequence_number"] is not None

        # A cancel sent to the API replica stops the session on the worker replica.
        response = await api.post("/api/v1/alerts", json={"data": "Pod api-8 CrashLoopBackOff"})
        second = response.json()["session_id"]
        await client.subscribe(f"session:{second}")
        await client.wait_for(
            lambda m: m.get("type") == "timeline_event.created" and m.get("session_id") == second,
            timeout=60,
        )
        cancel = await api.post(f"/api/v1/sessions/{second}/cancel")
        assert cancel.status_code == 200, cancel.text
        await client.wait_for(status_is(second, "cancelled"), timeout=30)  # type: ignore[arg-type]
        status = (await api.get(f"/api/v1/sessions/{second}/status")).json()
        assert status["status"] == "cancelled"
        timeline = (await api.get(f"/api/v1/sessions/{second}/timeline")).json()
        assert all(e["status"] != "streaming" for e in timeline)


async def test_an_api_replica_announces_a_session_it_cancels_before_any_worker(
    tmp_path: Path,
) -> None:
    """With no worker replica up, an alert stays pending; cancelled through the API replica, it
    ends there: the session list channel hears of it, and the counters count it."""
    schema = await new_pg_schema()
    try:
        with serve(tmp_path, schema, "replica-b", "--role", "api") as api_url:
            await wait_healthy(api_url)
            async with (
                httpx.AsyncClient(base_url=api_url, timeout=30) as api,
                ws_client(api_url) as client,
            ):
                await client.subscribe("sessions")
                response = await api.post("/api/v1/alerts", json={"data": "Pod api-9 Pending"})
                assert response.status_code == 202, response.text
                sid = response.json()["session_id"]
                cancel = await api.post(f"/api/v1/sessions/{sid}/cancel")
                assert cancel.json()["message"] == "Session cancelled before it started"
                await client.wait_for(status_is(sid, "cancelled"), timeout=30)  # type: ignore[arg-type]
                metrics = (await api.get("/metrics")).text
        terminal = [
            line
            for line in metrics.splitlines()
            if line.startswith("tarsy_sessions_terminal_total") and 'status="cancelled"' in line
        ]
        assert terminal and float(terminal[0].rsplit(" ", 1)[1]) == 1.0, terminal
    finally:
        await drop_pg_schema(schema)


async def test_a_rolling_restart_loses_no_session(tmp_path: Path) -> None:
    """SIGTERM to a replica while it runs sessions: it finishes them (graceful shutdown) or they
    are re-queued to the other replica; every session ends completed, none stays in_progress."""
    schema = await new_pg_schema()
    try:
        with (
            serve_process(tmp_path, schema, "replica-a") as (url_a, proc_a),
            serve_process(tmp_path, schema, "replica-b") as (url_b, proc_b),
        ):
            await asyncio.gather(wait_healthy(url_a), wait_healthy(url_b))
            procs = {"replica-a": proc_a, "replica-b": proc_b}
            async with httpx.AsyncClient(base_url=url_b, timeout=30) as api:
                sids = []
                for i in range(4):
                    response = await api.post(
                        "/api/v1/alerts", json={"data": f"Pod api-{i} CrashLoopBackOff"}
                    )
                    assert response.status_code == 202, response.text
                    sids.append(response.json()["session_id"])
                # Wait until a replica runs one, then stop that replica.
                victim = None
                async with asyncio.timeout(30):
                    while victim is None:
                        for sid in sids:
                            owner = await owner_of(schema, sid)
                            status = (await api.get(f"/api/v1/sessions/{sid}/status")).json()
                            if status["status"] == "in_progress" and owner in procs:
                                victim = owner
                                break
                        await asyncio.sleep(0.05)
                procs[victim].send_signal(signal.SIGTERM)
                code = await asyncio.to_thread(procs[victim].wait, 60)
                assert code in (0, -signal.SIGTERM), code
                survivor = url_a if victim == "replica-b" else url_b
            async with httpx.AsyncClient(base_url=survivor, timeout=30) as api:
                final: dict[str, str] = {}
                try:
                    async with asyncio.timeout(60):
                        while len(final) < len(sids):
                            for sid in sids:
                                body = (await api.get(f"/api/v1/sessions/{sid}/status")).json()
                                if body["status"] in TERMINAL:
                                    final[sid] = body["status"]
                            await asyncio.sleep(0.1)
                except TimeoutError:
                    stuck = {
                        sid: (
                            (await api.get(f"/api/v1/sessions/{sid}/status")).json()["status"],
                            await owner_of(schema, sid),
                        )
                        for sid in sids
                        if sid not in final
                    }
                    pytest.fail(f"stopped {victim}; not finished after 60 s: {stuck}")
        assert set(final.values()) == {"completed"}, final
    finally:
        await drop_pg_schema(schema)
