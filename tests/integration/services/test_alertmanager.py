"""Alertmanager notifications through the service on SQLite and PostgreSQL: a session per group
(or alert), no duplicate while it is live, resolutions recorded, annotations used, and whole
notifications rejected before anything is stored."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import func, select

from tarsy.config import TarsyConfig, load_config
from tarsy.db.engine import Database
from tarsy.db.repos.keyed import KeyedSessionRepo
from tarsy.db.repos.sessions import SessionRepo
from tarsy.db.tables import AlertSession
from tarsy.domain.errors import PayloadTooLarge, ValidationFailed
from tarsy.services.alertmanager import AlertmanagerService
from tarsy.services.alertmanager_payload import AlertmanagerWebhook
from tarsy.services.alerts import AlertService
from tests.unit.services.test_alertmanager_payload import CHAIN, PROVIDERS, alert

SECRET = "Al3rtPassw0rd-9f2c"


class CountingWorkers:
    def __init__(self) -> None:
        self.notified = 0

    def notify_new_work(self) -> None:
        self.notified += 1


def make_config(
    tmp_path: Path, alertmanager: str = "", default_type: str = "kubernetes"
) -> TarsyConfig:
    body = f"defaults:\n  llm_provider: test\n  alert_type: {default_type}\n" + CHAIN
    body += "system:\n  alertmanager:\n    alert_type_map:\n      PostgresDown: database\n"
    body += alertmanager
    (tmp_path / "tarsy.yaml").write_text(body)
    (tmp_path / "llm-providers.yaml").write_text(PROVIDERS)
    return load_config(tmp_path, env={})


def make_service(
    db: Database, config: TarsyConfig, workers: CountingWorkers | None = None
) -> AlertmanagerService:
    alerts = AlertService(config, SessionRepo(db), workers or CountingWorkers())
    return AlertmanagerService(alerts, KeyedSessionRepo(db))


def hook(
    name: str, *alerts: dict[str, Any], status: str = "firing", **extra: Any
) -> AlertmanagerWebhook:
    return AlertmanagerWebhook.model_validate(
        {
            "version": "4",
            "groupKey": f'{{}}:{{alertname="{name}"}}',
            "status": status,
            "receiver": "tarsy",
            "groupLabels": {"alertname": name},
            "commonLabels": {"alertname": name},
            "commonAnnotations": {},
            "externalURL": "http://alertmanager:9093",
            "alerts": list(alerts) or [alert(name)],
            **extra,
        }
    )


async def count_sessions(db: Database) -> int:
    async with db.sessions() as s:
        return int(await s.scalar(select(func.count()).select_from(AlertSession)) or 0)


async def test_one_session_per_group_until_it_ends(database: Database, tmp_path: Path) -> None:
    workers = CountingWorkers()
    service = make_service(database, make_config(tmp_path), workers)
    sessions = SessionRepo(database)

    created = await service.receive(hook("PostgresDown", alert("PostgresDown", pod="a")), "am")
    [first] = created.results
    assert (first.kind, first.outcome, first.alert_type) == ("group", "created", "database")
    assert first.key == '{}:{alertname="PostgresDown"}' and first.warnings == []
    stored = await sessions.get(first.session_id or "")
    assert stored is not None and stored.status == "pending"
    assert (stored.alert_type, stored.chain_id, stored.author) == ("database", "db", "am")
    assert json.loads(stored.alert_data)["alerts"][0]["labels"]["pod"] == "a"
    assert stored.session_metadata == {
        "source": "alertmanager",
        "receiver": "tarsy",
        "group_key": first.key,
    }
    assert workers.notified == 1

    # The group again (a repeat, or a new alert joining it): no second session.
    grown = hook("PostgresDown", alert("PostgresDown", pod="a"), alert("PostgresDown", pod="b"))
    [again] = (await service.receive(grown, "am")).results
    assert (again.outcome, again.session_id) == ("duplicate", first.session_id)
    assert workers.notified == 1

    other = (await service.receive(hook("DiskFull"), "am")).results[0]
    assert other.outcome == "created" and other.alert_type == "kubernetes"
    assert await count_sessions(database) == 2

    assert await sessions.request_cancel(first.session_id or "") == "cancelled"
    [fresh] = (await service.receive(grown, "am")).results
    assert fresh.outcome == "created" and fresh.session_id != first.session_id


async def test_resolved_groups_start_nothing_and_are_recorded(
    database: Database, tmp_path: Path
) -> None:
    service = make_service(database, make_config(tmp_path))
    sessions = SessionRepo(database)
    resolved = hook("PostgresDown", alert("PostgresDown", "resolved"), status="resolved")

    [nothing] = (await service.receive(resolved, "am")).results
    assert (nothing.outcome, nothing.session_id, nothing.status) == ("no_session", None, "resolved")
    assert await count_sessions(database) == 0

    [made] = (await service.receive(hook("PostgresDown"), "am")).results
    [done] = (await service.receive(resolved, "am")).results
    assert (done.outcome, done.session_id, done.alert_type) == ("resolved", made.session_id, None)
    stored = await sessions.get(made.session_id or "")
    assert stored is not None and stored.resolved_at is not None
    assert stored.status == "pending"  # recorded, not acted on
    assert await count_sessions(database) == 1


async def test_per_alert_sessions_and_resolutions(database: Database, tmp_path: Path) -> None:
    config = make_config(tmp_path, "    session_per: alert\n")
    service = make_service(database, config)
    a, b = alert("PostgresDown", pod="a"), alert("PostgresDown", pod="b")

    results = (await service.receive(hook("PostgresDown", a, b), "am")).results
    assert [(r.kind, r.outcome) for r in results] == [("alert", "created")] * 2
    assert [r.key for r in results] == [a["fingerprint"], b["fingerprint"]]
    first = await SessionRepo(database).get(results[0].session_id or "")
    assert first is not None and json.loads(first.alert_data)["labels"]["pod"] == "a"
    assert first.session_metadata is not None
    assert first.session_metadata["fingerprint"] == a["fingerprint"]

    c = alert("PostgresDown", pod="c")
    b_resolved = {**b, "status": "resolved"}
    later = (await service.receive(hook("PostgresDown", a, b_resolved, c), "am")).results
    assert [r.outcome for r in later] == ["duplicate", "resolved", "created"]
    assert later[0].session_id == results[0].session_id
    assert later[1].session_id == results[1].session_id
    assert await count_sessions(database) == 3


async def test_runbook_and_fingerprint_annotations(database: Database, tmp_path: Path) -> None:
    config = make_config(
        tmp_path, "    runbook_annotation: runbook_url\n    fingerprint_annotation: slack_ts\n"
    )
    service = make_service(database, config)
    sessions = SessionRepo(database)
    runbook = "https://github.com/org/runbooks/blob/main/postgres.md"
    good = {**alert("PostgresDown"), "annotations": {"runbook_url": runbook, "slack_ts": "fp-1"}}
    [made] = (await service.receive(hook("PostgresDown", good), "am")).results
    stored = await sessions.get(made.session_id or "")
    assert stored is not None
    assert (stored.runbook_url, stored.slack_message_fingerprint) == (runbook, "fp-1")

    # A runbook on a host that is not allowed is dropped, the alert still investigated.
    bad = {**alert("DiskFull"), "annotations": {"runbook_url": "https://wiki.corp/disk"}}
    [warned] = (await service.receive(hook("DiskFull", bad), "am")).results
    assert warned.outcome == "created"
    assert warned.warnings == [
        "annotation runbook_url ignored: host 'wiki.corp' is not an allowed runbook domain "
        "(github.com, raw.githubusercontent.com)"
    ]
    stored = await sessions.get(warned.session_id or "")
    assert stored is not None and stored.runbook_url is None


async def test_alert_data_is_masked(database: Database, tmp_path: Path) -> None:
    service = make_service(database, make_config(tmp_path))
    leaky = {
        **alert("PostgresDown"),
        "annotations": {"description": f"DATABASE_URL=postgres://app:{SECRET}@db:5432/app"},
    }
    [made] = (await service.receive(hook("PostgresDown", leaky), "am")).results
    stored = await SessionRepo(database).get(made.session_id or "")
    assert stored is not None and SECRET not in stored.alert_data
    assert "PostgresDown" in stored.alert_data


async def test_a_notification_is_rejected_whole_naming_the_alert(
    database: Database, tmp_path: Path
) -> None:
    # The default alert type has no chain here, so an unmapped alert cannot be taken.
    config = make_config(tmp_path, "    session_per: alert\n", default_type="nothing")
    service = make_service(database, config)
    mixed = hook("PostgresDown", alert("PostgresDown"), alert("DiskFull"))
    with pytest.raises(ValidationFailed) as info:
        await service.receive(mixed, "am")
    fingerprint = mixed.alerts[1].fingerprint
    assert info.value.message.startswith(
        f"alerts[1] (fingerprint {fingerprint}): alert_type: unknown alert type 'nothing'"
    )
    assert await count_sessions(database) == 0  # the mappable first alert was not stored

    huge = {**alert("PostgresDown"), "annotations": {"description": "x" * (1024 * 1024)}}
    with pytest.raises(PayloadTooLarge) as too_large:
        await service.receive(hook("PostgresDown", huge), "am")
    assert "exceeds the limit" in too_large.value.message
    assert too_large.value.message.startswith("alerts[0] (fingerprint")
    assert await count_sessions(database) == 0
