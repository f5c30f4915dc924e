"""Queue and worker settings, resolved from the ``queue:`` block of tarsy.yaml."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta


@dataclass(frozen=True, slots=True)
class QueueSettings:
    worker_count: int = 5
    max_concurrent_sessions: int = 5
    poll_interval: timedelta = timedelta(seconds=1)
    poll_interval_jitter: timedelta = timedelta(milliseconds=500)
    session_timeout: timedelta = timedelta(minutes=40)
    graceful_shutdown_timeout: timedelta = timedelta(minutes=40)
    orphan_detection_interval: timedelta = timedelta(minutes=5)
    orphan_threshold: timedelta = timedelta(minutes=5)
    heartbeat_interval: timedelta = timedelta(seconds=30)
    orphan_retries: int = 1
