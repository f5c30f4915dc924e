"""``GET /api/v1/system/mcp-servers``, ``/system/warnings`` and ``/system/default-tools``."""

from __future__ import annotations

from fastapi import APIRouter, Request

from tarsy.services.system import (
    DefaultToolsResponse,
    McpServersResponse,
    SystemService,
    WarningsResponse,
)

router = APIRouter(prefix="/api/v1/system", tags=["system"])


def _service(request: Request) -> SystemService:
    service: SystemService = request.app.state.ctx.system
    return service


@router.get("/mcp-servers", response_model=McpServersResponse)
async def mcp_servers(request: Request) -> McpServersResponse:
    return _service(request).mcp_servers()


@router.get("/warnings", response_model=WarningsResponse)
async def warnings(request: Request) -> WarningsResponse:
    return _service(request).warnings()


@router.get(
    "/default-tools",
    response_model=DefaultToolsResponse,
    responses={400: {"description": "unknown alert type"}},
)
async def default_tools(request: Request, alert_type: str | None = None) -> DefaultToolsResponse:
    return _service(request).default_tools(alert_type)
