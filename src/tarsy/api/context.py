"""``ApiContext``: the services the HTTP edge calls, built by the composition root."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from tarsy.runbooks import RunbookSource
from tarsy.services.alertmanager import AlertmanagerService
from tarsy.services.alerts import AlertService
from tarsy.services.chat import ChatService
from tarsy.services.commands import SessionCommands
from tarsy.services.health import HealthService
from tarsy.services.live import LiveService
from tarsy.services.metrics import MetricsService
from tarsy.services.system import SystemService

if TYPE_CHECKING:
    from tarsy.services.session_queries import SessionQueryService
    from tarsy.services.trace import TraceQueryService


@dataclass(frozen=True, slots=True)
class ApiContext:
    alerts: AlertService
    commands: SessionCommands
    health: HealthService
    session_queries: SessionQueryService
    chat: ChatService
    system: SystemService
    metrics: MetricsService
    live: LiveService
    trace: TraceQueryService
    alertmanager: AlertmanagerService
    runbooks: RunbookSource
