"""FastAPI dependencies: the services the routers use, taken from ``app.state.ctx``."""

from __future__ import annotations

from typing import TYPE_CHECKING, Annotated

from fastapi import Depends, Request

if TYPE_CHECKING:
    from tarsy.services.session_queries import SessionQueryService
    from tarsy.services.trace import TraceQueryService


def get_session_queries(request: Request) -> SessionQueryService:
    queries: SessionQueryService = request.app.state.ctx.session_queries
    return queries


SessionQueries = Annotated["SessionQueryService", Depends(get_session_queries)]


def get_trace(request: Request) -> TraceQueryService:
    trace: TraceQueryService = request.app.state.ctx.trace
    return trace


TraceQueries = Annotated["TraceQueryService", Depends(get_trace)]
