"""A local fake GitHub: raw file content and the contents API, with one private repository.

Like GitHub, a private repository answers 404 (not 401) to a request without its token.
Every request is recorded (path, query, Authorization header) for assertions.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, PlainTextResponse, Response
from starlette.routing import Route


@dataclass
class Seen:
    path: str
    query: str
    authorization: str | None


@dataclass
class FakeGitHub:
    """Repositories as ``{"owner/repo": {"ref": {"path/file.md": "text"}}}``."""

    repos: dict[str, dict[str, dict[str, str]]] = field(default_factory=dict)
    private: set[str] = field(default_factory=set)
    token: str = "ghp_fake-token-for-tests"
    seen: list[Seen] = field(default_factory=list)
    url: str = ""  # set once served: web at /, raw at /raw, API at /api

    def app(self) -> Starlette:
        return Starlette(
            routes=[
                Route("/raw/{owner}/{repo}/{ref}/{path:path}", self._raw),
                Route("/api/repos/{owner}/{repo}/contents", self._contents),
                Route("/api/repos/{owner}/{repo}/contents/{path:path}", self._contents),
                Route("/other/{path:path}", self._other),
            ]
        )

    def hits(self, prefix: str) -> list[Seen]:
        return [s for s in self.seen if s.path.startswith(prefix)]

    def _record(self, request: Request) -> None:
        self.seen.append(
            Seen(request.url.path, request.url.query, request.headers.get("authorization"))
        )

    def _visible(self, request: Request, name: str) -> bool:
        if name not in self.repos:
            return False
        auth = request.headers.get("authorization")
        return name not in self.private or auth == f"Bearer {self.token}"

    async def _raw(self, request: Request) -> Response:
        self._record(request)
        p = request.path_params
        name = f"{p['owner']}/{p['repo']}"
        text = self.repos.get(name, {}).get(p["ref"], {}).get(p["path"])
        if not self._visible(request, name) or text is None:
            return PlainTextResponse("404: Not Found", status_code=404)
        return PlainTextResponse(text)

    async def _contents(self, request: Request) -> Response:
        self._record(request)
        p = request.path_params
        name = f"{p['owner']}/{p['repo']}"
        if not self._visible(request, name):
            return JSONResponse({"message": "Not Found"}, status_code=404)
        ref = request.query_params.get("ref", "main")
        files = self.repos[name].get(ref, {})
        folder = p.get("path", "").strip("/")
        prefix = f"{folder}/" if folder else ""
        entries: dict[str, dict[str, str]] = {}
        for path in files:
            if not path.startswith(prefix):
                continue
            head, _, rest = path[len(prefix) :].partition("/")
            child = prefix + head
            if rest:
                entries[child] = {"type": "dir", "name": head, "path": child}
            else:
                entries[child] = {
                    "type": "file",
                    "name": head,
                    "path": child,
                    "html_url": f"{self.url}/{name}/blob/{ref}/{child}",
                }
        if not entries:
            return JSONResponse({"message": "Not Found"}, status_code=404)
        return JSONResponse(list(entries.values()))

    async def _other(self, request: Request) -> Response:
        """A non-GitHub host's page (same server, different path: see the tests' hosts)."""
        self._record(request)
        return PlainTextResponse(f"# Wiki page {request.path_params['path']}")
