"""Authentication (``system.auth``): with ``proxy`` and ``token`` on, every ``/api`` route, REST
and WebSocket, answers 401 without an identity; the route table is enumerated, so a new route is
covered by itself. The identity becomes the session author; bad settings are refused clearly."""

from __future__ import annotations

import hashlib
import importlib
import pkgutil
import re
from pathlib import Path
from typing import Any

import pytest
from fastapi.routing import APIRoute, APIWebSocketRoute
from websockets.exceptions import InvalidStatus

from tarsy import __version__
from tarsy.api import routers
from tarsy.api.app import create_api
from tarsy.api.auth import AuthPolicy, AuthSetupError
from tarsy.config import Settings, TarsyConfig, load_config
from tarsy.domain.errors import ConfigErrors
from tests.e2e.harness import RunningApp, running_app
from tests.e2e.test_first_investigation import FAST_QUEUE
from tests.e2e.ws import ws_client

TOKEN = "s3cr3t-token-for-ci"
PROVIDERS = "llm_providers:\n  scripted:\n    type: scripted\n    model: scripted-test\n"


def auth_config(tmp_path: Path, auth: str, env: dict[str, str] | None = None) -> TarsyConfig:
    directory = tmp_path / "cfg"
    directory.mkdir(exist_ok=True)
    (directory / "tarsy.yaml").write_text(
        f"defaults:\n  llm_provider: scripted\nsystem:\n  auth:\n{auth}"
    )
    (directory / "llm-providers.yaml").write_text(PROVIDERS)
    return load_config(directory, env=env or {})


SHA = hashlib.sha256(TOKEN.encode()).hexdigest()
PROXY_AND_TOKEN = f"""\
    modes: [proxy, token]
    tokens:
      - {{name: ci-bot, sha256: {SHA}}}
"""


def api_routes() -> list[tuple[str, str]]:
    """(method, concrete path) of every /api route: the REST routes of the app's OpenAPI
    document and the routes of every router module of ``tarsy.api.routers`` (WebSocket ones
    as ``WS``)."""
    routes: set[tuple[str, str]] = set()
    document = create_api(None, version=__version__).openapi()
    for path, operations in document["paths"].items():
        routes.update((method.upper(), path) for method in operations)
    for info in pkgutil.iter_modules(routers.__path__):
        module = importlib.import_module(f"{routers.__name__}.{info.name}")
        for route in module.router.routes:
            if isinstance(route, APIWebSocketRoute):
                routes.add(("WS", route.path))
            elif isinstance(route, APIRoute):
                routes.update((method, route.path) for method in route.methods)
    return sorted(
        (method, re.sub(r"\{[^}]+\}", "x", path))
        for method, path in routes
        if path.startswith("/api/")
    )


async def status_of(app: RunningApp, method: str, path: str, **kwargs: Any) -> int:
    response = await app.client.request(
        method, path, json={} if method != "GET" else None, **kwargs
    )
    return response.status_code


async def ws_status(app: RunningApp, headers: dict[str, str] | None = None) -> int:
    try:
        async with ws_client(app.url, headers=headers):
            return 101
    except InvalidStatus as refused:
        return refused.response.status_code


async def test_every_api_route_needs_an_identity(sqlite_settings: Settings, tmp_path: Path) -> None:
    routes = api_routes()
    assert ("POST", "/api/v1/alerts") in routes and ("WS", "/api/v1/ws") in routes
    assert len(routes) >= 15
    config = auth_config(tmp_path, PROXY_AND_TOKEN)
    async with running_app(sqlite_settings, config, queue=FAST_QUEUE) as app:
        for method, path in routes:
            if method == "WS":
                assert await ws_status(app) == 401
                assert await ws_status(app, {"Authorization": "Bearer wrong"}) == 401
                assert await ws_status(app, {"Authorization": f"Bearer {TOKEN}"}) == 101
                assert await ws_status(app, {"X-Forwarded-User": "alice"}) == 101
                continue
            assert await status_of(app, method, path) == 401, (method, path)
            wrong = {"Authorization": "Bearer wrong"}
            assert await status_of(app, method, path, headers=wrong) == 401, (method, path)
            good = {"Authorization": f"Bearer {TOKEN}"}
            assert await status_of(app, method, path, headers=good) != 401, (method, path)
            proxied = {"X-Forwarded-User": "alice"}
            assert await status_of(app, method, path, headers=proxied) != 401, (method, path)
        refused = await app.client.get("/api/v1/sessions")
        assert refused.json()["message"].startswith("authentication required")
        assert refused.headers["www-authenticate"] == "Bearer"
        # Public unless configured otherwise: health, metrics, the dashboard, the docs.
        assert (await app.client.get("/health")).status_code == 200
        assert (await app.client.get("/metrics")).status_code == 200
        assert (await app.client.get("/openapi.json")).status_code == 200
        assert (await app.client.get("/sessions/x")).status_code == 200

        # The identity is the author: the token's name, or the proxy's user.
        for headers, author in (
            ({"Authorization": f"Bearer {TOKEN}"}, "ci-bot"),
            ({"X-Forwarded-Email": "bob@example.com"}, "bob@example.com"),
        ):
            response = await app.client.post(
                "/api/v1/alerts", json={"data": "disk full"}, headers=headers
            )
            sid = response.json()["session_id"]
            detail = (await app.client.get(f"/api/v1/sessions/{sid}", headers=headers)).json()
            assert detail["author"] == author


async def test_identity_headers_count_only_from_trusted_proxies(
    sqlite_settings: Settings, tmp_path: Path
) -> None:
    config = auth_config(
        tmp_path,
        "    modes: [proxy]\n    trusted_proxies: [10.0.0.0/8]\n    public_paths: [/health]\n",
    )
    async with running_app(sqlite_settings, config, queue=FAST_QUEUE) as app:
        spoofed = {"X-Forwarded-User": "mallory"}
        assert (await app.client.get("/api/v1/sessions", headers=spoofed)).status_code == 401
        assert await ws_status(app, spoofed) == 401
        assert (await app.client.get("/metrics")).status_code == 401, "not public any more"
        assert (await app.client.get("/health")).status_code == 200
        # Security headers on every response.
        response = await app.client.get("/health")
        assert response.headers["x-content-type-options"] == "nosniff"
        assert response.headers["x-frame-options"] == "DENY"


async def test_without_auth_the_identity_headers_are_believed(
    sqlite_settings: Settings, tmp_path: Path
) -> None:
    async with running_app(sqlite_settings, load_config(None), queue=FAST_QUEUE) as app:
        response = await app.client.post(
            "/api/v1/alerts", json={"data": "x"}, headers={"X-Remote-User": "system:sa:ci"}
        )
        sid = response.json()["session_id"]
        assert (await app.client.get(f"/api/v1/sessions/{sid}")).json()["author"] == "system:sa:ci"
        anonymous = await app.client.post("/api/v1/alerts", json={"data": "y"})
        other = anonymous.json()["session_id"]
        assert (await app.client.get(f"/api/v1/sessions/{other}")).json()["author"] == "api-client"


@pytest.mark.parametrize(
    ("auth", "message"),
    [
        ("    modes: [none, token]\n", "cannot be combined"),
        ("    modes: [token]\n", "needs at least one entry under tokens"),
        ("    modes: [proxy]\n    trusted_proxies: [not-a-network]\n", "not an address or CIDR"),
        ("    modes: [sso]\n", "modes"),
        (
            f"    modes: [token]\n    tokens: [{{name: a, sha256: {SHA}, token_env: X}}]\n",
            "exactly one",
        ),
        ("    modes: [token]\n    tokens: [{name: a, sha256: abc}]\n", "64 hexadecimal"),
    ],
)
def test_bad_auth_settings_are_refused_with_file_and_key(
    tmp_path: Path, auth: str, message: str
) -> None:
    with pytest.raises(ConfigErrors) as refused:
        auth_config(tmp_path, auth)
    text = str(refused.value)
    assert "tarsy.yaml" in text and "system.auth" in text and message in text, text


def test_a_token_read_from_an_unset_variable_is_refused_at_start(tmp_path: Path) -> None:
    config = auth_config(
        tmp_path, "    modes: [token]\n    tokens: [{name: ci, token_env: CI_TOKEN}]\n"
    )
    with pytest.raises(AuthSetupError, match=r"'ci' reads \$CI_TOKEN, which is unset"):
        AuthPolicy.from_config(config.system.auth, {})
    policy = AuthPolicy.from_config(config.system.auth, {"CI_TOKEN": TOKEN})
    assert list(policy.tokens) == [SHA], "only the hash is kept"
    scope = {"type": "http", "headers": [(b"authorization", f"Bearer {TOKEN}".encode())]}
    assert policy.identify(scope) == "ci"
