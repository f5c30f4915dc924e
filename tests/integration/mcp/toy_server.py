"""A small MCP server for the MCP client tests: ``python toy_server.py stdio|http|sse [port]``.

It imports nothing from TARSy. Tools: echo, add, env, headers, pid, hang, crash. Over HTTP it
also records ``DELETE /cleanup/<id>`` calls, readable at ``GET /cleanups``.
"""

from __future__ import annotations

import asyncio
import json
import os
import sys

from mcp.server.mcpserver import Context, MCPServer
from starlette.requests import Request
from starlette.responses import JSONResponse, Response

server: MCPServer = MCPServer(
    "toy", instructions="Toy server: echo things back.", log_level="ERROR"
)
CLEANUPS: list[str] = []


@server.tool()
def echo(text: str) -> str:
    """Echo the text back."""
    return text


@server.tool()
def add(a: int, b: int) -> str:
    """Add two integers."""
    return str(a + b)


@server.tool()
def env(name: str) -> str:
    """The value of an environment variable of the server process ('<unset>' if absent)."""
    return os.environ.get(name, "<unset>")


@server.tool()
def headers(ctx: Context) -> str:
    """The HTTP headers of this request (empty over stdio)."""
    request = ctx.request_context.request
    found = getattr(request, "headers", None) or {}
    return json.dumps({k.lower(): v for k, v in found.items()})


@server.tool()
def pid() -> str:
    """The server's process id."""
    return str(os.getpid())


@server.tool()
async def hang(seconds: float = 3600) -> str:
    """Sleep for a while, then answer."""
    await asyncio.sleep(seconds)
    return f"slept {seconds}"


@server.tool()
def crash() -> str:
    """Kill the server process in the middle of the call."""
    os._exit(3)


@server.custom_route("/cleanup/{sid}", methods=["DELETE"])
async def cleanup(request: Request) -> Response:
    CLEANUPS.append(request.path_params["sid"])
    return Response(status_code=204)


@server.custom_route("/cleanups", methods=["GET"])
async def cleanups(request: Request) -> Response:
    return JSONResponse(CLEANUPS)


if __name__ == "__main__":
    transport = sys.argv[1] if len(sys.argv) > 1 else "stdio"
    port = int(sys.argv[2]) if len(sys.argv) > 2 else 0
    if transport == "stdio":
        server.run()
    elif transport == "http":
        asyncio.run(server.run_streamable_http_async(host="127.0.0.1", port=port))
    else:
        asyncio.run(server.run_sse_async(host="127.0.0.1", port=port))
