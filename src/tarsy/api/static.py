"""The dashboard's files: ``/assets`` long-cached, ``index.html`` for every other page path.

The build (``make dashboard``) names assets by content hash, so they are cached for a year;
``index.html`` is never cached, so a new build shows on the next load. Any GET that is not an
API path (``/api``, ``/health``, ``/metrics``, ``/docs``, ``/openapi.json``) answers with
``index.html`` so the dashboard's deep links load straight from the address bar. Without a
build, ``/`` says how to make one.
"""

from __future__ import annotations

from pathlib import Path

from fastapi import FastAPI, Request
from fastapi.responses import FileResponse, HTMLResponse, JSONResponse, Response
from starlette.staticfiles import StaticFiles
from starlette.types import Scope

API_PREFIXES = ("api/", "health", "metrics", "docs", "redoc", "openapi.json")
ASSET_CACHE = "public, max-age=31536000, immutable"
NOT_BUILT = """<!doctype html><html><head><title>TARSy</title></head><body>
<h1>TARSy is running</h1><p>The dashboard is not built. Run <code>make dashboard</code> (or
<code>make run</code>), or point <code>TARSY_DASHBOARD_DIR</code> at a build. The API is at
<a href="/docs">/docs</a>.</p></body></html>"""


class _Assets(StaticFiles):
    async def get_response(self, path: str, scope: Scope) -> Response:
        response = await super().get_response(path, scope)
        if response.status_code == 200:
            response.headers["Cache-Control"] = ASSET_CACHE
        return response


def install_dashboard(app: FastAPI, directory: Path) -> None:
    """Serve the build in ``directory`` (after every API route was added)."""
    index = directory / "index.html"
    if (directory / "assets").is_dir():
        app.mount("/assets", _Assets(directory=directory / "assets"), name="assets")

    @app.get("/{path:path}", include_in_schema=False, response_model=None)
    async def dashboard(path: str, request: Request) -> Response:
        if path.startswith(API_PREFIXES):
            return JSONResponse({"message": f"no route {request.url.path}"}, status_code=404)
        top = directory / path
        if path and top.is_file() and top.parent == directory:  # favicon.ico, robots.txt...
            return FileResponse(top)
        if not index.is_file():
            return HTMLResponse(NOT_BUILT)
        return FileResponse(index, headers={"Cache-Control": "no-cache"})
