"""Alertmanager notifications as notices: one per group or per alert, stable deduplication keys,
alert types from a label (mapped, taken as is, or the default), annotations looked up."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from pydantic import ValidationError

from tarsy.api.body import describe
from tarsy.config import TarsyConfig, load_config
from tarsy.services.alertmanager_payload import (
    AlertmanagerWebhook,
    alert_type_of,
    notices,
)

PROVIDERS = "llm_providers:\n  test:\n    type: scripted\n    model: scripted-test\n"
CHAIN = """\
agent_chains:
  db:
    alert_types: [database]
    stages:
      - name: s
        agents:
          - name: KubernetesAgent
"""


def config(tmp_path: Path, alertmanager: str = "") -> TarsyConfig:
    body = "defaults:\n  llm_provider: test\n" + CHAIN
    if alertmanager:
        body += "system:\n  alertmanager:\n" + alertmanager
    (tmp_path / "tarsy.yaml").write_text(body)
    (tmp_path / "llm-providers.yaml").write_text(PROVIDERS)
    return load_config(tmp_path, env={})


def alert(name: str, status: str = "firing", **labels: str) -> dict[str, Any]:
    return {
        "status": status,
        "labels": {"alertname": name, **labels},
        "annotations": {"summary": f"{name} is bad"},
        "startsAt": "2026-12-01T10:00:00Z",
        "endsAt": "0001-01-01T00:00:00Z",
        "generatorURL": "http://prometheus:9090/graph",
        "fingerprint": f"fp-{name}-{sorted(labels.items())}",
    }


def webhook(*alerts: dict[str, Any], status: str = "firing", **extra: Any) -> AlertmanagerWebhook:
    body = {
        "version": "4",
        "groupKey": '{}:{alertname="KubePodCrashLooping"}',
        "truncatedAlerts": 0,
        "status": status,
        "receiver": "tarsy",
        "groupLabels": {"alertname": "KubePodCrashLooping"},
        "commonLabels": {"alertname": "KubePodCrashLooping", "namespace": "prod"},
        "commonAnnotations": {},
        "externalURL": "http://alertmanager:9093",
        "alerts": list(alerts),
        **extra,
    }
    return AlertmanagerWebhook.model_validate(body)


def test_a_group_is_one_notice_with_every_alert_in_its_data() -> None:
    hook = webhook(alert("KubePodCrashLooping", pod="a"), alert("KubePodCrashLooping", pod="b"))
    [notice] = notices(hook, "group")
    assert notice.kind == "group" and notice.status == "firing"
    assert notice.key == '{}:{alertname="KubePodCrashLooping"}'
    assert notice.labels == hook.common_labels
    data = json.loads(notice.data)
    assert data["receiver"] == "tarsy" and data["groupKey"] == notice.key
    assert [a["labels"]["pod"] for a in data["alerts"]] == ["a", "b"]
    assert data["alerts"][0]["generatorURL"] == "http://prometheus:9090/graph"
    assert notice.metadata == {
        "source": "alertmanager",
        "receiver": "tarsy",
        "group_key": notice.key,
    }


def test_per_alert_notices_follow_each_alert_and_its_status() -> None:
    hook = webhook(alert("A", pod="a"), alert("A", "resolved", pod="b"))
    first, second = notices(hook, "alert")
    assert (first.kind, first.status, second.status) == ("alert", "firing", "resolved")
    assert first.key == hook.alerts[0].fingerprint
    assert first.where == f"alerts[0] (fingerprint {first.key})"
    assert json.loads(first.data)["labels"] == {"alertname": "A", "pod": "a"}
    assert first.source_key != second.source_key


def test_keys_are_stable_fixed_length_and_distinct_per_kind() -> None:
    long_key = "{}:{" + ", ".join(f'l{i}="{"v" * 50}"' for i in range(40)) + "}"
    a = notices(webhook(alert("A"), groupKey=long_key), "group")[0]
    b = notices(webhook(alert("A"), groupKey=long_key), "group")[0]
    assert a.source_key == b.source_key
    assert a.source_key.startswith("alertmanager:group:") and len(a.source_key) < 128
    per_alert = notices(webhook(alert("A"), groupKey=long_key), "alert")[0]
    assert per_alert.source_key.startswith("alertmanager:alert:")


def test_a_missing_fingerprint_is_derived_from_the_labels() -> None:
    one, other = (
        {**alert("A", pod="a"), "fingerprint": ""},
        {**alert("A", pod="b"), "fingerprint": ""},
    )
    x = notices(webhook(one), "alert")[0]
    y = notices(webhook(dict(one)), "alert")[0]
    z = notices(webhook(other), "alert")[0]
    assert x.key == y.key and x.key != z.key and len(x.key) == 16


def test_group_annotations_prefer_common_ones_then_firing_alerts() -> None:
    resolved = {**alert("A", "resolved"), "annotations": {"runbook_url": "http://old"}}
    firing = {**alert("A"), "annotations": {"runbook_url": "http://new"}}
    [notice] = notices(webhook(resolved, firing), "group")
    assert notice.annotation("runbook_url") == "http://new"
    assert notice.annotation("absent") is None and notice.annotation(None) is None
    common = webhook(firing, commonAnnotations={"runbook_url": "http://common"})
    assert notices(common, "group")[0].annotation("runbook_url") == "http://common"


def test_alert_type_from_the_label_mapped_as_is_or_default(tmp_path: Path) -> None:
    cfg = config(tmp_path, "    alert_type_map:\n      PostgresDown: database\n")
    assert alert_type_of({"alertname": "PostgresDown"}, cfg) == "database"
    assert alert_type_of({"alertname": "database"}, cfg) == "database"  # a known type as is
    assert alert_type_of({"alertname": "DiskFull"}, cfg) == "kubernetes"  # defaults.alert_type
    assert alert_type_of({}, cfg) == "kubernetes"


def test_alert_type_label_and_default_are_configurable(tmp_path: Path) -> None:
    cfg = config(tmp_path, "    alert_type_label: team\n    default_alert_type: database\n")
    assert cfg.system.alertmanager.session_per == "group"
    assert alert_type_of({"alertname": "kubernetes", "team": "storage"}, cfg) == "database"
    assert alert_type_of({"team": "kubernetes"}, cfg) == "kubernetes"


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"version": "3"}, "version: input should be '4'"),
        ({"status": "pending"}, "status: input should be 'firing' or 'resolved'"),
        ({"alerts": []}, "alerts: list should have at least 1 item"),
        ({"alerts": [{"status": "firing"}]}, "alerts.0.labels: field required"),
        ({"groupKey": None}, "groupKey: input should be a valid string"),
        ({"commonLabels": {"a": 1}}, "commonLabels.a: input should be a valid string"),
        ({"truncatedAlerts": -1}, "truncatedAlerts: input should be greater than or equal to 0"),
    ],
)
def test_malformed_payloads_name_the_field(change: dict[str, Any], message: str) -> None:
    body = {**webhook(alert("A")).model_dump(by_alias=True), **change}
    with pytest.raises(ValidationError) as info:
        AlertmanagerWebhook.model_validate(body)
    assert message in describe(info.value)
