"""``tarsy serve`` with ``LOG_FORMAT=json``: one JSON object per line, the lines of a session
carry its id (and an execution's lines the execution id), and no secret reaches the log."""

from __future__ import annotations

import asyncio
import json
import subprocess
import sys
from pathlib import Path
from typing import Any

import httpx

from tests.e2e.harness import TARSY, TERMINAL, free_port, serve_env, wait_healthy

API_TOKEN = "tarsy-api-token-0d9f8e7c6b5a"
GITHUB_TOKEN = "ghp_0123456789abcdefghijABCDEFGHIJ012345"
RUNBOOK_PASSWORD = "hunter2-runbook-pass"
TARSY_YAML = f"""\
defaults:
  llm_provider: scripted
system:
  runbooks: {{allowed_domains: [127.0.0.1]}}
  auth:
    modes: [token]
    tokens: [{{name: ci, token_env: TARSY_TEST_API_TOKEN}}]
mcp_servers:
  kubernetes-server:
    transport: {{type: stdio, command: {json.dumps(sys.executable)}, args: [-m, tarsy.democluster]}}
"""
PROVIDERS_YAML = "llm_providers:\n  scripted: {type: scripted, model: demo}\n"


async def test_json_logs_carry_ids_and_never_secrets(tmp_path: Path) -> None:
    config = tmp_path / "cfg"
    config.mkdir()
    (config / "tarsy.yaml").write_text(TARSY_YAML)
    (config / "llm-providers.yaml").write_text(PROVIDERS_YAML)
    port = free_port()
    env = serve_env(
        tmp_path / "data",
        port,
        CONFIG_DIR=str(config),
        LOG_FORMAT="json",
        LOG_LEVEL="info",
        TARSY_TEST_API_TOKEN=API_TOKEN,
        GITHUB_TOKEN=GITHUB_TOKEN,
    )
    proc = _serve(env)
    url = f"http://127.0.0.1:{port}"
    try:
        await wait_healthy(url)
        auth = {"Authorization": f"Bearer {API_TOKEN}"}
        async with httpx.AsyncClient(base_url=url, headers=auth, timeout=30) as client:
            refused = await client.get(
                "/api/v1/sessions", headers={"Authorization": f"Bearer {API_TOKEN}x"}
            )
            assert refused.status_code == 401
            runbook = f"http://deploy:{RUNBOOK_PASSWORD}@127.0.0.1:9/runbook.md"
            submitted = await client.post(
                "/api/v1/alerts", json={"data": "Pod api-7d9 CrashLoopBackOff", "runbook": runbook}
            )
            assert submitted.status_code == 202, submitted.text
            sid = submitted.json()["session_id"]
            for _ in range(600):
                status = (await client.get(f"/api/v1/sessions/{sid}/status")).json()["status"]
                if status in TERMINAL:
                    break
                await asyncio.sleep(0.05)
            assert status == "completed"
    finally:
        proc.terminate()
        _, err = proc.communicate(timeout=30)

    for secret in (API_TOKEN, GITHUB_TOKEN, RUNBOOK_PASSWORD):
        assert secret not in err
    lines = [_json(line) for line in err.splitlines() if line.strip()]
    assert len(lines) > 5
    mine = [line for line in lines if line.get("session_id") == sid]
    assert any(line["event"] == f"session {sid}: claimed (attempt 0)" for line in mine)
    assert any(line["event"] == f"session {sid}: completed" for line in mine)
    executions = [line for line in mine if line["event"].startswith("execution ")]
    assert {line["agent"] for line in executions} >= {"KubernetesAgent", "ExecSummaryAgent"}
    for line in executions:
        assert line["event"] == f"execution {line['execution_id']} ({line['agent']}): completed"
    [warning] = [line for line in mine if "could not be fetched" in line["event"]]
    assert warning["level"] == "warning"
    assert "http://deploy:[REDACTED]@127.0.0.1:9/runbook.md" in warning["event"]
    assert "execution_id" not in warning  # resolved before any execution
    assert all({"timestamp", "level", "logger", "event"} <= set(line) for line in lines)


def _serve(env: dict[str, str]) -> subprocess.Popen[str]:
    return subprocess.Popen([TARSY, "serve"], env=env, stderr=subprocess.PIPE, text=True)


def _json(line: str) -> dict[str, Any]:
    try:
        parsed: dict[str, Any] = json.loads(line)
    except json.JSONDecodeError as exc:
        raise AssertionError(f"not a JSON log line: {line!r}") from exc
    return parsed
