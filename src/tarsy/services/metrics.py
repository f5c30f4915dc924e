"""``MetricsService``: refreshes the state gauges, then renders ``/metrics``.

Queue depth comes from the database (cluster-wide, cached for ``queue_ttl`` seconds so frequent
scrapes cost at most one pair of counts per interval); worker gauges from this replica's pool;
MCP health from the health monitor's cache. A failing count keeps the previous values.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Protocol

from tarsy.observability.metrics import Metrics
from tarsy.services.health import WorkerPoolProbe
from tarsy.services.system import ServerHealthSource

log = logging.getLogger(__name__)

QUEUE_TTL_SECONDS = 15.0


class QueueCounts(Protocol):
    """What the gauges need of the queue (``db.repos.queue.QueueRepo``)."""

    async def active_count(self) -> int: ...

    async def pending_count(self) -> int: ...


class NoWorkerPool:
    """A ``WorkerPoolProbe`` for replicas without workers (``--role api``)."""

    def probe(self) -> tuple[int, int, int, bool]:
        return 0, 0, 0, False


@dataclass
class MetricsService:
    metrics: Metrics
    queue: QueueCounts
    workers: WorkerPoolProbe
    mcp: ServerHealthSource
    queue_ttl: float = QUEUE_TTL_SECONDS
    clock: Callable[[], float] = time.monotonic
    _refreshed_at: float | None = field(default=None, init=False)

    async def render(self) -> bytes:
        await self._refresh_queue()
        total, _alive, busy, _stopping = self.workers.probe()
        self.metrics.set_workers(total=total, busy=busy)
        self.metrics.set_mcp_health({s.id: s.healthy for s in self.mcp.servers()})
        return self.metrics.render()

    async def _refresh_queue(self) -> None:
        now = self.clock()
        if self._refreshed_at is not None and now - self._refreshed_at < self.queue_ttl:
            return
        try:
            active = await self.queue.active_count()
            queued = await self.queue.pending_count()
        except Exception:
            log.exception("metrics: counting the queue failed")
            return
        self._refreshed_at = now
        self.metrics.set_queue(active=active, queued=queued)
