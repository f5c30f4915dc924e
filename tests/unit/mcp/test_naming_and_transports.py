"""Tool name forms, error classification, result text and HTTP header building."""

from __future__ import annotations

import anyio
import mcp_types as types
import pytest
from mcp.shared.exceptions import MCPError

from tarsy.config.schema_tarsy import TransportConfig
from tarsy.mcp import canonical_name
from tarsy.mcp.connection import classify, result_text
from tarsy.mcp.transports import TransportSetupError, build_transport, http_headers


def test_canonical_name_accepts_provider_form() -> None:
    assert canonical_name("k8s__pods_list") == "k8s.pods_list"
    assert canonical_name("k8s.pods__list") == "k8s.pods__list"
    assert canonical_name(" plain ") == "plain"


@pytest.mark.parametrize(
    ("exc", "kind"),
    [
        (TimeoutError(), "timeout"),
        (MCPError(types.CONNECTION_CLOSED, "Connection closed"), "connection"),
        (MCPError(types.REQUEST_TIMEOUT, "timed out"), "timeout"),
        (MCPError(types.INVALID_PARAMS, "bad"), "protocol"),
        (anyio.ClosedResourceError(), "connection"),
        (ConnectionRefusedError(), "connection"),
        (ExceptionGroup("g", [ConnectionResetError()]), "connection"),
        (ValueError("x"), "unknown"),
    ],
)
def test_classify(exc: BaseException, kind: str) -> None:
    assert classify(exc) == kind


def test_result_text_joins_text_and_names_other_parts() -> None:
    result = types.CallToolResult(
        content=[
            types.TextContent(type="text", text="line 1"),
            types.ImageContent(type="image", data="AAAA", mime_type="image/png"),
            types.TextContent(type="text", text="line 2"),
        ]
    )
    assert result_text(result) == "line 1\n[image content omitted]\nline 2"


def test_headers_substitute_the_execution_id_and_add_the_bearer_token() -> None:
    transport = TransportConfig(
        type="http",
        url="http://x/mcp",
        bearer_token="abc",
        custom_headers={"X-Sandbox": "sb-{{.SESSION_ID}}", "X-Team": "sre"},
    )
    assert http_headers(transport, "exec-9") == {
        "X-Sandbox": "sb-exec-9",
        "X-Team": "sre",
        "Authorization": "Bearer abc",
    }


@pytest.mark.parametrize("kind", ["stdio", "http", "sse"])
def test_incomplete_transport_is_a_setup_error(kind: str) -> None:
    with pytest.raises(TransportSetupError):
        build_transport(TransportConfig.model_validate({"type": kind}), "e")
