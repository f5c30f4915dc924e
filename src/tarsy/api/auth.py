"""Authentication of ``/api`` requests, REST and WebSocket alike (``system.auth``).

``AuthPolicy`` decides who a request is; ``Authentication`` (ASGI middleware) stores that
identity in the scope (``author_of`` reads it) or answers 401 ``{"message"}``, for a WebSocket
before the handshake completes. Modes:

- ``none`` (the local default): anyone; the identity is the first identity header
  (``X-Forwarded-User``, ``X-Forwarded-Email``, ``X-Remote-User``), else ``api-client``.
- ``proxy``: the identity headers, believed only from ``trusted_proxies`` (oauth2-proxy,
  kube-rbac-proxy in the same pod).
- ``token``: ``Authorization: Bearer <token>`` whose SHA-256 is configured; the identity is the
  token's name. Tokens are never kept in clear: ``token_env`` values are hashed at start-up.

Paths outside ``/api`` (the dashboard's files, ``/docs``) are public, and so are
``public_paths`` (``/health`` and ``/metrics`` by default).
"""

from __future__ import annotations

import hashlib
import hmac
import ipaddress
import json
from collections.abc import Mapping
from dataclasses import dataclass

from starlette.types import ASGIApp, Message, Receive, Scope, Send

from tarsy.config.schema_tarsy import AuthConfig

IDENTITY_HEADERS = (b"x-forwarded-user", b"x-forwarded-email", b"x-remote-user")
ANONYMOUS = "api-client"
IDENTITY_KEY = "identity"
PROTECTED_PREFIX = "/api/"

Network = ipaddress.IPv4Network | ipaddress.IPv6Network


class AuthSetupError(ValueError):
    """A token's environment variable is unset or empty."""


@dataclass(frozen=True, slots=True)
class AuthPolicy:
    modes: frozenset[str]
    trusted: tuple[Network, ...]
    tokens: Mapping[str, str]  # sha256 hex -> name
    public_paths: frozenset[str]

    @staticmethod
    def open() -> AuthPolicy:
        return AuthPolicy(frozenset({"none"}), (), {}, frozenset())

    @staticmethod
    def from_config(config: AuthConfig, environ: Mapping[str, str]) -> AuthPolicy:
        tokens: dict[str, str] = {}
        for token in config.tokens:
            digest = token.sha256
            if digest is None:
                value = environ.get(token.token_env or "", "")
                if not value:
                    raise AuthSetupError(
                        f"system.auth.tokens: {token.name!r} reads ${token.token_env}, "
                        "which is unset or empty"
                    )
                digest = hashlib.sha256(value.encode()).hexdigest()
            tokens[digest] = token.name
        return AuthPolicy(
            modes=frozenset(config.modes),
            trusted=tuple(ipaddress.ip_network(n, strict=False) for n in config.trusted_proxies),
            tokens=tokens,
            public_paths=frozenset(config.public_paths),
        )

    def protects(self, path: str) -> bool:
        if "none" in self.modes or path in self.public_paths:
            return False
        return path.startswith(PROTECTED_PREFIX) or path in ("/api", "/health", "/metrics")

    def identify(self, scope: Scope) -> str | None:
        """The identity of the request, or None when it has none that counts."""
        headers = dict(scope.get("headers") or [])
        if "none" in self.modes:
            return _header_identity(headers) or ANONYMOUS
        if "token" in self.modes:
            auth = headers.get(b"authorization", b"").decode("latin-1")
            scheme, _, token = auth.partition(" ")
            if scheme.lower() == "bearer" and token.strip():
                digest = hashlib.sha256(token.strip().encode()).hexdigest()
                for known, name in self.tokens.items():
                    if hmac.compare_digest(known, digest):
                        return name
        if "proxy" in self.modes and self._from_trusted_proxy(scope):
            return _header_identity(headers)
        return None

    def _from_trusted_proxy(self, scope: Scope) -> bool:
        client = scope.get("client")
        if not client:
            return False
        try:
            address = ipaddress.ip_address(client[0])
        except ValueError:
            return False
        return any(address in network for network in self.trusted)


def _header_identity(headers: Mapping[bytes, bytes]) -> str | None:
    for name in IDENTITY_HEADERS:
        value = headers.get(name, b"").decode("utf-8", "replace").strip()
        if value:
            return value
    return None


class Authentication:
    """ASGI middleware applying an ``AuthPolicy`` to HTTP and WebSocket requests."""

    def __init__(self, app: ASGIApp, policy: AuthPolicy) -> None:
        self.app = app
        self.policy = policy

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] not in ("http", "websocket"):
            await self.app(scope, receive, send)
            return
        identity = self.policy.identify(scope)
        if identity is None and self.policy.protects(scope.get("path", "")):
            await _unauthorized(scope, receive, send)
            return
        scope.setdefault("state", {})[IDENTITY_KEY] = identity or ANONYMOUS
        await self.app(scope, receive, send)


UNAUTHORIZED = json.dumps(
    {"message": "authentication required: a trusted proxy identity or a Bearer API token"}
).encode()
_HEADERS = [(b"content-type", b"application/json"), (b"www-authenticate", b"Bearer")]


async def _unauthorized(scope: Scope, receive: Receive, send: Send) -> None:
    if scope["type"] == "http":
        await send({"type": "http.response.start", "status": 401, "headers": _HEADERS})
        await send({"type": "http.response.body", "body": UNAUTHORIZED})
        return
    message: Message = await receive()  # websocket.connect
    if message["type"] != "websocket.connect":
        return
    if "websocket.http.response" in scope.get("extensions", {}):
        await send({"type": "websocket.http.response.start", "status": 401, "headers": _HEADERS})
        await send({"type": "websocket.http.response.body", "body": UNAUTHORIZED})
    else:
        await send({"type": "websocket.close", "code": 1008})
