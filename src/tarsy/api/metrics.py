"""``HttpMetrics``: ASGI middleware counting requests by method, route template and status."""

from __future__ import annotations

import time

from starlette.types import ASGIApp, Message, Receive, Scope, Send

from tarsy.observability.metrics import Metrics

UNMATCHED = "unmatched"


class HttpMetrics:
    """Records ``tarsy_http_requests_total`` and ``tarsy_http_request_duration_seconds``.

    The ``path`` label is the matched route's template (``/api/v1/sessions/{session_id}``), so
    raw URLs never become label values; requests that match no route share ``unmatched``.
    """

    def __init__(self, app: ASGIApp, metrics: Metrics) -> None:
        self.app = app
        self.metrics = metrics

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        started = time.perf_counter()
        status = 500

        async def observed_send(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = int(message["status"])
            await send(message)

        try:
            await self.app(scope, receive, observed_send)
        finally:
            route = scope.get("route")
            path = getattr(route, "path", None) or UNMATCHED
            self.metrics.http_request(
                scope["method"], str(path), status, time.perf_counter() - started
            )
