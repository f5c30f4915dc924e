"""The reference ``@modelcontextprotocol/server-everything`` (npm) over stdio, through npx.

Needs ``npm install --prefix tests/integration/mcp/npm @modelcontextprotocol/server-everything``
(see the Makefile); skipped when it is not installed. ``TARSY_MCP_EVERYTHING_DIR`` may point at
another directory holding that ``node_modules``.
"""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest

from tarsy.config.schema_tarsy import McpServerConfig
from tarsy.mcp import McpSessions

NPM_DIR = Path(os.environ.get("TARSY_MCP_EVERYTHING_DIR", Path(__file__).with_name("npm")))
BIN = NPM_DIR / "node_modules" / ".bin" / "mcp-server-everything"

pytestmark = pytest.mark.skipif(
    not BIN.exists() or shutil.which("npx") is None,
    reason=f"server-everything not installed under {NPM_DIR} (make mcp-everything)",
)


def everything() -> McpServerConfig:
    return McpServerConfig.model_validate(
        {
            "transport": {
                "type": "stdio",
                "command": "npx",
                "args": [
                    "--no-install",
                    "--prefix",
                    str(NPM_DIR),
                    "mcp-server-everything",
                    "stdio",
                ],
            }
        }
    )


async def test_lists_and_calls_the_reference_server() -> None:
    async with McpSessions({"everything": everything()}).open(["everything"], "e") as opened:
        names = {t.name for t in await opened.toolset.list_tools()}
        echo = await opened.toolset.call_tool("everything.echo", '{"message": "hi"}')
        total = await opened.toolset.call_tool("everything__get-sum", "a=2, b=3")
        image = await opened.toolset.call_tool("everything.get-tiny-image", "{}")
        wrong = await opened.toolset.call_tool("everything.get-sum", '{"a": "two"}')
    assert opened.failed_servers == {}
    assert {"everything.echo", "everything.get-sum"} <= names
    assert echo.content == "Echo: hi"
    assert "5" in total.content
    assert "[image content omitted]" in image.content
    assert wrong.is_error
