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
from contextlib import AsyncExitStack
from dataclasses import dataclass, field

from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, Response, StreamingResponse
from starlette.routing import Route

from tests.fakehttp import served


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
    """Serves ``vendor`` on a random port (``tests.fakehttp.served``); ``stop`` ends it."""

    def __init__(self, vendor: FakeVendor) -> None:
        self._app = Starlette(routes=[Route("/{path:path}", vendor.handle, methods=["POST"])])
        self._stack = AsyncExitStack()
        self.vendor = vendor

    async def start(self) -> str:
        self.vendor.url = await self._stack.enter_async_context(served(self._app))
        return self.vendor.url

    async def stop(self) -> None:
        await self._stack.aclose()
