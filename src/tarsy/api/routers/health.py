"""``GET /health``: 200 when healthy or degraded, 503 when the database is unreachable."""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse

from tarsy.services.health import HealthReport, HealthService

router = APIRouter(tags=["health"])


@router.get("/health", response_model=HealthReport)
async def health(request: Request) -> JSONResponse:
    service: HealthService = request.app.state.ctx.health
    report = await service.report()
    code = 503 if report.status == "unhealthy" else 200
    return JSONResponse(report.model_dump(mode="json"), status_code=code)
