"""The session read endpoints over HTTP: status codes, JSON shape, errors as 400/404
``{"message"}`` through the shared error table."""

from __future__ import annotations

import types
from collections.abc import AsyncIterator
from datetime import datetime

import httpx
import pytest
from fastapi import FastAPI

from tarsy.api.errors import install_error_handlers
from tarsy.api.routers.session_reads import router
from tarsy.db.engine import Database
from tarsy.services.session_queries import SessionQueryService
from tests.integration.db.test_queries import Seeded, seed


@pytest.fixture
async def seeded(sqlite_db: Database) -> Seeded:
    return await seed(sqlite_db)


@pytest.fixture
async def client(sqlite_db: Database) -> AsyncIterator[httpx.AsyncClient]:
    app = FastAPI()
    app.include_router(router)
    install_error_handlers(app)
    app.state.ctx = types.SimpleNamespace(session_queries=SessionQueryService(sqlite_db))
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://t") as http:
        yield http


def assert_rfc3339(value: str) -> None:
    assert "T" in value
    assert datetime.fromisoformat(value).tzinfo is not None


async def test_list(client: httpx.AsyncClient, seeded: Seeded) -> None:
    resp = await client.get("/api/v1/sessions", params={"page_size": 2, "sort_order": "asc"})
    assert resp.status_code == 200
    body = resp.json()
    assert set(body) == {"sessions", "pagination", "cost_estimation_enabled"}
    assert body["pagination"] == {"page": 1, "page_size": 2, "total_pages": 3, "total_items": 6}
    first = body["sessions"][0]
    assert first["id"] == seeded.s1
    assert set(first) == {
        "id", "alert_type", "chain_id", "status", "author", "created_at", "started_at",
        "completed_at", "duration_ms", "error_message", "executive_summary",
        "llm_interaction_count", "mcp_interaction_count", "input_tokens", "output_tokens",
        "total_tokens", "estimated_cost_usd", "cost_completeness", "total_stages",
        "completed_stages", "has_parallel_stages", "has_sub_agents", "has_action_stages",
        "actions_executed", "chat_message_count", "provider_fallback_count",
        "current_stage_index", "current_stage_id", "matched_in_content", "latest_score",
        "scoring_status", "review_status", "assignee", "quality_rating", "action_taken",
        "investigation_feedback", "feedback_edited", "feedback_edited_by", "feedback_edited_at",
    }  # fmt: skip
    assert first["status"] == "completed" and first["duration_ms"] == 600_000
    assert_rfc3339(first["created_at"])
    assert first["created_at"].startswith("2026-01-01T00:00:00")


async def test_list_search_and_filters(client: httpx.AsyncClient, seeded: Seeded) -> None:
    resp = await client.get("/api/v1/sessions", params={"search": "DiskPressure"})
    assert resp.status_code == 200
    [item] = resp.json()["sessions"]
    assert item["id"] == seeded.s3 and item["matched_in_content"] is True
    resp = await client.get(
        "/api/v1/sessions", params={"status": "failed", "quality_rating": "accurate"}
    )
    assert [s["id"] for s in resp.json()["sessions"]] == [seeded.s2]
    resp = await client.get("/api/v1/sessions", params={"status": "", "search": ""})
    assert resp.json()["pagination"]["total_items"] == 6


@pytest.mark.parametrize(
    ("params", "needle"),
    [
        ({"status": "bogus"}, "invalid status 'bogus'"),
        ({"page_size": "500"}, "page_size 500"),
        ({"page": "0"}, "page 0"),
        ({"sort_by": "nope"}, "sort_by 'nope'"),
        ({"sort_order": "sideways"}, "sort_order 'sideways'"),
        ({"search": "ab"}, "search 'ab'"),
        ({"start_date": "not-a-date"}, "start_date 'not-a-date'"),
        ({"start_date": "2026-02-01T00:00:00Z", "end_date": "2026-01-01T00:00:00Z"}, "start_date"),
        ({"page": "abc"}, "page"),
    ],
)
async def test_list_bad_parameters_are_400(
    client: httpx.AsyncClient, seeded: Seeded, params: dict[str, str], needle: str
) -> None:
    resp = await client.get("/api/v1/sessions", params=params)
    assert resp.status_code == 400
    body = resp.json()
    assert set(body) == {"message"} and needle in body["message"]


async def test_active_and_filter_options(client: httpx.AsyncClient, seeded: Seeded) -> None:
    resp = await client.get("/api/v1/sessions/active")
    assert resp.status_code == 200
    body = resp.json()
    assert [s["id"] for s in body["active"]] == [seeded.s3, seeded.s6]
    assert [(s["id"], s["queue_position"]) for s in body["queued"]] == [
        (seeded.s4, 1),
        (seeded.s5, 2),
    ]
    assert_rfc3339(body["active"][0]["started_at"])
    resp = await client.get("/api/v1/sessions/filter-options")
    assert resp.status_code == 200
    assert resp.json()["alert_types"] == ["database", "kubernetes"]
    assert "timed_out" in resp.json()["statuses"]


async def test_detail(client: httpx.AsyncClient, seeded: Seeded) -> None:
    resp = await client.get(f"/api/v1/sessions/{seeded.s1}")
    assert resp.status_code == 200
    body = resp.json()
    assert body["id"] == seeded.s1 and body["alert_data"].startswith("Pod OOMKilled")
    assert body["chat_enabled"] is True and body["chat_message_count"] == 2
    stage = body["stages"][0]
    assert stage["stage_type"] == "investigation" and stage["parallel_type"] == "multi_agent"
    orchestrator = stage["executions"][0]
    assert [sub["agent_name"] for sub in orchestrator["sub_agents"]] == ["A1", "A2"]
    assert orchestrator["sub_agents"][0]["sub_agents"] == []
    assert stage["executions"][1]["fallback_attempt"] == 2


async def test_summary_status_timeline(client: httpx.AsyncClient, seeded: Seeded) -> None:
    resp = await client.get(f"/api/v1/sessions/{seeded.s1}/summary")
    assert resp.status_code == 200
    assert resp.json()["chain_statistics"]["failed_stages"] == 1
    assert resp.json()["total_interactions"] == 8
    resp = await client.get(f"/api/v1/sessions/{seeded.s2}/status")
    assert resp.json() == {
        "id": seeded.s2,
        "status": "failed",
        "final_analysis": None,
        "executive_summary": None,
        "error_message": "boom",
    }
    resp = await client.get(f"/api/v1/sessions/{seeded.s1}/timeline")
    assert resp.status_code == 200
    events = resp.json()
    assert [e["sequence_number"] for e in events] == [1, 2, 3]
    assert set(events[0]) == {
        "event_id", "session_id", "stage_id", "execution_id", "parent_execution_id",
        "sequence_number", "event_type", "status", "content", "metadata",
        "llm_interaction_id", "mcp_interaction_id", "created_at", "updated_at",
    }  # fmt: skip
    assert events[1]["metadata"]["reason"] == "rate limited"


@pytest.mark.parametrize("suffix", ["", "/summary", "/status", "/timeline"])
async def test_unknown_or_deleted_session_is_404(
    client: httpx.AsyncClient, seeded: Seeded, suffix: str
) -> None:
    for sid in ("nope", seeded.deleted):
        resp = await client.get(f"/api/v1/sessions/{sid}{suffix}")
        assert resp.status_code == 404
        assert resp.json() == {"message": f"session {sid} not found"}


async def test_openapi_documents_every_read_endpoint(client: httpx.AsyncClient) -> None:
    resp = await client.get("/openapi.json")
    paths = resp.json()["paths"]
    for path in (
        "/api/v1/sessions",
        "/api/v1/sessions/active",
        "/api/v1/sessions/filter-options",
        "/api/v1/sessions/{session_id}",
        "/api/v1/sessions/{session_id}/summary",
        "/api/v1/sessions/{session_id}/status",
        "/api/v1/sessions/{session_id}/timeline",
    ):
        assert "200" in paths[path]["get"]["responses"]
        assert "$ref" in str(paths[path]["get"]["responses"]["200"])
