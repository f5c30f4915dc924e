"""``SlackNotifier``: session notices posted to one channel, threaded onto the alert's message.

The Web API is called through the synchronous ``slack_sdk.WebClient`` (the SDK's asyncio client
needs aiohttp) on daemon threads of its own, at most ``CONCURRENT_CALLS`` at a time: a slow Slack
never holds the event loop's default executor, nor the process at exit. Rate limits are honoured
(429 ``Retry-After``, up to ``max_retry_after`` seconds), 500/503 and connection errors are
retried once; every other failure is logged as a warning, without the token, and the notice is
dropped.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import threading
import time
from collections import OrderedDict
from collections.abc import Callable
from dataclasses import dataclass
from typing import TypeVar

from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError
from slack_sdk.http_retry import HttpRequest, HttpResponse, RetryState
from slack_sdk.http_retry.builtin_handlers import (
    ConnectionErrorRetryHandler,
    RateLimitErrorRetryHandler,
    ServerErrorRetryHandler,
)

from tarsy.notify.notifier import SessionNotice
from tarsy.notify.slack_blocks import SlackMessage, find_thread, started_message, terminal_message

log = logging.getLogger(__name__)
# The SDK logs every failed request at ERROR; our one warning per failed call names the reason.
_sdk_log = logging.getLogger(f"{__name__}.sdk")
_sdk_log.setLevel(logging.CRITICAL)

T = TypeVar("T")

SLACK_API_URL = "https://slack.com/api/"
HISTORY_WINDOW_SECONDS = 24 * 3600
HISTORY_PAGES = 5
HISTORY_PAGE_SIZE = 200
THREADS_REMEMBERED = 1000
CONCURRENT_CALLS = 2


@dataclass(frozen=True, slots=True)
class SlackSettings:
    token: str
    channel: str
    dashboard_url: str
    api_url: str = SLACK_API_URL
    request_timeout: int = 10
    """Seconds for one HTTP request (connect and read)."""
    max_retry_after: float = 30.0
    """A 429 asking to wait longer than this is not retried (the notice is dropped)."""


class _RateLimitRetry(RateLimitErrorRetryHandler):
    """The SDK's 429 handler (sleeps ``Retry-After``), refusing waits above ``max_wait``."""

    def __init__(self, max_wait: float, max_retry_count: int = 3) -> None:
        super().__init__(max_retry_count=max_retry_count)
        self._max_wait = max_wait

    def _can_retry(
        self,
        *,
        state: RetryState,
        request: HttpRequest,
        response: HttpResponse | None = None,
        error: Exception | None = None,
    ) -> bool:
        if response is None or response.status_code != 429:
            return False
        return _retry_after(response) <= self._max_wait


def _retry_after(response: HttpResponse) -> float:
    for name, values in response.headers.items():
        if name.lower() == "retry-after":
            value = values[0] if isinstance(values, list) else values
            try:
                return float(value)
            except ValueError:
                return float("inf")
    return 1.0


class SlackNotifier:
    """Implements ``notify.Notifier`` over the Slack Web API (``chat.postMessage``,
    ``conversations.history``)."""

    def __init__(self, settings: SlackSettings, *, clock: Callable[[], float] = time.time) -> None:
        self._settings = settings
        self._clock = clock
        self._client = WebClient(
            token=settings.token,
            base_url=settings.api_url,
            timeout=settings.request_timeout,
            logger=_sdk_log,
            retry_handlers=[
                _RateLimitRetry(settings.max_retry_after),
                ServerErrorRetryHandler(max_retry_count=1),
                ConnectionErrorRetryHandler(max_retry_count=1),
            ],
        )
        self._calls = asyncio.Semaphore(CONCURRENT_CALLS)
        self._threads: OrderedDict[str, str] = OrderedDict()
        self._closed = False

    @property
    def enabled(self) -> bool:
        return True

    async def session_started(self, notice: SessionNotice) -> None:
        if not (notice.fingerprint or "").strip():
            return
        thread = await self._find_thread(notice)
        if thread is not None:
            self._remember(notice.session_id, thread)
        message = started_message(notice.session_id, self._settings.dashboard_url)
        await self._post(notice, "start notice", message, thread)

    async def session_finished(self, notice: SessionNotice) -> None:
        thread = self._threads.pop(notice.session_id, None)
        if thread is None and (notice.fingerprint or "").strip():
            thread = await self._find_thread(notice)
        try:
            message = terminal_message(notice, self._settings.dashboard_url)
        except Exception as exc:  # noqa: BLE001 - fail open: a notice never breaks its caller
            log.warning("slack: building the notice of %s failed: %r", notice.session_id, exc)
            return
        await self._post(notice, f"{notice.status.value} notice", message, thread)

    async def aclose(self) -> None:
        self._closed = True

    # -- Web API calls, each on the notifier's threads ----------------------------------------
    async def _find_thread(self, notice: SessionNotice) -> str | None:
        fingerprint = notice.fingerprint or ""
        thread = await self._call(
            notice, "conversations.history", self._history_lookup, fingerprint
        )
        if thread == "":
            log.info(
                "slack: no message of the last 24h in %s matches the fingerprint of session %s; "
                "posting to the channel",
                self._settings.channel,
                notice.session_id,
            )
        return thread or None

    def _history_lookup(self, fingerprint: str) -> str:
        """The thread parent's ``ts``, "" when no message matches: up to ``HISTORY_PAGES``
        pages of the last day's history, newest first."""
        oldest = f"{self._clock() - HISTORY_WINDOW_SECONDS:.6f}"
        cursor: str | None = None
        for _ in range(HISTORY_PAGES):
            page = self._client.conversations_history(
                channel=self._settings.channel,
                oldest=oldest,
                limit=HISTORY_PAGE_SIZE,
                cursor=cursor,
            )
            messages = page.get("messages")
            found = find_thread(messages if isinstance(messages, list) else [], fingerprint)
            if found is not None:
                return found
            meta = page.get("response_metadata")
            cursor = meta.get("next_cursor") if isinstance(meta, dict) else None
            if not page.get("has_more") or not cursor:
                return ""
        return ""

    async def _post(
        self, notice: SessionNotice, what: str, message: SlackMessage, thread: str | None
    ) -> None:
        posted = await self._call(notice, "chat.postMessage", self._post_sync, message, thread)
        if posted:
            log.debug("slack: %s of session %s posted", what, notice.session_id)

    def _post_sync(self, message: SlackMessage, thread: str | None) -> bool:
        self._client.chat_postMessage(
            channel=self._settings.channel,
            text=message.text,
            blocks=list(message.blocks),
            thread_ts=thread,
            unfurl_links=False,
        )
        return True

    async def _call(
        self, notice: SessionNotice, method: str, fn: Callable[..., T], *args: object
    ) -> T | None:
        """``fn(*args)`` on the notifier's threads; None (and a warning) on any failure."""
        if self._closed:
            return None
        try:
            async with self._calls:
                return await _in_daemon_thread(fn, *args)
        except Exception as exc:  # noqa: BLE001 - fail open; the reason is logged
            log.warning(
                "slack: %s for session %s failed: %s",
                method,
                notice.session_id,
                self._reason(exc),
            )
            return None

    def _reason(self, exc: Exception) -> str:
        if isinstance(exc, SlackApiError):
            error = exc.response.get("error") if isinstance(exc.response.data, dict) else None
            text = f"HTTP {exc.response.status_code}" + (f", error {error!r}" if error else "")
            needed = exc.response.get("needed") if isinstance(exc.response.data, dict) else None
            if needed:
                text += f" (the bot token needs scope {needed})"
        else:
            text = f"{type(exc).__name__}: {exc}"
        return text.replace(self._settings.token, "<token>") if self._settings.token else text

    def _remember(self, session_id: str, thread: str) -> None:
        self._threads[session_id] = thread
        self._threads.move_to_end(session_id)
        while len(self._threads) > THREADS_REMEMBERED:
            self._threads.popitem(last=False)


async def _in_daemon_thread(fn: Callable[..., T], *args: object) -> T:
    """``fn(*args)`` on a new daemon thread; a cancelled caller leaves it to finish alone."""
    loop = asyncio.get_running_loop()
    future: asyncio.Future[T] = loop.create_future()

    def settle(result: T | None, error: BaseException | None) -> None:
        if future.done():
            return
        if error is not None:
            future.set_exception(error)
        else:
            future.set_result(result)  # type: ignore[arg-type]

    def run() -> None:
        try:
            result, error = fn(*args), None
        except BaseException as exc:  # noqa: BLE001 - handed to the awaiting task
            result, error = None, exc
        with contextlib.suppress(RuntimeError):  # a closed loop: nobody is waiting any more
            loop.call_soon_threadsafe(settle, result, error)

    threading.Thread(target=run, name="slack", daemon=True).start()
    return await future
