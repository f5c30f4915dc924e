"""``POST /api/v1/alerts`` and ``GET /api/v1/alert-types``."""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse

from tarsy.api.body import openapi_body, parse_body
from tarsy.api.identity import author_of
from tarsy.services.alerts import AlertService, AlertSubmission, AlertTypesResponse, SubmitResponse

router = APIRouter(prefix="/api/v1", tags=["alerts"])


@router.post(
    "/alerts",
    status_code=202,
    response_model=SubmitResponse,
    responses={400: {"description": "invalid alert"}, 413: {"description": "data over 1 MiB"}},
    openapi_extra=openapi_body(AlertSubmission),
)
async def submit_alert(request: Request) -> JSONResponse:
    service: AlertService = request.app.state.ctx.alerts
    alert = await parse_body(request, AlertSubmission)
    result = await service.submit(alert, author_of(request))
    request.app.state.ctx.metrics.metrics.session_submitted(
        alert.alert_type or service.config.defaults.alert_type
    )
    return JSONResponse(result.model_dump(), status_code=202)


@router.get("/alert-types", response_model=AlertTypesResponse)
async def alert_types(request: Request) -> AlertTypesResponse:
    service: AlertService = request.app.state.ctx.alerts
    return service.alert_types()
