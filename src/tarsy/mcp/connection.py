"""One client session to one MCP server, held open by its own task, with reconnect.

The SDK's transports are anyio task groups that must be entered and left by the same task, so
each session lives in a dedicated runner task; callers from any task send requests through it.
Failures are raised as ``McpCallError`` tagged with a kind (connection, timeout, protocol,
unknown) so that callers decide what to retry.
"""

from __future__ import annotations

import asyncio
import json
import logging
import sys
import tempfile
from collections.abc import Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Literal, TextIO

import anyio
import httpx2

from tarsy.config.schema_tarsy import McpServerConfig
from tarsy.domain.tools import JsonValue
from tarsy.mcp import sdk
from tarsy.mcp.transports import TransportSetupError, build_transport

if TYPE_CHECKING:  # the SDK itself is imported on first use (``sdk.load``)
    import mcp_types as types
    from mcp import Client

log = logging.getLogger(__name__)

ErrorKind = Literal["connection", "timeout", "protocol", "unknown"]
CLIENT_NAME, CLIENT_VERSION = "tarsy", "1"
_CLOSE_TIMEOUT = 10.0
_LIST_PAGE_CAP = 50
_STDERR_TAIL = 600


class McpCallError(Exception):
    """A request to an MCP server failed; ``kind`` says whether a reconnect may help."""

    def __init__(self, kind: ErrorKind, message: str) -> None:
        super().__init__(message)
        self.kind: ErrorKind = kind
        self.message = message


@dataclass(frozen=True, slots=True)
class ServerTool:
    """A tool as the server lists it: its own (unprefixed) name, description and input schema."""

    name: str
    description: str
    input_schema: Mapping[str, JsonValue]


@dataclass(frozen=True, slots=True)
class CallOutcome:
    """The text of a tool result and whether the server flagged it as an error."""

    text: str
    is_error: bool


def classify(exc: BaseException) -> ErrorKind:
    """The kind of a failure raised by the SDK or a transport."""
    if isinstance(exc, BaseExceptionGroup) and exc.exceptions:
        return classify(exc.exceptions[0])
    if isinstance(exc, TimeoutError):
        return "timeout"
    if _is_mcp_error(exc):
        import mcp_types

        code = getattr(exc, "code", None)
        if code == mcp_types.CONNECTION_CLOSED:
            return "connection"
        return "timeout" if code == mcp_types.REQUEST_TIMEOUT else "protocol"
    connection_errors = (
        anyio.ClosedResourceError,
        anyio.BrokenResourceError,
        anyio.EndOfStream,
        httpx2.TransportError,
        OSError,
    )
    return "connection" if isinstance(exc, connection_errors) else "unknown"


def describe(exc: BaseException) -> str:
    """A one-line description of ``exc`` (the first leaf of an exception group)."""
    while isinstance(exc, BaseExceptionGroup) and exc.exceptions:
        exc = exc.exceptions[0]
    text = str(getattr(exc, "message", exc)) if _is_mcp_error(exc) else str(exc)
    return f"{type(exc).__name__}: {text}" if text else type(exc).__name__


def _is_mcp_error(exc: BaseException) -> bool:
    """Whether ``exc`` is the SDK's ``MCPError`` (never, while the SDK is not imported)."""
    module = sys.modules.get("mcp.shared.exceptions")
    return module is not None and isinstance(exc, module.MCPError)


class McpConnection:
    """A client session to one server (``open``, ``call_tool``, ``reconnect``, ``close``)."""

    def __init__(
        self,
        server_id: str,
        config: McpServerConfig,
        execution_id: str,
        *,
        connect_timeout: float = 30.0,
    ) -> None:
        self.server_id = server_id
        self.config = config
        self.execution_id = execution_id
        self.connect_timeout = connect_timeout
        self.generation = 0
        self.used = False
        self.tools: tuple[ServerTool, ...] = ()
        self.server_instructions = ""
        self._client: Client | None = None
        self._task: asyncio.Task[None] | None = None
        self._stop = asyncio.Event()
        self._lock = asyncio.Lock()
        self._stderr: TextIO | None = None
        self._ready: asyncio.Future[Client] | None = None

    @property
    def is_open(self) -> bool:
        return self._client is not None and self._task is not None and not self._task.done()

    async def open(self) -> None:
        """Connect and list the tools; raises ``McpCallError`` (the reason) on failure."""
        async with self._lock:
            await self._start()

    async def reconnect(self, seen_generation: int) -> None:
        """Replace the session unless another caller already did since ``seen_generation``."""
        async with self._lock:
            if self.generation != seen_generation and self.is_open:
                return
            await self._shutdown()
            await self._start()

    async def close(self) -> None:
        async with self._lock:
            await self._shutdown()

    async def list_tools(self, timeout: float) -> tuple[ServerTool, ...]:
        """Fetch the tool list from the server (all pages) and cache it on ``tools``."""
        client = self._live_client()
        tools: list[ServerTool] = []
        cursor: str | None = None
        try:
            async with asyncio.timeout(timeout):
                for _ in range(_LIST_PAGE_CAP):
                    page = await client.list_tools(cursor=cursor, cache_mode="refresh")
                    tools.extend(_server_tool(t) for t in page.tools)
                    cursor = page.next_cursor
                    if cursor is None:
                        break
        except Exception as exc:
            raise McpCallError(classify(exc), describe(exc)) from exc
        self.tools = tuple(tools)
        return self.tools

    async def call_tool(
        self, tool: str, arguments: dict[str, JsonValue], timeout: float
    ) -> CallOutcome:
        client = self._live_client()
        self.used = True
        try:
            async with asyncio.timeout(timeout):
                result = await client.call_tool(tool, arguments)
        except TimeoutError as exc:
            raise McpCallError("timeout", f"no answer within {timeout:g} s") from exc
        except Exception as exc:
            raise McpCallError(classify(exc), describe(exc)) from exc
        return CallOutcome(result_text(result), bool(result.is_error))

    def _live_client(self) -> Client:
        if self._client is None or not self.is_open:
            raise McpCallError("connection", "the connection to the server is closed")
        return self._client

    async def _start(self) -> None:
        await sdk.load()
        self._stop = asyncio.Event()
        loop = asyncio.get_running_loop()
        ready: asyncio.Future[Client] = loop.create_future()
        self._ready = ready
        self._task = asyncio.create_task(self._run(ready, self._stop), name=f"mcp:{self.server_id}")
        try:
            async with asyncio.timeout(self.connect_timeout):
                self._client = await asyncio.shield(ready)
            await self.list_tools(self.connect_timeout)
        except McpCallError:
            await self._shutdown()
            raise
        except Exception as exc:
            message = f"{describe(exc)}{self._stderr_tail()}"
            if isinstance(exc, TimeoutError):
                message = f"no answer within {self.connect_timeout:g} s{self._stderr_tail()}"
            await self._shutdown()
            raise McpCallError(classify(exc), message) from exc
        self.generation += 1
        instructions = self._client.instructions if self._client is not None else None
        self.server_instructions = instructions or ""

    async def _run(self, ready: asyncio.Future[Client], stop: asyncio.Event) -> None:
        from mcp import Client
        from mcp_types import Implementation

        info = Implementation(name=CLIENT_NAME, version=CLIENT_VERSION)
        try:
            transport = build_transport(self.config.transport, self.execution_id, self._errlog())
            async with Client(transport, cache=None, client_info=info) as client:
                ready.set_result(client)
                await stop.wait()
        except (Exception, BaseExceptionGroup) as exc:  # noqa: BLE001  # task boundary: report it
            if not ready.done():
                ready.set_exception(
                    exc if isinstance(exc, Exception) else RuntimeError(describe(exc))
                )
            else:
                log.debug("MCP server %s connection ended: %s", self.server_id, describe(exc))
        finally:
            ours = ready.done() and not ready.cancelled() and ready.exception() is None
            if ours and self._client is ready.result():
                self._client = None

    def _errlog(self) -> TextIO:
        if self._stderr is None:
            self._stderr = tempfile.TemporaryFile(mode="w+", encoding="utf-8")  # noqa: SIM115
        return self._stderr

    def _stderr_tail(self) -> str:
        if self._stderr is None:
            return ""
        try:
            self._stderr.flush()
            self._stderr.seek(0)
            tail = self._stderr.read()[-_STDERR_TAIL:].strip()
        except (OSError, ValueError):
            return ""
        return f" (server stderr: {tail})" if tail else ""

    async def _shutdown(self) -> None:
        task, self._task = self._task, None
        self._client = None
        if task is not None and not task.done() and self._ready and not self._ready.done():
            task.cancel()  # still connecting: nothing to close politely
            await asyncio.gather(task, return_exceptions=True)
        elif task is not None and not task.done():
            self._stop.set()
            try:
                async with asyncio.timeout(_CLOSE_TIMEOUT):
                    await asyncio.shield(task)
            except TimeoutError:
                task.cancel()
                await asyncio.gather(task, return_exceptions=True)
        elif task is not None:
            await asyncio.gather(task, return_exceptions=True)
        if self._stderr is not None:
            self._stderr.close()
            self._stderr = None


def _server_tool(tool: types.Tool) -> ServerTool:
    schema: dict[str, JsonValue] = json.loads(json.dumps(tool.input_schema or {}))
    return ServerTool(tool.name, tool.description or tool.title or "", schema)


def result_text(result: types.CallToolResult) -> str:
    """Concatenate the text parts of a tool result; other parts are named, not inlined."""
    import mcp_types as types

    parts: list[str] = []
    for block in result.content:
        match block:
            case types.TextContent():
                parts.append(block.text)
            case types.EmbeddedResource(resource=types.TextResourceContents() as res):
                parts.append(res.text)
            case _:
                parts.append(f"[{block.type} content omitted]")
    if not parts and result.structured_content is not None:
        parts.append(json.dumps(result.structured_content, indent=2, default=str))
    return "\n".join(parts)


__all__ = [
    "CallOutcome",
    "ErrorKind",
    "McpCallError",
    "McpConnection",
    "ServerTool",
    "TransportSetupError",
    "classify",
    "describe",
    "result_text",
]
