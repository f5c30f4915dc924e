"""Alert submission (SPEC §3.1) and the alert-type catalogue.

Validation happens before anything is stored: an alert is either rejected with a message that
names the problem, or stored whole as a ``pending`` session. Its ``data`` is masked first with
``defaults.alert_masking`` (the system pattern group, ``security`` by default); as in the
reference, masking fails open: if it raises, the data is stored as it came (and a warning says
so, naming the exception type only).
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from typing import Protocol

from pydantic import BaseModel, ConfigDict, StrictBool, StrictStr

from tarsy.config import TarsyConfig
from tarsy.db.repos.sessions import NewSession, SessionRepo
from tarsy.domain.errors import PayloadTooLarge, ValidationFailed
from tarsy.domain.ids import new_id
from tarsy.masking import NULL_MASKER, Masker, MaskingRules, build_masker
from tarsy.runbooks.urls import RunbookUrlError, check_allowed

log = logging.getLogger(__name__)

MAX_DATA_BYTES = 1024 * 1024


class McpServerSelection(BaseModel):
    model_config = ConfigDict(extra="forbid")
    name: StrictStr
    tools: list[StrictStr] | None = None


class NativeToolsSelection(BaseModel):
    model_config = ConfigDict(extra="forbid")
    google_search: StrictBool | None = None
    code_execution: StrictBool | None = None
    url_context: StrictBool | None = None


class McpSelection(BaseModel):
    model_config = ConfigDict(extra="forbid")
    servers: list[McpServerSelection] = []
    native_tools: NativeToolsSelection | None = None


class AlertSubmission(BaseModel):
    """Body of ``POST /api/v1/alerts``. Unknown top-level fields are ignored, as before."""

    model_config = ConfigDict(extra="ignore")
    alert_type: StrictStr | None = None
    data: StrictStr
    runbook: StrictStr | None = None
    mcp: McpSelection | None = None
    slack_message_fingerprint: StrictStr | None = None


class SubmitResponse(BaseModel):
    session_id: str
    status: str
    message: str


class AlertTypeView(BaseModel):
    type: str
    chain_id: str
    description: str


class AlertTypesResponse(BaseModel):
    alert_types: list[AlertTypeView]
    default_chain_id: str | None
    default_alert_type: str


class WorkNotifier(Protocol):
    def notify_new_work(self) -> None: ...


class _NoWorkers:
    def notify_new_work(self) -> None:
        return None


@dataclass(frozen=True, slots=True)
class AlertService:
    config: TarsyConfig
    sessions: SessionRepo
    workers: WorkNotifier = field(default_factory=_NoWorkers)

    async def submit(self, alert: AlertSubmission, author: str) -> SubmitResponse:
        new = await self.prepare(alert, author)
        await self.sessions.create(new)
        self.workers.notify_new_work()
        return SubmitResponse(
            session_id=new.session_id,
            status="queued",
            message=(
                f"Alert accepted; session {new.session_id} is queued for chain {new.chain_id!r}"
            ),
        )

    async def prepare(self, alert: AlertSubmission, author: str) -> NewSession:
        """Check ``alert`` and mask its data: the session to store, not stored yet."""
        if not alert.data.strip():
            raise ValidationFailed("data: must be a non-empty string")
        size = len(alert.data.encode())
        if size > MAX_DATA_BYTES:
            raise PayloadTooLarge(
                f"data: {size} bytes exceeds the limit of {MAX_DATA_BYTES} bytes (1 MiB)"
            )
        alert_type = alert.alert_type or self.config.defaults.alert_type
        chain_id = chain_for_alert_type(self.config, alert_type)
        if alert.mcp is not None:
            self._check_mcp(alert.mcp)
        if alert.runbook:
            self._check_runbook(alert.runbook)
        return NewSession(
            session_id=new_id(),
            alert_data=await self._masked(alert.data),
            alert_type=alert_type,
            chain_id=chain_id,
            author=author,
            runbook_url=alert.runbook,
            mcp_selection=alert.mcp.model_dump(exclude_none=True) if alert.mcp else None,
            slack_message_fingerprint=alert.slack_message_fingerprint,
        )

    async def _masked(self, data: str) -> str:
        try:
            return await self._alert_masker().mask_async(data)
        except Exception as exc:  # noqa: BLE001 - fail open, as the reference does
            log.warning(
                "alert masking failed (%s); the alert data is stored unmasked", type(exc).__name__
            )
            return data

    def _alert_masker(self) -> Masker:
        masking = self.config.defaults.alert_masking
        if not masking.enabled:
            return NULL_MASKER
        return build_masker(MaskingRules(groups=(masking.pattern_group,)))

    def alert_types(self) -> AlertTypesResponse:
        items = [
            AlertTypeView(type=t, chain_id=chain_id, description=chain.description or "")
            for chain_id, chain in sorted(self.config.agent_chains.items())
            for t in chain.alert_types
        ]
        default_type = self.config.defaults.alert_type
        return AlertTypesResponse(
            alert_types=items,
            default_chain_id=self.config.chain_id_for_alert_type(default_type),
            default_alert_type=default_type,
        )

    def _check_mcp(self, selection: McpSelection) -> None:
        known = self.config.mcp_servers
        for i, server in enumerate(selection.servers):
            if server.name not in known:
                names = ", ".join(sorted(known)) or "none"
                raise ValidationFailed(
                    f"mcp.servers[{i}].name: unknown MCP server {server.name!r}; "
                    f"configured servers: {names}"
                )

    def _check_runbook(self, url: str) -> None:
        try:
            check_allowed(url, self.config.system.runbooks.allowed_domains)
        except RunbookUrlError as exc:
            raise ValidationFailed(f"runbook: {exc}") from None


def chain_for_alert_type(config: TarsyConfig, alert_type: str) -> str:
    """The chain of ``alert_type``; a ``ValidationFailed`` naming the known types otherwise."""
    chain_id = config.chain_id_for_alert_type(alert_type)
    if chain_id is None:
        types = {t for chain in config.agent_chains.values() for t in chain.alert_types}
        known = ", ".join(sorted(types)) or "none"
        raise ValidationFailed(
            f"alert_type: unknown alert type {alert_type!r}; known types: {known}"
        )
    return chain_id
