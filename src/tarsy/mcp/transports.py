"""Build the SDK transport of one configured MCP server, and its best-effort session cleanup.

``stdio`` starts the command as a subprocess; the SDK passes it only HOME, LOGNAME, PATH, SHELL,
TERM and USER from our environment, plus the configured ``env`` map. ``http`` is streamable
HTTP, ``sse`` the older HTTP+SSE transport; both take ``bearer_token``, ``verify_ssl``,
``timeout`` and ``custom_headers``, where ``{{.SESSION_ID}}`` becomes the execution id.
"""

from __future__ import annotations

import logging
import sys
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from datetime import timedelta
from typing import TYPE_CHECKING, TextIO

import httpx2

from tarsy.config import SESSION_ID_PLACEHOLDER
from tarsy.config.schema_tarsy import TransportConfig

if TYPE_CHECKING:  # the SDK is imported on first use (``tarsy.mcp.sdk``)
    from mcp.client import Transport
    from mcp.client._transport import TransportStreams

log = logging.getLogger(__name__)

DEFAULT_HTTP_TIMEOUT = 30.0
SSE_READ_TIMEOUT = 300.0
CLEANUP_TIMEOUT = 15.0


class TransportSetupError(Exception):
    """The configuration cannot be turned into a transport (missing command or url)."""


def substitute_session_id(text: str, execution_id: str) -> str:
    """Replace ``{{.SESSION_ID}}`` (the agent execution id) in a header value or URL."""
    return text.replace(SESSION_ID_PLACEHOLDER, execution_id)


def http_headers(transport: TransportConfig, execution_id: str) -> dict[str, str]:
    """The HTTP headers of an ``http``/``sse`` server: custom headers plus the bearer token."""
    headers = {
        k: substitute_session_id(v, execution_id) for k, v in transport.custom_headers.items()
    }
    if transport.bearer_token:
        headers["Authorization"] = f"Bearer {transport.bearer_token}"
    return headers


def _seconds(value: timedelta | None) -> float:
    return value.total_seconds() if value is not None else DEFAULT_HTTP_TIMEOUT


def _http_client(
    transport: TransportConfig,
    execution_id: str,
    headers: dict[str, str] | None = None,
    timeout: httpx2.Timeout | None = None,
    auth: httpx2.Auth | None = None,
) -> httpx2.AsyncClient:
    merged = http_headers(transport, execution_id) | (headers or {})
    return httpx2.AsyncClient(
        headers=merged,
        verify=transport.verify_ssl is not False,
        timeout=timeout or httpx2.Timeout(_seconds(transport.timeout), read=SSE_READ_TIMEOUT),
        auth=auth,
    )


def build_transport(
    transport: TransportConfig, execution_id: str, errlog: TextIO = sys.stderr
) -> Transport:
    """The SDK transport for ``transport``; raises ``TransportSetupError`` when incomplete."""
    from mcp.client.sse import sse_client
    from mcp.client.stdio import StdioServerParameters, stdio_client

    match transport.type:
        case "stdio":
            if not transport.command:
                raise TransportSetupError("stdio transport needs a command")
            params = StdioServerParameters(
                command=transport.command, args=list(transport.args), env=dict(transport.env)
            )
            return stdio_client(params, errlog=errlog)
        case "http":
            if not transport.url:
                raise TransportSetupError("http transport needs a url")
            client = _http_client(transport, execution_id)
            return _owned_http(client, transport.url)
        case "sse":
            if not transport.url:
                raise TransportSetupError("sse transport needs a url")

            def factory(
                headers: dict[str, str] | None = None,
                timeout: httpx2.Timeout | None = None,
                auth: httpx2.Auth | None = None,
            ) -> httpx2.AsyncClient:
                return _http_client(transport, execution_id, headers, timeout, auth)

            return sse_client(
                transport.url,
                timeout=_seconds(transport.timeout),
                sse_read_timeout=SSE_READ_TIMEOUT,
                httpx_client_factory=factory,
            )


@asynccontextmanager
async def _owned_http(client: httpx2.AsyncClient, url: str) -> AsyncIterator[TransportStreams]:
    """Streamable HTTP over ``client``, closing the client afterwards."""
    from mcp.client.streamable_http import streamable_http_client

    async with client, streamable_http_client(url, http_client=client) as streams:
        yield streams


async def cleanup_session(transport: TransportConfig, execution_id: str) -> None:
    """Best-effort HTTP DELETE of ``session_cleanup_url`` (15 s timeout); never raises."""
    if not transport.session_cleanup_url:
        return
    url = substitute_session_id(transport.session_cleanup_url, execution_id)
    try:
        async with httpx2.AsyncClient(
            headers=http_headers(transport, execution_id),
            verify=transport.verify_ssl is not False,
            timeout=CLEANUP_TIMEOUT,
        ) as client:
            response = await client.delete(url)
            if response.status_code >= 400:
                log.warning("MCP session cleanup %s answered %s", url, response.status_code)
    except (httpx2.HTTPError, OSError) as exc:
        log.warning("MCP session cleanup %s failed: %s", url, exc)
