"""The worker pool: claim loops, heartbeats, timeouts, cancellation and orphan recovery.

Each of ``worker_count`` loops claims one session at a time (the claim itself enforces the
global ``max_concurrent_sessions``), runs it as a task under ``session_timeout`` while a
heartbeat refreshes ``last_interaction_at``, and writes the terminal state with a
compare-and-set on the claim's attempt. A heartbeat that finds the session ``cancelling``
cancels it locally (so cancellation works even when a notification was missed); one that finds
the session gone (re-queued by another replica's orphan scan) abandons the run silently.
Notices (Slack) go out in the background after a claim and after a terminal state is written.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import random
from collections import deque
from dataclasses import dataclass, field
from typing import Literal

from tarsy.db.disconnects import is_disconnect
from tarsy.db.engine import Database
from tarsy.db.repos.queue import Claim, OrphanReport, QueueRepo
from tarsy.db.repos.runs import close_open_runs
from tarsy.db.repos.sessions import Finalisation, SessionRepo
from tarsy.db.repos.timeline import TimelineRepo
from tarsy.domain.statuses import SessionStatus, StageStatus, TimelineStatus
from tarsy.events.bus import Bus
from tarsy.notify import NULL_NOTIFIER, Notifier
from tarsy.observability.logging import log_context
from tarsy.observability.metrics import Metrics
from tarsy.pipeline.results import SessionExecutor, SessionResult
from tarsy.worker.ends import SessionEnds
from tarsy.worker.notices import SessionNotices
from tarsy.worker.settings import QueueSettings

log = logging.getLogger(__name__)

EndReason = Literal["cancel", "lost", "shutdown"]
TERMINAL_TIMELINE = {
    SessionStatus.CANCELLED: TimelineStatus.CANCELLED,
    SessionStatus.TIMED_OUT: TimelineStatus.TIMED_OUT,
    SessionStatus.FAILED: TimelineStatus.FAILED,
    SessionStatus.COMPLETED: TimelineStatus.COMPLETED,
}
TERMINAL_STAGE = {
    SessionStatus.CANCELLED: StageStatus.CANCELLED,
    SessionStatus.TIMED_OUT: StageStatus.TIMED_OUT,
    SessionStatus.FAILED: StageStatus.FAILED,
    SessionStatus.COMPLETED: StageStatus.FAILED,
}


def _log_failure(what: str, exc: Exception) -> None:
    """A database outage is one line per failure; anything else keeps its traceback."""
    if is_disconnect(exc):
        log.warning("%s: database unreachable (%s)", what, exc)
    else:
        log.error("%s", what, exc_info=exc)


@dataclass(slots=True)
class _Running:
    claim: Claim
    task: asyncio.Task[SessionResult]
    # Set when the run ends: the heartbeat stops between writes, never in the middle of one
    # (cancelling a database call half-way can leave its connection holding a lock).
    done: asyncio.Event = field(default_factory=asyncio.Event)
    reason: EndReason | None = None


@dataclass(frozen=True, slots=True)
class PoolStatus:
    worker_count: int
    alive_workers: int
    busy_workers: int
    stopping: bool


@dataclass(slots=True)
class _Stats:
    claimed: int = 0
    finished: int = 0
    orphans: OrphanReport = field(default_factory=OrphanReport)


class WorkerPool:
    def __init__(
        self,
        *,
        db: Database,
        runner: SessionExecutor,
        bus: Bus,
        settings: QueueSettings,
        pod_id: str,
        metrics: Metrics,
        notifier: Notifier = NULL_NOTIFIER,
    ) -> None:
        self._db = db
        self._metrics = metrics
        self._queue = QueueRepo(db)
        self._sessions = SessionRepo(db)
        self._timeline = TimelineRepo(db)
        self.ends = SessionEnds(
            bus, SessionNotices(notifier, self._sessions), metrics, self._sessions
        )
        self._runner = runner
        self._settings = settings
        self.pod_id = pod_id
        self._workers: list[asyncio.Task[None]] = []
        self._background: list[asyncio.Task[None]] = []
        self._running: dict[str, _Running] = {}
        self._stopping = asyncio.Event()
        self._idle: deque[asyncio.Future[None]] = deque()
        self._ready: deque[Claim] = deque()  # claimed, not yet taken by a worker
        self._polling = False
        self._poke: asyncio.Future[None] | None = None
        self.stats = _Stats()

    # -- lifecycle ----------------------------------------------------------------------------
    async def start(self) -> None:
        """Recover this pod's sessions from before a restart, then start the loops."""
        report = await self._queue.recover_pod(self.pod_id, self._settings.orphan_retries)
        await self._announce_orphans(report, "start-up recovery")
        for i in range(self._settings.worker_count):
            self._workers.append(asyncio.create_task(self._work(), name=f"worker-{i}"))
        self._background.append(asyncio.create_task(self._orphan_loop(), name="orphan-scan"))

    async def stop(self, timeout: float | None = None) -> None:
        """Stop claiming, let in-flight sessions finish (bounded), then cancel the rest.

        Sessions cancelled here stay ``in_progress`` in the database: the orphan scan (or this
        pod's start-up recovery) re-queues them, so no alert is lost to a shutdown.
        """
        grace = self._settings.graceful_shutdown_timeout.total_seconds()
        self._stopping.set()
        self.notify_new_work()
        self._wake(len(self._idle))
        for task in self._background:
            task.cancel()
        loop = asyncio.get_running_loop()
        deadline = loop.time() + (grace if timeout is None else timeout)
        # A claim that was in flight when stopping began starts its session meanwhile: wait
        # for it too, instead of cancelling it to sit in_progress until the orphan scan.
        while tasks := [r.task for r in self._running.values() if not r.task.done()]:
            remaining = deadline - loop.time()
            if remaining <= 0:
                break
            await asyncio.wait(tasks, timeout=remaining)
        # Claims no worker took in time stay in_progress for start-up recovery or the orphan
        # scan to re-queue, like the sessions cancelled here.
        self._ready.clear()
        for running in self._running.values():
            if not running.task.done():
                running.reason = "shutdown"
                running.task.cancel()
        await asyncio.gather(*self._workers, *self._background, return_exceptions=True)
        await self.ends.notices.drain()

    def notify_new_work(self) -> None:
        """Have the poller claim now instead of at its next poll (a new session)."""
        poke = self._poke
        if poke is not None and not poke.done():
            poke.set_result(None)

    def _wake(self, count: int) -> None:
        """Hand the poller role on: wake up to ``count`` idle workers, longest idle first."""
        while count > 0 and self._idle:
            waiter = self._idle.popleft()
            if not waiter.done():
                waiter.set_result(None)
                count -= 1

    def cancel_local(self, session_id: str) -> bool:
        running = self._running.get(session_id)
        if running is None or running.task.done():
            return False
        running.reason = running.reason or "cancel"
        running.task.cancel()
        return True

    def probe(self) -> tuple[int, int, int, bool]:
        """Implements ``services.health.WorkerPoolProbe``."""
        st = self.status()
        return st.worker_count, st.alive_workers, st.busy_workers, st.stopping

    def status(self) -> PoolStatus:
        alive = sum(1 for w in self._workers if not w.done())
        return PoolStatus(
            worker_count=self._settings.worker_count,
            alive_workers=alive,
            busy_workers=len(self._running),
            stopping=self._stopping.is_set(),
        )

    # -- claim loop ---------------------------------------------------------------------------
    # One idle worker at a time polls the queue (the poller); the other idle workers wait for
    # their turn. The poller claims a burst at once (one claim per idle worker, plus its own),
    # puts the claims in ``_ready`` and wakes that many workers: the ones it hands a claim and
    # the next poller. An idle pool therefore costs one query per poll interval, and a burst
    # of alerts is claimed in one round trip instead of one after the other.
    async def _work(self) -> None:
        limit = self._settings.max_concurrent_sessions
        # Claims made before stopping began are run: the stop waits for them like the others.
        while self._ready or not self._stopping.is_set():
            if self._ready:
                claim = self._ready.popleft()
            elif self._polling:
                await self._wait_turn()
                continue
            else:
                self._polling = True
                claims: list[Claim] = []
                try:
                    claims = await self._poll(limit, 1 + len(self._idle))
                finally:
                    self._polling = False
                    self._ready.extend(claims)
                    self._wake(len(claims))  # the workers for the rest, and the next poller
                continue
            self.stats.claimed += 1
            # Every log line of the run (its tasks inherit the context) names the session.
            with log_context(session_id=claim.session_id):
                try:
                    await self._process(claim)
                except Exception:
                    log.exception("session %s: worker error", claim.session_id)

    async def _poll(self, limit: int, count: int) -> list[Claim]:
        """Claim until at least one session is claimed (or the pool stops)."""
        while not self._stopping.is_set():
            try:
                claims = await self._queue.claim_many(self.pod_id, limit, count)
            except Exception as exc:  # noqa: BLE001 - logged; polling goes on
                _log_failure("claim failed; backing off", exc)
                await self._nap(1.0)
                continue
            if claims:
                return claims
            await self._nap(self._poll_delay())
        return []

    def _poll_delay(self) -> float:
        base = self._settings.poll_interval.total_seconds()
        jitter = self._settings.poll_interval_jitter.total_seconds()
        return max(0.01, base + random.uniform(-jitter, jitter))

    async def _nap(self, seconds: float) -> None:
        """The poller's pause between polls; ``notify_new_work`` ends it early."""
        poke: asyncio.Future[None] = asyncio.get_running_loop().create_future()
        self._poke = poke
        try:
            with contextlib.suppress(TimeoutError):
                async with asyncio.timeout(seconds):
                    await poke
        finally:
            self._poke = None
            if not poke.done():
                poke.cancel()

    async def _wait_turn(self) -> None:
        """An idle worker that is not the poller waits until it is handed the role."""
        waiter: asyncio.Future[None] = asyncio.get_running_loop().create_future()
        self._idle.append(waiter)
        try:
            await waiter
        finally:
            if not waiter.done():
                waiter.cancel()
                with contextlib.suppress(ValueError):
                    self._idle.remove(waiter)

    # -- one session --------------------------------------------------------------------------
    async def _process(self, claim: Claim) -> None:
        sid = claim.session_id
        log.info("session %s: claimed (attempt %d)", sid, claim.attempt)
        await self.ends.status(sid, SessionStatus.IN_PROGRESS)
        self.ends.notices.started(sid)
        task = asyncio.create_task(self._runner.run(sid), name=f"session-{sid}")
        running = _Running(claim, task)
        self._running[sid] = running
        heartbeat = asyncio.create_task(self._heartbeat(running), name=f"heartbeat-{sid}")
        # The session stays in ``_running`` until its terminal state is written: while that
        # write waits (a database outage), this replica's orphan scan must not take it away.
        try:
            try:
                timeout = self._settings.session_timeout.total_seconds()
                done, _ = await asyncio.wait({task}, timeout=timeout)
                if not done:
                    task.cancel()
                    with contextlib.suppress(BaseException):
                        await task
                    result = SessionResult(
                        SessionStatus.TIMED_OUT,
                        error_message=f"Session timed out after {self._settings.session_timeout}",
                    )
                else:
                    result = self._outcome(running)
            finally:
                running.done.set()
                await heartbeat
            if running.reason in ("lost", "shutdown"):
                log.warning("session %s: abandoned (%s)", sid, running.reason)
                return
            await self._finalise(claim, result)
        finally:
            self._running.pop(sid, None)

    def _outcome(self, running: _Running) -> SessionResult:
        task = running.task
        if task.cancelled():
            return SessionResult(SessionStatus.CANCELLED, error_message="Cancelled by user")
        exc = task.exception()
        if exc is not None:
            log.error("session %s failed", running.claim.session_id, exc_info=exc)
            return SessionResult(SessionStatus.FAILED, error_message=f"Internal error: {exc}")
        return task.result()

    async def _finalise(self, claim: Claim, result: SessionResult) -> None:
        sid = claim.session_id
        if result.status is not SessionStatus.COMPLETED:
            await close_open_runs(self._db, sid, TERMINAL_STAGE[result.status])
        stored = await self._sessions.finalise(
            sid,
            claim.attempt,
            Finalisation(
                status=result.status,
                final_analysis=result.final_analysis,
                executive_summary=result.executive_summary,
                executive_summary_error=result.executive_summary_error,
                error_message=result.error_message,
            ),
        )
        if stored is None:
            log.warning("session %s: lost the final compare-and-set; skipping", sid)
            return
        # Posted: written before (or with) the status notification below, not waited for.
        self._timeline.post_finish_streaming(sid, TERMINAL_TIMELINE[result.status])
        self.stats.finished += 1
        log.info("session %s: %s", sid, result.status.value)
        await self.ends.status(sid, result.status)
        await self.ends.terminal(sid, result.status, stored)

    async def _heartbeat(self, running: _Running) -> None:
        interval = self._settings.heartbeat_interval.total_seconds()
        while True:
            with contextlib.suppress(TimeoutError):
                async with asyncio.timeout(interval):
                    await running.done.wait()
            if running.done.is_set():
                return
            try:
                status = await self._queue.heartbeat(running.claim, self.pod_id)
            except Exception as exc:  # noqa: BLE001 - logged; the next beat tries again
                _log_failure(f"heartbeat failed for {running.claim.session_id}", exc)
                continue
            if status is None:
                running.reason = "lost"
                running.task.cancel()
                return
            if status is SessionStatus.CANCELLING:
                self.cancel_local(running.claim.session_id)

    # -- orphans ------------------------------------------------------------------------------
    async def _orphan_loop(self) -> None:
        interval = self._settings.orphan_detection_interval.total_seconds()
        while True:
            await asyncio.sleep(interval)
            try:
                await self.scan_orphans()
            except Exception:  # announcing what was recovered failed: scan again next time
                log.exception("orphan scan: announcing its results failed")

    async def scan_orphans(self) -> OrphanReport:
        try:
            report = await self._queue.recover_orphans(
                self._settings.orphan_threshold,
                self._settings.orphan_retries,
                # ours: running here (or claimed, about to run), even if a heartbeat is late
                alive=[*self._running, *(c.session_id for c in self._ready)],
            )
        except Exception as exc:  # noqa: BLE001 - logged; the next scan tries again
            _log_failure("orphan scan failed", exc)
            return OrphanReport()
        await self._announce_orphans(report, "orphan scan")
        return report

    async def _announce_orphans(self, report: OrphanReport, source: str) -> None:
        self.stats.orphans.requeued += report.requeued
        self.stats.orphans.timed_out += report.timed_out
        self._metrics.orphans(len(report.requeued) + len(report.timed_out))
        for sid in report.requeued:
            log.warning("%s: re-queued orphaned session %s", source, sid)
            await self.ends.status(sid, SessionStatus.PENDING)
        for sid in report.timed_out:
            log.warning("%s: orphaned session %s ended", source, sid)
            status = await self._sessions.status_of(sid) or SessionStatus.TIMED_OUT
            await self.ends.status(sid, status)
            await self.ends.terminal(sid, status)
        if report.requeued:
            self.notify_new_work()
