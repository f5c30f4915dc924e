"""``POST /api/v1/alerts/alertmanager``: Prometheus Alertmanager webhook notifications."""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse

from tarsy.api.body import openapi_body, parse_body
from tarsy.api.identity import author_of
from tarsy.services.alertmanager import AlertmanagerResponse, AlertmanagerService
from tarsy.services.alertmanager_payload import AlertmanagerWebhook

router = APIRouter(prefix="/api/v1", tags=["alerts"])


@router.post(
    "/alerts/alertmanager",
    status_code=202,
    response_model=AlertmanagerResponse,
    responses={
        400: {"description": "malformed notification, or an alert TARSy cannot take"},
        413: {"description": "body over 2 MiB, or a session's data over 1 MiB"},
    },
    openapi_extra=openapi_body(AlertmanagerWebhook),
)
async def receive_alertmanager(request: Request) -> JSONResponse:
    service: AlertmanagerService = request.app.state.ctx.alertmanager
    webhook = await parse_body(request, AlertmanagerWebhook)
    result = await service.receive(webhook, author_of(request))
    metrics = request.app.state.ctx.metrics.metrics
    for item in result.results:
        if item.outcome == "created" and item.alert_type is not None:
            metrics.session_submitted(item.alert_type)
    return JSONResponse(result.model_dump(), status_code=202)
