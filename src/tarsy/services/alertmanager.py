"""Alertmanager notifications in: a session per alert group (or per alert) unless one is still
live for it, and resolutions recorded on that group's (or alert's) session.

Every firing notice is checked and masked through ``AlertService.prepare`` before anything is
stored, so a notification is either rejected whole (400/413, naming the group or alert) or
handled whole. A runbook annotation on a host that is not allowed does not cost the alert its
investigation: the session is created without it and the result carries a warning.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, replace
from typing import Literal

from pydantic import BaseModel

from tarsy.db.repos.keyed import KeyedSessionRepo
from tarsy.db.repos.sessions import NewSession
from tarsy.domain.errors import PayloadTooLarge, ValidationFailed
from tarsy.runbooks.urls import RunbookUrlError, check_allowed
from tarsy.services.alertmanager_payload import (
    AlertmanagerWebhook,
    AlertStatus,
    Notice,
    NoticeKind,
    alert_type_of,
    notices,
)
from tarsy.services.alerts import AlertService, AlertSubmission

log = logging.getLogger(__name__)

Outcome = Literal["created", "duplicate", "resolved", "no_session"]


class AlertmanagerResult(BaseModel):
    """What became of one group (``session_per: group``) or alert (``session_per: alert``)."""

    kind: NoticeKind
    key: str
    status: AlertStatus
    outcome: Outcome
    session_id: str | None
    alert_type: str | None
    warnings: list[str]


class AlertmanagerResponse(BaseModel):
    results: list[AlertmanagerResult]


@dataclass(frozen=True, slots=True)
class _Plan:
    notice: Notice
    session: NewSession | None  # None: a resolved notice, nothing to create
    warnings: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class AlertmanagerService:
    alerts: AlertService
    keyed: KeyedSessionRepo

    async def receive(self, webhook: AlertmanagerWebhook, author: str) -> AlertmanagerResponse:
        session_per = self.alerts.config.system.alertmanager.session_per
        plans = [await self._plan(notice, author) for notice in notices(webhook, session_per)]
        results = [await self._apply(plan) for plan in plans]
        if any(r.outcome == "created" for r in results):
            self.alerts.workers.notify_new_work()
        return AlertmanagerResponse(results=results)

    async def _plan(self, notice: Notice, author: str) -> _Plan:
        if notice.status == "resolved":
            return _Plan(notice, None, ())
        config = self.alerts.config
        block = config.system.alertmanager
        warnings: list[str] = []
        runbook = notice.annotation(block.runbook_annotation)
        if runbook is not None:
            try:
                check_allowed(runbook, config.system.runbooks.allowed_domains)
            except RunbookUrlError as exc:
                warnings.append(f"annotation {block.runbook_annotation} ignored: {exc}")
                log.warning("%s: runbook annotation ignored: %s", notice.where, exc)
                runbook = None
        submission = AlertSubmission(
            alert_type=alert_type_of(notice.labels, config),
            data=notice.data,
            runbook=runbook,
            slack_message_fingerprint=notice.annotation(block.fingerprint_annotation),
        )
        try:
            session = await self.alerts.prepare(submission, author)
        except ValidationFailed as exc:
            raise ValidationFailed(f"{notice.where}: {exc.message}") from None
        except PayloadTooLarge as exc:
            raise PayloadTooLarge(f"{notice.where}: {exc.message}") from None
        session = replace(session, session_metadata=dict(notice.metadata))
        return _Plan(notice, session, tuple(warnings))

    async def _apply(self, plan: _Plan) -> AlertmanagerResult:
        notice = plan.notice
        if plan.session is None:
            resolved = await self.keyed.record_resolved(notice.source_key)
            return _result(notice, "resolved" if resolved else "no_session", resolved, None, ())
        made = await self.keyed.create_unless_live(plan.session, notice.source_key)
        outcome: Outcome = "created" if made.created else "duplicate"
        return _result(notice, outcome, made.session_id, plan.session.alert_type, plan.warnings)


def _result(
    notice: Notice,
    outcome: Outcome,
    session_id: str | None,
    alert_type: str | None,
    warnings: tuple[str, ...],
) -> AlertmanagerResult:
    return AlertmanagerResult(
        kind=notice.kind,
        key=notice.key,
        status=notice.status,
        outcome=outcome,
        session_id=session_id,
        alert_type=alert_type,
        warnings=list(warnings),
    )
