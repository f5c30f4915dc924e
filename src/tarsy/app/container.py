"""The object graph of one TARSy process, built from Settings and the loaded configuration."""

from __future__ import annotations

import logging
import os
from dataclasses import dataclass, field
from typing import Literal

from tarsy import __version__
from tarsy.api.context import ApiContext
from tarsy.app.toolsets import McpToolsets
from tarsy.config import ResolvedAgentConfig, Settings, TarsyConfig
from tarsy.db.engine import Database, connect
from tarsy.db.migrate import upgrade
from tarsy.db.repos.keyed import KeyedSessionRepo
from tarsy.db.repos.outbox import OutboxRepo
from tarsy.db.repos.queue import QueueRepo
from tarsy.db.repos.retention import RetentionRepo
from tarsy.db.repos.sessions import SessionRepo
from tarsy.domain.tools import Toolset
from tarsy.events.bus import CANCELLATIONS
from tarsy.events.local import LocalBus
from tarsy.events.pg import PgBus, asyncpg_dsn
from tarsy.llm.factory import ModelCatalog
from tarsy.llm.model import Model
from tarsy.mcp import McpHealthMonitor
from tarsy.notify import Notifier, NullNotifier, build_notifier
from tarsy.observability.metrics import Metrics
from tarsy.observability.warnings import WarningBoard
from tarsy.pipeline.chat import ChatRunner
from tarsy.pipeline.ports import ModelFactory, ModelHooks
from tarsy.pipeline.session_runner import SessionRunner
from tarsy.runbooks import Runbooks
from tarsy.runbooks.github import RunbookHttp
from tarsy.runbooks.urls import GitHubHosts
from tarsy.services.alertmanager import AlertmanagerService
from tarsy.services.alerts import AlertService
from tarsy.services.chat import ChatService
from tarsy.services.commands import SessionCommands
from tarsy.services.health import HealthService
from tarsy.services.live import LiveService
from tarsy.services.metrics import MetricsService, NoWorkerPool
from tarsy.services.session_queries import SessionQueryService
from tarsy.services.system import NoHealthChecks, SystemService
from tarsy.services.trace import TraceQueryService
from tarsy.worker.ends import SessionEnds
from tarsy.worker.notices import SessionNotices
from tarsy.worker.pool import WorkerPool
from tarsy.worker.retention import RetentionLoop, RetentionSettings
from tarsy.worker.settings import QueueSettings

log = logging.getLogger(__name__)

Role = Literal["all", "api", "worker"]


def queue_settings(config: TarsyConfig) -> QueueSettings:
    q = config.queue
    return QueueSettings(
        worker_count=q.worker_count,
        max_concurrent_sessions=q.max_concurrent_sessions,
        poll_interval=q.poll_interval,
        poll_interval_jitter=q.poll_interval_jitter,
        session_timeout=q.session_timeout,
        graceful_shutdown_timeout=q.graceful_shutdown_timeout,
        orphan_detection_interval=q.orphan_detection_interval,
        orphan_threshold=q.orphan_threshold,
        heartbeat_interval=q.heartbeat_interval,
        orphan_retries=q.orphan_retries,
    )


@dataclass
class Container:
    settings: Settings
    config: TarsyConfig
    db: Database
    bus: LocalBus | PgBus
    pool: WorkerPool | None
    chats: ChatRunner
    tools: McpToolsets
    api: ApiContext
    metrics: Metrics
    runbooks: Runbooks
    monitor: McpHealthMonitor | None = None
    retention: RetentionLoop | None = None
    notifier: Notifier = field(default_factory=NullNotifier)
    ends: SessionEnds | None = None

    async def start(self) -> None:
        await upgrade(self.db)
        if isinstance(self.bus, PgBus):
            self.bus.on_raw(CANCELLATIONS, self._cancel)
            await self.bus.start()
        if self.monitor is not None:
            await self.monitor.start(wait=False)
        if self.pool is not None:
            await self.pool.start()
        if self.retention is not None:
            await self.retention.start()
        log.info(
            "TARSy %s started (pod %s, %s, %d workers)",
            __version__,
            self.settings.pod_id,
            self.db.dialect,
            self.pool.status().worker_count if self.pool else 0,
        )

    async def stop(self) -> None:
        """Graceful shutdown: chats first, then workers (SPEC §3.11), then connections."""
        grace = self.config.queue.graceful_shutdown_timeout.total_seconds()
        await self.chats.stop(grace)
        if self.pool is not None:
            await self.pool.stop()  # drains its notices
        elif self.ends is not None:
            await self.ends.notices.drain()
        await self.notifier.aclose()
        if self.retention is not None:
            await self.retention.stop()
        await self.api.live.close_all()
        await self.bus.aclose()
        if self.monitor is not None:
            await self.monitor.stop()
        await self.tools.aclose()
        await self.runbooks.aclose()
        await self.db.dispose()

    def _cancel(self, session_id: str) -> None:
        """A cancellation notice from another replica."""
        if self.pool is not None:
            self.pool.cancel_local(session_id)
        self.chats.cancel(session_id)


def build_container(
    settings: Settings,
    config: TarsyConfig,
    *,
    role: Role = "all",
    toolsets: dict[str, Toolset] | None = None,
    models: ModelFactory | None = None,
    queue: QueueSettings | None = None,
) -> Container:
    """Wire every collaborator. ``toolsets`` / ``models`` / ``queue`` override for tests."""
    db = connect(settings.database_url, schema=settings.database_schema)
    outbox = OutboxRepo(db)
    bus: LocalBus | PgBus = (
        PgBus(asyncpg_dsn(settings.database_url), outbox, schema=db.schema)
        if db.is_postgres
        else LocalBus(outbox)
    )
    board = WarningBoard()
    metrics = Metrics()
    tool_factory = McpToolsets(config, toolsets, board=board)
    monitor = None
    if role in ("all", "api") and settings.mcp_health_interval > 0:
        checked = {k: v for k, v in config.mcp_servers.items() if k not in (toolsets or {})}
        monitor = McpHealthMonitor(checked, interval=settings.mcp_health_interval, board=board)
    models = models or CatalogModels(config)
    runbooks = build_runbooks(config)
    runner = SessionRunner(
        config=config,
        db=db,
        bus=bus,
        models=models,
        toolsets=tool_factory,
        metrics=metrics,
        runbooks=runbooks,
    )
    pool = None
    retention = None
    notifier = build_notifier(config.system, os.environ)
    if role in ("all", "worker"):
        pool = WorkerPool(
            db=db,
            runner=runner,
            bus=bus,
            settings=queue or queue_settings(config),
            pod_id=settings.pod_id,
            metrics=metrics,
            notifier=notifier,
        )
        retention = RetentionLoop(
            RetentionRepo(db), RetentionSettings.from_config(config.system.retention)
        )
    chats = ChatRunner(
        config=config,
        db=db,
        bus=bus,
        models=models,
        toolsets=tool_factory,
        timeout=config.queue.session_timeout,
        metrics=metrics,
        runbooks=runbooks,
    )
    if pool is not None:
        ends = pool.ends
        alerts = AlertService(config, SessionRepo(db), pool)
        commands = SessionCommands(db, pool, chats, ends)
    else:
        sessions = SessionRepo(db)
        ends = SessionEnds(bus, SessionNotices(notifier, sessions), metrics, sessions)
        alerts = AlertService(config, sessions)
        commands = SessionCommands(db, chats=chats, ends=ends)
    api = ApiContext(
        alerts=alerts,
        commands=commands,
        health=HealthService(db, __version__, pool),
        session_queries=SessionQueryService(
            db,
            cost_estimation_enabled=config.system.cost_estimation.enabled,
            chat_enabled_for=lambda chain_id: _chat_enabled(config, chain_id),
        ),
        chat=ChatService(config, db, bus, chats, settings.pod_id),
        system=SystemService(config, monitor or NoHealthChecks(), board),
        metrics=MetricsService(
            metrics, QueueRepo(db), pool or NoWorkerPool(), monitor or NoHealthChecks()
        ),
        trace=TraceQueryService(db),
        runbooks=runbooks,
        live=LiveService(
            bus,
            outbox,
            dashboard_url=config.system.dashboard_url,
            allowed_origins=tuple(config.system.allowed_ws_origins),
        ),
        alertmanager=AlertmanagerService(alerts, KeyedSessionRepo(db)),
    )
    return Container(
        settings,
        config,
        db,
        bus,
        pool,
        chats,
        tool_factory,
        api,
        metrics,
        runbooks,
        monitor=monitor,
        retention=retention,
        notifier=notifier,
        ends=ends,
    )


def build_runbooks(config: TarsyConfig) -> Runbooks:
    """Runbook resolution and listing from ``system.github`` / ``system.runbooks`` (SPEC §9)."""
    github, runbooks = config.system.github, config.system.runbooks
    hosts = GitHubHosts(web=github.url, api=github.api_url, raw=github.raw_url)
    return Runbooks(
        RunbookHttp(hosts, os.environ.get(github.token_env, "").strip() or None),
        hosts=hosts,
        allowed_domains=tuple(runbooks.allowed_domains),
        default_text=config.defaults.runbook,
        repo_url=runbooks.repo_url,
        cache_ttl=runbooks.cache_ttl.total_seconds(),
    )


def _chat_enabled(config: TarsyConfig, chain_id: str) -> bool:
    chain = config.agent_chains.get(chain_id)
    return chain is not None and chain.chat_enabled


class CatalogModels:
    """Implements ``pipeline.ModelFactory`` over the configured providers and fallbacks."""

    def __init__(self, config: TarsyConfig) -> None:
        self._catalog = ModelCatalog(config.llm_providers)

    def __call__(self, agent: ResolvedAgentConfig, hooks: ModelHooks) -> Model:
        return self._catalog.for_agent(
            agent, on_fallback=hooks.on_fallback, single_shot=hooks.single_shot
        )
