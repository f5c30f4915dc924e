"""A fake Slack Web API served by uvicorn on 127.0.0.1: ``conversations.history`` and
``chat.postMessage``, as the real ``slack_sdk.WebClient`` calls them (POST, form or JSON body,
``Authorization: Bearer``).

The channel history is a list of messages (newest first when served, ``oldest`` honoured, pages of
``limit`` with ``has_more`` and ``response_metadata.next_cursor``). Posted top-level messages join
the history; thread replies do not, as in Slack. Every call is recorded. ``fail`` scripts HTTP
errors for the next calls of a method (or of every method, for ever).
"""

from __future__ import annotations

import asyncio
import json
import time
from collections import deque
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from typing import Any

from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from tests.fakehttp import served

TOKEN = "xoxb-test-token"
CHANNEL = "C0ALERTS"
HISTORY = "conversations.history"
POST = "chat.postMessage"


@dataclass(frozen=True)
class Call:
    method: str
    token: str | None
    params: dict[str, Any]
    status: int = 200

    @property
    def thread_ts(self) -> str | None:
        value = self.params.get("thread_ts")
        return str(value) if value is not None else None

    @property
    def blocks(self) -> list[dict[str, Any]]:
        blocks = self.params.get("blocks") or []
        return json.loads(blocks) if isinstance(blocks, str) else list(blocks)

    @property
    def block_text(self) -> str:
        """Every text of the blocks (sections, buttons) and button URLs, one per line."""
        out: list[str] = []
        for block in self.blocks:
            if "text" in block:
                out.append(block["text"]["text"])
            for element in block.get("elements", []):
                out += [element["text"]["text"], element.get("url", "")]
        return "\n".join(out)


@dataclass(frozen=True)
class Failure:
    status: int
    headers: dict[str, str] = field(default_factory=dict)
    body: str = '{"ok": false, "error": "fatal_error"}'


def message(text: str, *, age: float = 60.0, **extra: Any) -> dict[str, Any]:
    """A channel message posted ``age`` seconds ago."""
    return {"type": "message", "text": text, "ts": f"{time.time() - age:.6f}", **extra}


class FakeSlack:
    def __init__(self, history: list[dict[str, Any]] | None = None) -> None:
        self.history: list[dict[str, Any]] = list(history or [])
        self.calls: list[Call] = []
        self.url = ""
        self._failures: dict[str, deque[Failure]] = {}
        self._always: Failure | None = None
        self._changed = asyncio.Event()

    # -- scripting and inspection ---------------------------------------------------------------
    def fail(self, method: str, *failures: Failure) -> None:
        """The next calls of ``method`` answer ``failures``, in order."""
        self._failures.setdefault(method, deque()).extend(failures)

    def fail_always(self, failure: Failure) -> None:
        self._always = failure

    def calls_of(self, method: str) -> list[Call]:
        return [c for c in self.calls if c.method == method]

    def posted(self) -> list[Call]:
        """``chat.postMessage`` calls that Slack accepted."""
        return [c for c in self.calls_of(POST) if c.status == 200]

    async def wait_for(self, method: str, count: int, timeout: float = 30) -> list[Call]:
        """Wait until ``count`` calls of ``method`` were answered (any status)."""
        async with asyncio.timeout(timeout):
            while len(self.calls_of(method)) < count:
                self._changed.clear()
                await self._changed.wait()
        return self.calls_of(method)

    # -- the Web API ----------------------------------------------------------------------------
    async def handle(self, request: Request) -> Response:
        method = request.path_params["method"]
        params = await _params(request)
        auth = request.headers.get("authorization", "")
        token = auth.removeprefix("Bearer ") if auth.startswith("Bearer ") else None
        queued = self._failures.get(method)
        failure = queued.popleft() if queued else self._always
        try:
            if failure is not None:
                self.calls.append(Call(method, token, params, failure.status))
                return Response(
                    failure.body,
                    status_code=failure.status,
                    headers=failure.headers,
                    media_type="application/json",
                )
            self.calls.append(Call(method, token, params))
            if token != TOKEN:
                return JSONResponse({"ok": False, "error": "invalid_auth"})
            if params.get("channel") != CHANNEL:
                return JSONResponse({"ok": False, "error": "channel_not_found"})
            if method == HISTORY:
                return JSONResponse(self._history(params))
            if method == POST:
                return JSONResponse(self._post(params))
            return JSONResponse({"ok": False, "error": "unknown_method"})
        finally:
            self._changed.set()

    def _history(self, params: dict[str, Any]) -> dict[str, Any]:
        oldest = float(params.get("oldest") or 0)
        limit = int(params.get("limit") or 100)
        start = int(params.get("cursor") or 0)
        visible = sorted(
            (m for m in self.history if float(m["ts"]) > oldest),
            key=lambda m: float(m["ts"]),
            reverse=True,
        )
        page = visible[start : start + limit]
        more = start + limit < len(visible)
        return {
            "ok": True,
            "messages": page,
            "has_more": more,
            "response_metadata": {"next_cursor": str(start + limit) if more else ""},
        }

    def _post(self, params: dict[str, Any]) -> dict[str, Any]:
        posted = {"type": "message", "text": params.get("text", ""), "ts": f"{time.time():.6f}"}
        if params.get("thread_ts"):
            posted["thread_ts"] = params["thread_ts"]
        else:
            self.history.append(posted)
        return {"ok": True, "channel": CHANNEL, "ts": posted["ts"], "message": posted}


async def _params(request: Request) -> dict[str, Any]:
    if request.headers.get("content-type", "").startswith("application/json"):
        body = await request.body()
        return dict(json.loads(body)) if body else {}
    form = await request.form()
    return {k: v for k, v in form.items() if isinstance(v, str)}


@asynccontextmanager
async def RunningSlack(fake: FakeSlack) -> AsyncIterator[FakeSlack]:
    """Serves ``fake`` on a random port under ``/api/``; sets ``fake.url`` to that base URL."""
    app = Starlette(routes=[Route("/api/{method}", fake.handle, methods=["POST"])])
    async with served(app) as url:
        fake.url = f"{url}/api/"
        yield fake
