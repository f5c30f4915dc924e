"""Who made a request: the identity ``api.auth`` established (SPEC §12)."""

from __future__ import annotations

from fastapi import Request

from tarsy.api.auth import ANONYMOUS, IDENTITY_KEY


def author_of(request: Request) -> str:
    identity = request.scope.get("state", {}).get(IDENTITY_KEY)
    return identity if isinstance(identity, str) and identity else ANONYMOUS
