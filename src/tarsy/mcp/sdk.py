"""The MCP SDK, imported on first use and off the event loop.

Importing it costs about half a second, which ``tarsy serve`` would otherwise spend before it
answers ``/health``; a first connection imports it in a worker thread, so the event loop keeps
serving meanwhile.
"""

from __future__ import annotations

import asyncio
import importlib
import sys

MODULES = (
    "mcp_types",
    "mcp",
    "mcp.shared.exceptions",
    "mcp.client.sse",
    "mcp.client.stdio",
    "mcp.client.streamable_http",
)


def loaded() -> bool:
    return all(name in sys.modules for name in MODULES)


async def load() -> None:
    """Import the SDK in a worker thread unless it is imported already."""
    if not loaded():
        await asyncio.to_thread(_import_all)


def _import_all() -> None:
    for name in MODULES:
        importlib.import_module(name)
