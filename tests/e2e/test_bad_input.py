"""Bad alerts are rejected with a 4xx naming the problem, and nothing is stored."""

from __future__ import annotations

import json

import pytest

from tarsy.config import Settings, load_config
from tarsy.worker.settings import QueueSettings
from tests.e2e.harness import running_app

ONE_MIB = 1024 * 1024

CASES: list[tuple[str, bytes, int, str]] = [
    ("empty data", json.dumps({"data": ""}).encode(), 400, "data"),
    ("blank data", json.dumps({"data": "   \n"}).encode(), 400, "data"),
    ("missing data", json.dumps({"alert_type": "kubernetes"}).encode(), 400, "data"),
    ("not JSON", b"pod is crashing", 400, "JSON"),
    ("truncated JSON", b'{"data": "x"', 400, "JSON"),
    ("JSON array", b'["data"]', 400, "object"),
    ("data is a number", json.dumps({"data": 42}).encode(), 400, "data"),
    ("data is an object", json.dumps({"data": {"pod": "x"}}).encode(), 400, "data"),
    (
        "alert_type is a list",
        json.dumps({"data": "x", "alert_type": ["k"]}).encode(),
        400,
        "alert_type",
    ),
    (
        "unknown alert type",
        json.dumps({"data": "x", "alert_type": "nope"}).encode(),
        400,
        "unknown alert type 'nope'",
    ),
    (
        "unknown MCP server",
        json.dumps({"data": "x", "mcp": {"servers": [{"name": "ghost"}]}}).encode(),
        400,
        "ghost",
    ),
    (
        "runbook on another domain",
        json.dumps({"data": "x", "runbook": "https://evil.example.com/rb.md"}).encode(),
        400,
        "runbook",
    ),
    ("data over 1 MiB", json.dumps({"data": "x" * (ONE_MIB + 1)}).encode(), 413, "1 MiB"),
    ("body over 2 MiB", json.dumps({"data": "x" * (3 * ONE_MIB)}).encode(), 413, "limit"),
    ("invalid UTF-8", b'{"data": "caf\xe9 \xff"}', 400, "UTF-8"),
]


@pytest.fixture
def no_workers() -> QueueSettings:
    return QueueSettings(worker_count=0)


async def test_bad_alerts_are_rejected_and_nothing_is_stored(
    settings: Settings, no_workers: QueueSettings
) -> None:
    async with running_app(settings, load_config(None), queue=no_workers) as app:
        for name, body, status, needle in CASES:
            response = await app.client.post(
                "/api/v1/alerts", content=body, headers={"content-type": "application/json"}
            )
            assert response.status_code == status, (name, response.text)
            message = response.json()["message"]
            assert needle.lower() in message.lower(), (name, message)
        listed = (await app.client.get("/api/v1/sessions")).json()
        assert listed["pagination"]["total_items"] == 0


async def test_exactly_1_mib_is_accepted(settings: Settings, no_workers: QueueSettings) -> None:
    async with running_app(settings, load_config(None), queue=no_workers) as app:
        response = await app.client.post("/api/v1/alerts", json={"data": "x" * ONE_MIB})
        assert response.status_code == 202, response.text


async def test_unknown_session_is_404_with_a_message(
    settings: Settings, no_workers: QueueSettings
) -> None:
    async with running_app(settings, load_config(None), queue=no_workers) as app:
        for path in ("", "/status", "/timeline", "/summary"):
            response = await app.client.get(f"/api/v1/sessions/nope{path}")
            assert response.status_code == 404, path
            assert "nope" in response.json()["message"]
