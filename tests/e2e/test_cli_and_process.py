"""The `tarsy` command against a running server, and the server process's graceful shutdown."""

from __future__ import annotations

import asyncio
import json
import signal
import subprocess
from pathlib import Path

import httpx
from typer.testing import CliRunner

from tarsy.cli.main import app as cli
from tarsy.config import Settings, load_config
from tarsy.db.engine import connect
from tarsy.db.repos.sessions import SessionRepo
from tests.e2e.harness import TARSY, free_port, running_app, serve_env, wait_healthy
from tests.e2e.test_first_investigation import FAST_QUEUE, demo_models


async def test_submit_and_status_commands(settings: Settings, tmp_path: Path) -> None:
    alert = tmp_path / "alert.txt"
    alert.write_text("Pod api-7d9 CrashLoopBackOff in prod")
    async with running_app(
        settings, load_config(None), models=demo_models, queue=FAST_QUEUE
    ) as app:
        runner = CliRunner()
        submitted = await asyncio.to_thread(
            runner.invoke,
            cli,
            ["submit", "--type", "kubernetes", "--file", str(alert), "--url", app.url],
        )
        assert submitted.exit_code == 0, submitted.output
        session_id = submitted.output.strip()
        await app.wait_status(session_id)
        shown = await asyncio.to_thread(
            runner.invoke, cli, ["status", session_id, "--url", app.url]
        )
        assert shown.exit_code == 0, shown.output
        body = json.loads(shown.output)
        assert body["status"] == "completed" and body["id"] == session_id

        rejected = await asyncio.to_thread(
            runner.invoke, cli, ["submit", "--type", "nope", "--file", str(alert), "--url", app.url]
        )
        assert rejected.exit_code == 1
        assert "unknown alert type 'nope'" in rejected.output


def test_submit_reports_an_unreachable_server(tmp_path: Path) -> None:
    alert = tmp_path / "alert.txt"
    alert.write_text("x")
    url = f"http://127.0.0.1:{free_port()}"
    result = CliRunner().invoke(cli, ["submit", "--file", str(alert), "--url", url])
    assert result.exit_code == 1
    assert "cannot reach TARSy" in result.output


async def test_sigterm_lets_the_running_session_finish(tmp_path: Path) -> None:
    port = free_port()
    env = serve_env(tmp_path, port, POD_ID="graceful")
    proc = subprocess.Popen([TARSY, "serve"], env=env)  # noqa: ASYNC220 - the server under test
    try:
        await wait_healthy(f"http://127.0.0.1:{port}", timeout=30)
        async with httpx.AsyncClient(base_url=f"http://127.0.0.1:{port}") as client:
            response = await client.post("/api/v1/alerts", json={"data": "Pod api-1 OOMKilled"})
            session_id = response.json()["session_id"]
            for _ in range(500):
                status = await client.get(f"/api/v1/sessions/{session_id}/status")
                if status.json()["status"] != "pending":
                    break
                await asyncio.sleep(0.02)
        proc.send_signal(signal.SIGTERM)
        # uvicorn re-raises the signal after its graceful shutdown, as a service manager expects.
        assert await asyncio.to_thread(proc.wait, 30) in (0, -signal.SIGTERM)
    finally:
        if proc.poll() is None:
            proc.kill()
    db = connect(f"sqlite+aiosqlite:///{tmp_path / 'tarsy.db'}")
    try:
        row = await SessionRepo(db).get(session_id)
    finally:
        await db.dispose()
    assert row is not None
    assert row.status == "completed", (row.status, row.error_message)
    assert row.final_analysis
