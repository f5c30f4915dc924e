"""``RunbookHttp``: fetch a runbook's text and list a repository's Markdown files over HTTP."""

from __future__ import annotations

from urllib.parse import urlsplit

import httpx2

from tarsy.runbooks.urls import ContentsLocation, GitHubHosts, contents_url

MAX_RUNBOOK_BYTES = 1024 * 1024
MAX_LISTED = 1000
MAX_DEPTH = 8


class RunbookFetchError(Exception):
    """A runbook or listing that could not be fetched; the message is shown to users."""


class RunbookHttp:
    """HTTP access to runbooks. The token goes only to the GitHub hosts of ``hosts``, never to
    another allowed domain."""

    def __init__(
        self,
        hosts: GitHubHosts,
        token: str | None,
        *,
        timeout: float = 10.0,
        transport: httpx2.AsyncBaseTransport | None = None,
    ) -> None:
        self._hosts = hosts
        self._token_hosts = hosts.hostnames()
        self._token = token or None
        self._timeout = timeout
        self._transport = transport
        self._client: httpx2.AsyncClient | None = None  # made on first use

    async def aclose(self) -> None:
        if self._client is not None:
            await self._client.aclose()
            self._client = None

    def _http(self) -> httpx2.AsyncClient:
        if self._client is None:
            self._client = httpx2.AsyncClient(
                timeout=self._timeout,
                follow_redirects=True,
                transport=self._transport,
                headers={"User-Agent": "tarsy-runbooks"},
            )
        return self._client

    async def text(self, url: str) -> str:
        """The body of ``url`` as text; ``RunbookFetchError`` on any failure."""
        response = await self._get(url, accept="text/plain, text/markdown, */*")
        if len(response.content) > MAX_RUNBOOK_BYTES:
            raise RunbookFetchError(
                f"{len(response.content)} bytes exceeds the runbook limit of "
                f"{MAX_RUNBOOK_BYTES} bytes"
            )
        return response.text

    async def markdown_files(self, location: ContentsLocation) -> list[str]:
        """The blob URLs of every ``.md`` file under ``location``, walking folders (bounded)."""
        found: list[str] = []
        folders: list[tuple[str, int]] = [(location.path, 0)]
        while folders and len(found) < MAX_LISTED:
            folder, depth = folders.pop()
            url = contents_url(location, self._hosts, folder)
            entries = (await self._get(url, accept="application/vnd.github+json")).json()
            if not isinstance(entries, list):
                raise RunbookFetchError(f"{url} is not a folder")
            for entry in entries:
                if not isinstance(entry, dict):
                    continue
                kind, path = entry.get("type"), str(entry.get("path") or "")
                if kind == "dir" and depth + 1 < MAX_DEPTH:
                    folders.append((path, depth + 1))
                elif kind == "file" and path.lower().endswith(".md"):
                    found.append(str(entry.get("html_url") or self._blob_url(location, path)))
        return sorted(found)[:MAX_LISTED]

    def _blob_url(self, location: ContentsLocation, path: str) -> str:
        ref = location.ref or "HEAD"
        web = self._hosts.web.rstrip("/")
        return f"{web}/{location.owner}/{location.repo}/blob/{ref}/{path}"

    async def _get(self, url: str, *, accept: str) -> httpx2.Response:
        headers = {"Accept": accept}
        if self._token and (urlsplit(url).hostname or "").lower() in self._token_hosts:
            headers["Authorization"] = f"Bearer {self._token}"
        try:
            response = await self._http().get(url, headers=headers)
        except httpx2.HTTPError as exc:
            raise RunbookFetchError(f"{type(exc).__name__}: {exc}".rstrip(": ")) from exc
        if response.status_code != 200:
            hint = (
                " (a private repository needs system.github.token_env)"
                if (response.status_code == 404 and not self._token)
                else ""
            )
            raise RunbookFetchError(f"HTTP {response.status_code} {response.reason_phrase}{hint}")
        return response
