"""Who made a request: identity headers set by the auth proxy in front of TARSy."""

from __future__ import annotations

from fastapi import Request

IDENTITY_HEADERS = ("x-forwarded-user", "x-forwarded-email", "x-remote-user")
ANONYMOUS = "api-client"


def author_of(request: Request) -> str:
    for header in IDENTITY_HEADERS:
        value = request.headers.get(header, "").strip()
        if value:
            return value
    return ANONYMOUS
