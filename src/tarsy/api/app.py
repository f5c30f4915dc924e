"""``create_api``: the FastAPI application of the HTTP edge, given its services."""

from __future__ import annotations

from collections.abc import Callable
from contextlib import AbstractAsyncContextManager
from pathlib import Path
from typing import Any

from fastapi import FastAPI
from fastapi.middleware.cors import CORSMiddleware
from pydantic import BaseModel

from tarsy.api.auth import Authentication, AuthPolicy
from tarsy.api.context import ApiContext
from tarsy.api.errors import install_error_handlers
from tarsy.api.limits import BodySizeLimit
from tarsy.api.metrics import HttpMetrics
from tarsy.api.routers import (
    alertmanager,
    alerts,
    chat,
    health,
    metrics,
    runbooks,
    session_commands,
    session_reads,
    system,
    trace,
    ws,
)
from tarsy.api.security import SecurityHeaders
from tarsy.api.static import install_dashboard
from tarsy.services.alertmanager_payload import AlertmanagerWebhook
from tarsy.services.alerts import AlertSubmission
from tarsy.services.chat import ChatMessageIn

Lifespan = Callable[[FastAPI], AbstractAsyncContextManager[None]]


def create_api(
    ctx: ApiContext | None,
    *,
    version: str,
    lifespan: Lifespan | None = None,
    dashboard_dir: Path | None = None,
    auth: AuthPolicy | None = None,
    cors: list[str] | None = None,
) -> FastAPI:
    """Build the app. ``ctx`` may be None when ``lifespan`` sets ``app.state.ctx`` itself."""
    app = FastAPI(
        title="TARSy",
        version=version,
        description="AI SRE: alerts in, root-cause analyses out.",
        lifespan=lifespan,
    )
    if ctx is not None:
        app.state.ctx = ctx
    install_error_handlers(app)
    app.add_middleware(BodySizeLimit)
    app.add_middleware(Authentication, policy=auth or AuthPolicy.open())
    if cors:
        app.add_middleware(
            CORSMiddleware,
            allow_origins=cors,
            allow_credentials=True,
            allow_methods=["GET", "POST", "PATCH", "DELETE"],
            allow_headers=["authorization", "content-type"],
        )
    app.add_middleware(SecurityHeaders)
    if ctx is not None:
        app.add_middleware(HttpMetrics, metrics=ctx.metrics.metrics)  # outermost: sees all
    app.include_router(health.router)
    app.include_router(metrics.router)
    app.include_router(alerts.router)
    app.include_router(alertmanager.router)
    app.include_router(runbooks.router)
    app.include_router(session_reads.router)
    app.include_router(session_commands.router)
    app.include_router(chat.router)
    app.include_router(system.router)
    app.include_router(trace.router)
    app.include_router(ws.router)
    if dashboard_dir is not None:
        install_dashboard(app, dashboard_dir)
    _document_models(app, [AlertSubmission, AlertmanagerWebhook, ChatMessageIn])
    return app


def _document_models(app: FastAPI, models: list[type[BaseModel]]) -> None:
    """Add request models parsed by hand (``api.body``) to the OpenAPI components."""
    base = app.openapi

    def openapi() -> dict[str, Any]:
        if app.openapi_schema is not None:
            return app.openapi_schema
        schema = base()
        components = schema.setdefault("components", {}).setdefault("schemas", {})
        for model in models:
            spec = model.model_json_schema(ref_template="#/components/schemas/{model}")
            components.update(spec.pop("$defs", {}))
            components[model.__name__] = spec
        app.openapi_schema = schema
        return schema

    app.openapi = openapi  # type: ignore[method-assign]
