"""A scripted fake vendor served by uvicorn on 127.0.0.1 (real sockets, so streams are live).

Tests queue ``Reply`` objects; each request takes the next one. A reply is either an HTTP error
(status, JSON body, headers) or a 200 event stream of pre-encoded SSE frames, optionally stalling
(sleeping) before frame ``stall_at``. When the queue is empty the vendor's ``respond`` callable
answers (by default: HTTP 500, no reply left), so a test can answer from the request itself.
Every request body is recorded for assertions.
"""

from __future__ import annotations

import asyncio
import json
from collections import deque
from collections.abc import AsyncIterator, Awaitable, Callable, Sequence
from dataclasses import dataclass, field

import uvicorn
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, Response, StreamingResponse
from starlette.routing import Route


@dataclass(frozen=True)
class Reply:
    frames: Sequence[str] = ()
    status: int = 200
    body: object = None
    headers: dict[str, str] = field(default_factory=dict)
    stall_at: int | None = None
    stall_seconds: float = 30.0


@dataclass
class Recorded:
    path: str
    headers: dict[str, str]
    body: dict[str, object]


Respond = Callable[[Recorded], Awaitable[Reply]]


async def no_reply_left(_request: Recorded) -> Reply:
    return Reply(status=500, body={"error": {"message": "no scripted reply left"}})


class FakeVendor:
    """The scripted replies and recorded requests behind one fake server."""

    def __init__(self, respond: Respond = no_reply_left) -> None:
        self.replies: deque[Reply] = deque()
        self.requests: list[Recorded] = []
        self.url = ""
        self._respond = respond

    def queue(self, *replies: Reply) -> None:
        self.replies.extend(replies)

    async def handle(self, request: Request) -> Response:
        raw = await request.body()
        body = json.loads(raw) if raw else {}
        recorded = Recorded(request.url.path, dict(request.headers), body)
        self.requests.append(recorded)
        reply = self.replies.popleft() if self.replies else await self._respond(recorded)
        if reply.status != 200:
            return JSONResponse(reply.body, status_code=reply.status, headers=reply.headers)
        return StreamingResponse(
            _frames(reply), media_type="text/event-stream", headers=reply.headers
        )


async def _frames(reply: Reply) -> AsyncIterator[bytes]:
    for index, frame in enumerate(reply.frames):
        if reply.stall_at is not None and index == reply.stall_at:
            await asyncio.sleep(reply.stall_seconds)
        yield frame.encode()
        await asyncio.sleep(0)
    if reply.stall_at is not None and reply.stall_at >= len(reply.frames):
        await asyncio.sleep(reply.stall_seconds)


class RunningServer:
    """Starts uvicorn for ``vendor`` on a random port; ``stop`` ends it."""

    def __init__(self, vendor: FakeVendor) -> None:
        app = Starlette(routes=[Route("/{path:path}", vendor.handle, methods=["POST"])])
        config = uvicorn.Config(
            app,
            host="127.0.0.1",
            port=0,
            log_level="error",
            lifespan="off",
            timeout_graceful_shutdown=1,
        )
        self._server = uvicorn.Server(config)
        self._task: asyncio.Task[None] | None = None
        self.vendor = vendor

    async def start(self) -> str:
        self._task = asyncio.create_task(self._server.serve())
        for _ in range(2000):
            if self._server.started:
                break
            await asyncio.sleep(0.005)
        port = self._server.servers[0].sockets[0].getsockname()[1]
        self.vendor.url = f"http://127.0.0.1:{port}"
        return self.vendor.url

    async def stop(self) -> None:
        self._server.should_exit = True
        if self._task is not None:
            await self._task
