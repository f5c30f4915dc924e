"""Health of this replica: database reachability, worker pool liveness, queue depth."""

from __future__ import annotations

import asyncio
from dataclasses import dataclass
from typing import Literal, Protocol

from pydantic import BaseModel
from sqlalchemy import text

from tarsy.db.engine import Database
from tarsy.db.repos.queue import QueueRepo

CheckStatus = Literal["healthy", "degraded", "unhealthy"]


class WorkerPoolProbe(Protocol):
    """What health needs to know of the local worker pool (None when this replica has none)."""

    def probe(self) -> tuple[int, int, int, bool]:
        """(configured workers, alive workers, busy workers, stopping)."""
        ...


class Check(BaseModel):
    status: CheckStatus
    message: str | None = None


class QueueView(BaseModel):
    pending: int
    active: int


class HealthReport(BaseModel):
    status: CheckStatus
    version: str
    checks: dict[str, Check]
    queue: QueueView | None = None


@dataclass(frozen=True, slots=True)
class HealthService:
    db: Database
    version: str
    workers: WorkerPoolProbe | None = None

    async def report(self) -> HealthReport:
        checks: dict[str, Check] = {}
        queue: QueueView | None = None
        try:
            async with asyncio.timeout(5):
                async with self.db.engine.connect() as conn:
                    await conn.execute(text("SELECT 1"))
                repo = QueueRepo(self.db)
                queue = QueueView(
                    pending=await repo.pending_count(), active=await repo.active_count()
                )
            checks["database"] = Check(status="healthy")
        except Exception as exc:  # noqa: BLE001 - any failure makes the database unhealthy
            checks["database"] = Check(status="unhealthy", message=f"{type(exc).__name__}: {exc}")
        checks["worker_pool"] = self._worker_check()
        overall: CheckStatus = "healthy"
        if checks["database"].status == "unhealthy":
            overall = "unhealthy"
        elif any(c.status != "healthy" for c in checks.values()):
            overall = "degraded"
        return HealthReport(status=overall, version=self.version, checks=checks, queue=queue)

    def _worker_check(self) -> Check:
        if self.workers is None:
            return Check(status="healthy", message="no workers on this replica (role api)")
        configured, alive, busy, stopping = self.workers.probe()
        if stopping:
            return Check(status="degraded", message="shutting down")
        if alive < configured:
            return Check(status="degraded", message=f"{alive} of {configured} workers alive")
        return Check(status="healthy", message=f"{alive} workers, {busy} busy")
