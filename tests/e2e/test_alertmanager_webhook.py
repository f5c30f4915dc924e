"""``POST /api/v1/alerts/alertmanager`` over HTTP: malformed notifications are 400 naming the
field and oversized ones 413, with nothing stored; the same notification posted many times at
once makes one session; a resolve shows in the session detail; the bearer token's name is the
author."""

from __future__ import annotations

import asyncio
import hashlib
import json
from pathlib import Path
from typing import Any

from tarsy.config import Settings, TarsyConfig, load_config
from tarsy.worker.settings import QueueSettings
from tests.e2e.harness import running_app
from tests.unit.services.test_alertmanager_payload import alert

ONE_MIB = 1024 * 1024
PATH = "/api/v1/alerts/alertmanager"
PROVIDERS = "llm_providers:\n  scripted:\n    type: scripted\n    model: scripted-test\n"


def notification(name: str = "KubePodCrashLooping", **change: Any) -> dict[str, Any]:
    body: dict[str, Any] = {
        "version": "4",
        "groupKey": f'{{}}:{{alertname="{name}"}}',
        "truncatedAlerts": 0,
        "status": "firing",
        "receiver": "tarsy",
        "groupLabels": {"alertname": name},
        "commonLabels": {"alertname": name},
        "commonAnnotations": {},
        "externalURL": "http://alertmanager:9093",
        "alerts": [alert(name)],
    }
    body.update(change)
    return body


def config(tmp_path: Path, system: str = "") -> TarsyConfig:
    directory = tmp_path / "cfg"
    directory.mkdir(exist_ok=True)
    (directory / "tarsy.yaml").write_text(f"defaults:\n  llm_provider: scripted\n{system}")
    (directory / "llm-providers.yaml").write_text(PROVIDERS)
    return load_config(directory, env={})


def raw(body: Any) -> bytes:
    return json.dumps(body).encode()


CASES: list[tuple[str, bytes, int, str]] = [
    ("not JSON", b"firing!", 400, "not valid JSON"),
    ("JSON array", raw([notification()]), 400, "must be a JSON object"),
    ("no version", raw({k: v for k, v in notification().items() if k != "version"}), 400,
     "version: field required"),
    ("version 3", raw(notification(version="3")), 400, "version: input should be '4'"),
    ("bad status", raw(notification(status="firingx")), 400, "status: input should be"),
    ("no group key", raw({k: v for k, v in notification().items() if k != "groupKey"}), 400,
     "groupKey: field required"),
    ("no alerts", raw(notification(alerts=[])), 400, "alerts: list should have at least 1"),
    ("alert without labels", raw(notification(alerts=[{"status": "firing"}])), 400,
     "alerts.0.labels: field required"),
    ("label not a string", raw(notification(commonLabels={"severity": 3})), 400,
     "commonLabels.severity: input should be a valid string"),
    ("alert status", raw(notification(alerts=[{**alert("A"), "status": "ok"}])), 400,
     "alerts.0.status"),
    ("session data over 1 MiB", raw(notification(
        alerts=[{**alert("A"), "annotations": {"description": "x" * (ONE_MIB + 1)}}])), 413,
     "exceeds the limit of 1048576 bytes"),
    ("body over 2 MiB", raw(notification(
        alerts=[{**alert("A"), "annotations": {"description": "x" * (3 * ONE_MIB)}}])), 413,
     "request body exceeds the limit"),
]  # fmt: skip


async def test_bad_notifications_are_rejected_and_nothing_is_stored(
    settings: Settings, tmp_path: Path
) -> None:
    async with running_app(settings, config(tmp_path), queue=QueueSettings(worker_count=0)) as app:
        for name, body, status, needle in CASES:
            response = await app.client.post(
                PATH, content=body, headers={"content-type": "application/json"}
            )
            assert response.status_code == status, (name, response.text)
            assert needle in response.json()["message"], (name, response.text)
        listed = (await app.client.get("/api/v1/sessions")).json()
        assert listed["pagination"]["total_items"] == 0


async def test_concurrent_copies_of_a_notification_make_one_session(
    settings: Settings, tmp_path: Path
) -> None:
    async with running_app(settings, config(tmp_path), queue=QueueSettings(worker_count=0)) as app:
        responses = await asyncio.gather(
            *(app.client.post(PATH, json=notification()) for _ in range(12)),
            *(app.client.post(PATH, json=notification("DiskFull")) for _ in range(12)),
        )
        assert {r.status_code for r in responses} == {202}
        results = [r.json()["results"][0] for r in responses]
        for group in (results[:12], results[12:]):
            assert sorted(r["outcome"] for r in group) == ["created"] + ["duplicate"] * 11
            assert len({r["session_id"] for r in group}) == 1
        listed = (await app.client.get("/api/v1/sessions")).json()
        assert listed["pagination"]["total_items"] == 2


async def test_a_resolve_is_shown_on_the_session(settings: Settings, tmp_path: Path) -> None:
    async with running_app(settings, config(tmp_path), queue=QueueSettings(worker_count=0)) as app:
        created = await app.client.post(PATH, json=notification())
        assert created.status_code == 202, created.text
        [item] = created.json()["results"]
        assert item == {
            "kind": "group",
            "key": '{}:{alertname="KubePodCrashLooping"}',
            "status": "firing",
            "outcome": "created",
            "session_id": item["session_id"],
            "alert_type": "kubernetes",
            "warnings": [],
        }
        sid = item["session_id"]
        detail = (await app.client.get(f"/api/v1/sessions/{sid}")).json()
        assert detail["resolved_at"] is None and detail["author"] == "api-client"
        assert json.loads(detail["alert_data"])["receiver"] == "tarsy"

        resolved = notification(
            status="resolved", alerts=[alert("KubePodCrashLooping", "resolved")]
        )
        response = await app.client.post(PATH, json=resolved)
        assert response.status_code == 202, response.text
        assert response.json()["results"][0]["outcome"] == "resolved"
        detail = (await app.client.get(f"/api/v1/sessions/{sid}")).json()
        assert detail["resolved_at"] is not None and detail["status"] == "pending"


async def test_the_bearer_token_names_the_author(settings: Settings, tmp_path: Path) -> None:
    token = "am-webhook-token"
    sha = hashlib.sha256(token.encode()).hexdigest()
    auth = (
        "system:\n  auth:\n    modes: [token]\n"
        f"    tokens:\n      - {{name: alertmanager, sha256: {sha}}}\n"
    )
    async with running_app(
        settings, config(tmp_path, auth), queue=QueueSettings(worker_count=0)
    ) as app:
        anonymous = await app.client.post(PATH, json=notification())
        assert anonymous.status_code == 401
        response = await app.client.post(
            PATH, json=notification(), headers={"authorization": f"Bearer {token}"}
        )
        assert response.status_code == 202, response.text
        sid = response.json()["results"][0]["session_id"]
        detail = await app.client.get(
            f"/api/v1/sessions/{sid}", headers={"authorization": f"Bearer {token}"}
        )
        assert detail.json()["author"] == "alertmanager"


async def test_per_alert_mode_over_http(settings: Settings, tmp_path: Path) -> None:
    cfg = config(tmp_path, "system:\n  alertmanager:\n    session_per: alert\n")
    body = notification(alerts=[alert("A", pod="a"), alert("A", pod="b")])
    async with running_app(settings, cfg, queue=QueueSettings(worker_count=0)) as app:
        first = (await app.client.post(PATH, json=body)).json()["results"]
        again = (await app.client.post(PATH, json=body)).json()["results"]
    assert [(r["kind"], r["outcome"]) for r in first] == [("alert", "created")] * 2
    assert [r["outcome"] for r in again] == ["duplicate"] * 2
    assert [r["session_id"] for r in again] == [r["session_id"] for r in first]
