"""``Runbooks``: a session's runbook text (URL, else the default), cached; the repository list."""

from __future__ import annotations

import asyncio
import logging
import time
from collections import OrderedDict
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Protocol

from tarsy.runbooks.github import RunbookFetchError, RunbookHttp
from tarsy.runbooks.urls import (
    GitHubHosts,
    RunbookUrlError,
    check_allowed,
    contents_location,
    normalise,
    raw_url,
)

log = logging.getLogger(__name__)

CACHE_ENTRIES = 256


@dataclass(frozen=True, slots=True)
class ResolvedRunbook:
    """The text for the prompts (None: no runbook at all) and, when the alert's URL could not
    be used, why (for the session's timeline)."""

    text: str | None
    warning: str | None = None


class RunbookSource(Protocol):
    async def resolve(self, url: str | None) -> ResolvedRunbook:
        """The runbook of a session whose alert named ``url`` (or none); never raises."""
        ...

    async def catalog(self) -> list[str]:
        """The runbook URLs of the configured repository; empty on error; never raises."""
        ...


class NoRunbooks:
    """The null ``RunbookSource``: the default text only, nothing listed."""

    def __init__(self, default_text: str | None = None) -> None:
        self._default = default_text

    async def resolve(self, url: str | None) -> ResolvedRunbook:
        return ResolvedRunbook(self._default)

    async def catalog(self) -> list[str]:
        return []


class _TtlCache:
    """Values that expire ``ttl`` seconds after they were stored; concurrent loads of one key
    share a single call; at most ``CACHE_ENTRIES`` kept (oldest dropped first)."""

    def __init__(self, ttl: float, clock: Callable[[], float]) -> None:
        self._ttl = ttl
        self._clock = clock
        self._values: OrderedDict[str, tuple[float, object]] = OrderedDict()
        self._loading: dict[str, asyncio.Future[object]] = {}

    async def get(self, key: str, load: Callable[[], Awaitable[object]]) -> object:
        hit = self._values.get(key)
        if hit is not None and hit[0] > self._clock():
            return hit[1]
        if key in self._loading:
            return await asyncio.shield(self._loading[key])
        future: asyncio.Future[object] = asyncio.get_running_loop().create_future()
        self._loading[key] = future
        try:
            value = await load()
        except BaseException as exc:
            future.set_exception(exc)
            future.exception()  # retrieved: no "never retrieved" warning without waiters
            raise
        else:
            future.set_result(value)
            self._values[key] = (self._clock() + self._ttl, value)
            self._values.move_to_end(key)
            while len(self._values) > CACHE_ENTRIES:
                self._values.popitem(last=False)
            return value
        finally:
            del self._loading[key]


class Runbooks:
    """Implements ``RunbookSource`` over HTTP (SPEC §9)."""

    def __init__(
        self,
        http: RunbookHttp,
        *,
        hosts: GitHubHosts,
        allowed_domains: tuple[str, ...],
        default_text: str | None,
        repo_url: str | None,
        cache_ttl: float,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self._http = http
        self._hosts = hosts
        self._allowed = allowed_domains
        self._default = default_text
        self._repo_url = repo_url
        self._cache = _TtlCache(cache_ttl, clock)

    async def aclose(self) -> None:
        await self._http.aclose()

    async def resolve(self, url: str | None) -> ResolvedRunbook:
        if not url:
            return ResolvedRunbook(self._default)
        try:
            check_allowed(url, self._allowed)  # again: the configuration may have changed
            target = raw_url(url, self._hosts)
            text = await self._cache.get(normalise(target), lambda: self._http.text(target))
        except (RunbookUrlError, RunbookFetchError) as exc:
            fallback = "the default runbook is used" if self._default else "no runbook is used"
            warning = f"Runbook {url} could not be fetched: {exc}; {fallback}."
            log.warning("%s", warning)
            return ResolvedRunbook(self._default, warning)
        return ResolvedRunbook(str(text))

    async def catalog(self) -> list[str]:
        repo_url = self._repo_url
        if not repo_url:
            return []
        try:
            location = contents_location(repo_url, self._hosts)
            listed = await self._cache.get(
                f"list:{normalise(repo_url)}", lambda: self._http.markdown_files(location)
            )
        except (RunbookUrlError, RunbookFetchError, ValueError) as exc:
            log.warning("listing runbooks of %s failed: %s", repo_url, exc)
            return []
        return list(listed) if isinstance(listed, list) else []
