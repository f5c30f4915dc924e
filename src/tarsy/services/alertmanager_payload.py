"""The Alertmanager webhook payload (version 4) and the notices it holds: one per alert group,
or one per alert, each with its deduplication key, its alert type and its session data.

On the wire the field names are Alertmanager's (``groupKey``, ``commonLabels``, ...). The session
data is a JSON rendering of the group (or alert) in those names, so the investigating agents see
every label and annotation as Alertmanager sent it.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, StrictStr

from tarsy.config import TarsyConfig
from tarsy.config.schema_tarsy import AlertmanagerConfig

AlertStatus = Literal["firing", "resolved"]
NoticeKind = Literal["group", "alert"]


class AlertmanagerAlert(BaseModel):
    """One alert of a notification. Unknown fields are ignored."""

    model_config = ConfigDict(extra="ignore", populate_by_name=True)
    status: AlertStatus
    labels: dict[str, StrictStr]
    annotations: dict[str, StrictStr] = Field(default_factory=dict)
    starts_at: StrictStr = Field(default="", alias="startsAt")
    ends_at: StrictStr = Field(default="", alias="endsAt")
    generator_url: StrictStr = Field(default="", alias="generatorURL")
    fingerprint: StrictStr = ""


class AlertmanagerWebhook(BaseModel):
    """Body of ``POST /api/v1/alerts/alertmanager``: an Alertmanager ``webhook_config``
    notification, version 4. Unknown fields are ignored."""

    model_config = ConfigDict(extra="ignore", populate_by_name=True)
    version: Literal["4"]
    group_key: StrictStr = Field(alias="groupKey")
    truncated_alerts: int = Field(default=0, ge=0, strict=True, alias="truncatedAlerts")
    status: AlertStatus
    receiver: StrictStr
    group_labels: dict[str, StrictStr] = Field(default_factory=dict, alias="groupLabels")
    common_labels: dict[str, StrictStr] = Field(default_factory=dict, alias="commonLabels")
    common_annotations: dict[str, StrictStr] = Field(
        default_factory=dict, alias="commonAnnotations"
    )
    external_url: StrictStr = Field(default="", alias="externalURL")
    alerts: list[AlertmanagerAlert] = Field(min_length=1)


@dataclass(frozen=True, slots=True)
class Notice:
    """What one group (or alert) of a notification asks for.

    ``key`` is how the sender names it (the group key, or the alert's fingerprint);
    ``source_key`` is the stored deduplication key derived from it.
    """

    kind: NoticeKind
    key: str
    source_key: str
    status: AlertStatus
    where: str
    labels: Mapping[str, str]
    annotations: tuple[Mapping[str, str], ...]
    data: str
    metadata: Mapping[str, str]

    def annotation(self, name: str | None) -> str | None:
        """The first non-empty value of annotation ``name`` (common ones first)."""
        if name is None:
            return None
        for block in self.annotations:
            value = block.get(name, "").strip()
            if value:
                return value
        return None


def notices(webhook: AlertmanagerWebhook, session_per: NoticeKind) -> list[Notice]:
    """The group as one notice, or each alert as one (in the order sent)."""
    if session_per == "group":
        return [_group_notice(webhook)]
    return [_alert_notice(webhook, index, alert) for index, alert in enumerate(webhook.alerts)]


def alert_type_of(labels: Mapping[str, str], config: TarsyConfig) -> str:
    """The alert type named by the ``alert_type_label`` label: through ``alert_type_map``, else
    the value itself when a chain handles it, else the configured default."""
    block: AlertmanagerConfig = config.system.alertmanager
    value = labels.get(block.alert_type_label)
    if value is not None:
        mapped = block.alert_type_map.get(value)
        if mapped is not None:
            return mapped
        if config.chain_id_for_alert_type(value) is not None:
            return value
    return block.default_alert_type or config.defaults.alert_type


def _group_notice(webhook: AlertmanagerWebhook) -> Notice:
    firing_first = sorted(webhook.alerts, key=lambda a: a.status != "firing")
    data = {
        "receiver": webhook.receiver,
        "status": webhook.status,
        "groupKey": webhook.group_key,
        "groupLabels": webhook.group_labels,
        "commonLabels": webhook.common_labels,
        "commonAnnotations": webhook.common_annotations,
        "externalURL": webhook.external_url,
        "truncatedAlerts": webhook.truncated_alerts,
        "alerts": [_alert_fields(a) for a in webhook.alerts],
    }
    return Notice(
        kind="group",
        key=webhook.group_key,
        source_key=_source_key("group", webhook.group_key),
        status=webhook.status,
        where=f"group {webhook.group_key!r}",
        labels=webhook.common_labels,
        annotations=(webhook.common_annotations, *(a.annotations for a in firing_first)),
        data=_render(data),
        metadata={
            "source": "alertmanager",
            "receiver": webhook.receiver,
            "group_key": webhook.group_key,
        },
    )


def _alert_notice(webhook: AlertmanagerWebhook, index: int, alert: AlertmanagerAlert) -> Notice:
    fingerprint = alert.fingerprint or _labels_fingerprint(alert.labels)
    data = {
        "receiver": webhook.receiver,
        "groupKey": webhook.group_key,
        "externalURL": webhook.external_url,
        **_alert_fields(alert),
    }
    return Notice(
        kind="alert",
        key=fingerprint,
        source_key=_source_key("alert", fingerprint),
        status=alert.status,
        where=f"alerts[{index}] (fingerprint {fingerprint})",
        labels=alert.labels,
        annotations=(alert.annotations,),
        data=_render(data),
        metadata={
            "source": "alertmanager",
            "receiver": webhook.receiver,
            "group_key": webhook.group_key,
            "fingerprint": fingerprint,
        },
    )


def _alert_fields(alert: AlertmanagerAlert) -> dict[str, object]:
    return {
        "status": alert.status,
        "labels": alert.labels,
        "annotations": alert.annotations,
        "startsAt": alert.starts_at,
        "endsAt": alert.ends_at,
        "generatorURL": alert.generator_url,
        "fingerprint": alert.fingerprint,
    }


def _render(data: Mapping[str, object]) -> str:
    return json.dumps(data, indent=2, ensure_ascii=False)


def _source_key(kind: NoticeKind, key: str) -> str:
    """``alertmanager:<kind>:<hash>``: fixed length whatever the group key's size."""
    return f"alertmanager:{kind}:{hashlib.sha256(key.encode()).hexdigest()[:40]}"


def _labels_fingerprint(labels: Mapping[str, str]) -> str:
    """A stand-in for a missing ``fingerprint``: a hash of the sorted label set."""
    text = json.dumps(sorted(labels.items()), ensure_ascii=False)
    return hashlib.sha256(text.encode()).hexdigest()[:16]
