"""The one table that maps domain errors to HTTP statuses; every error body is ``{"message"}``."""

from __future__ import annotations

import logging

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from starlette.exceptions import HTTPException as StarletteHTTPException

from tarsy.domain.errors import (
    ConfigError,
    Conflict,
    NotFound,
    PayloadTooLarge,
    TarsyError,
    Unavailable,
    ValidationFailed,
)

log = logging.getLogger(__name__)

STATUS_BY_ERROR: tuple[tuple[type[TarsyError], int], ...] = (
    (ValidationFailed, 400),
    (ConfigError, 400),
    (NotFound, 404),
    (Conflict, 409),
    (PayloadTooLarge, 413),
    (Unavailable, 503),
)


def status_for(exc: TarsyError) -> int:
    for error_type, status in STATUS_BY_ERROR:
        if isinstance(exc, error_type):
            return status
    return 500


def error_response(status: int, message: str) -> JSONResponse:
    return JSONResponse({"message": message}, status_code=status)


def describe_validation(exc: RequestValidationError) -> str:
    parts = []
    for err in exc.errors():
        loc = ".".join(str(p) for p in err.get("loc", ()) if p not in ("body", "query", "path"))
        parts.append(f"{loc or 'request'}: {err.get('msg', 'invalid')}")
    return "invalid request: " + "; ".join(parts)


def install_error_handlers(app: FastAPI) -> None:
    async def on_tarsy_error(_request: Request, exc: Exception) -> JSONResponse:
        assert isinstance(exc, TarsyError)
        status = status_for(exc)
        if status == 500:
            log.error("unexpected domain error", exc_info=exc)
            return error_response(500, "internal server error")
        return error_response(status, exc.message)

    async def on_validation(_request: Request, exc: Exception) -> JSONResponse:
        assert isinstance(exc, RequestValidationError)
        return error_response(400, describe_validation(exc))

    async def on_http(_request: Request, exc: Exception) -> JSONResponse:
        assert isinstance(exc, StarletteHTTPException)
        return error_response(exc.status_code, str(exc.detail))

    async def on_unexpected(_request: Request, exc: Exception) -> JSONResponse:
        log.error("unhandled error", exc_info=exc)
        return error_response(500, "internal server error")

    app.add_exception_handler(TarsyError, on_tarsy_error)
    app.add_exception_handler(RequestValidationError, on_validation)
    app.add_exception_handler(StarletteHTTPException, on_http)
    app.add_exception_handler(Exception, on_unexpected)
