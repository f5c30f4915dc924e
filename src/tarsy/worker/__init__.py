"""Workers (ring 5): claim pending sessions from the database queue and run them.

Modules:
- ``settings`` -- ``QueueSettings``: worker count, limits, intervals, timeouts (from tarsy.yaml).
- ``pool``     -- ``WorkerPool``: N claim loops per process, heartbeats, session timeout,
                  local cancellation, orphan scan, start-up recovery, graceful shutdown.
- ``notices``  -- ``SessionNotices``: start and terminal notices (``notify.Notifier``) as bounded
                  background tasks, in order per session, drained briefly at shutdown.
"""
