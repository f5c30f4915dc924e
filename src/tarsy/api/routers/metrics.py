"""``GET /metrics``: Prometheus text exposition, unauthenticated, outside ``/api``."""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import Response

from tarsy.observability.metrics import CONTENT_TYPE
from tarsy.services.metrics import MetricsService

router = APIRouter(tags=["metrics"])


@router.get("/metrics", response_class=Response, include_in_schema=False)
async def metrics(request: Request) -> Response:
    service: MetricsService = request.app.state.ctx.metrics
    return Response(await service.render(), media_type=CONTENT_TYPE)
