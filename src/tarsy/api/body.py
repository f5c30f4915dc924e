"""Strict, well-explained parsing of JSON request bodies into pydantic models.

FastAPI's own body parsing answers malformed input with terse or generic messages; alerts come
from scripts and monitoring systems whose authors need to know exactly what was wrong.
"""

from __future__ import annotations

import json
from typing import Any, TypeVar

from fastapi import Request
from pydantic import BaseModel, ValidationError

from tarsy.domain.errors import ValidationFailed

M = TypeVar("M", bound=BaseModel)


async def parse_body(request: Request, model: type[M]) -> M:
    raw = await request.body()
    if not raw.strip():
        raise ValidationFailed("request body is empty; expected a JSON object")
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise ValidationFailed(
            f"request body is not valid UTF-8 (byte 0x{raw[exc.start]:02x} at offset {exc.start})"
        ) from None
    try:
        value: Any = json.loads(text)
    except json.JSONDecodeError as exc:
        raise ValidationFailed(
            f"request body is not valid JSON: {exc.msg} at line {exc.lineno} column {exc.colno}"
        ) from None
    if not isinstance(value, dict):
        raise ValidationFailed(
            f"request body must be a JSON object, not a JSON {type(value).__name__}"
        )
    try:
        return model.model_validate(value)
    except ValidationError as exc:
        raise ValidationFailed(describe(exc)) from None


def describe(exc: ValidationError) -> str:
    parts = []
    for err in exc.errors(include_url=False):
        loc = ".".join(str(p) for p in err["loc"]) or "body"
        parts.append(f"{loc}: {err['msg'].lower()}")
    return "; ".join(parts)


def openapi_body(model: type[BaseModel]) -> dict[str, Any]:
    """``openapi_extra`` that documents ``model`` as the JSON request body."""
    return {
        "requestBody": {
            "required": True,
            "content": {
                "application/json": {"schema": {"$ref": f"#/components/schemas/{model.__name__}"}}
            },
        }
    }
