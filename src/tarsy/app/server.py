"""The ASGI application of a TARSy process: API plus workers, started and stopped together."""

from __future__ import annotations

import gc
import os
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

from fastapi import FastAPI

from tarsy import __version__
from tarsy.api.app import create_api
from tarsy.api.auth import AuthPolicy
from tarsy.api.security import cors_origins
from tarsy.app.container import Container

SERVER_OPTIONS: dict[str, Any] = {
    "loop": "uvloop",
    "http": "httptools",
    # Events are small JSON texts; per-connection deflate state would cost every WebSocket
    # client memory and the server CPU on each send.
    "ws_per_message_deflate": False,
    "log_config": None,
    "access_log": False,
}
"""How ``tarsy serve`` runs uvicorn (benchmarks use the same)."""


def create_app(container: Container, *, freeze_gc: bool = False) -> FastAPI:
    """The FastAPI app; its lifespan migrates the database, starts workers, stops them.

    ``freeze_gc`` (``tarsy serve``): once started, move every object that exists then (modules,
    configuration, clients: over a million) out of the garbage collector's reach. Otherwise
    each full collection walks them all, stalling the event loop for ~200 ms, which live
    streams show as a hiccup.
    """

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        await container.start()
        if freeze_gc:
            gc.collect()
            gc.freeze()
        try:
            yield
        finally:
            await container.stop()

    system = container.config.system
    app = create_api(
        container.api,
        version=__version__,
        lifespan=lifespan,
        dashboard_dir=container.settings.dashboard_dir,
        auth=AuthPolicy.from_config(system.auth, os.environ),
        cors=cors_origins(system.dashboard_url),
    )
    app.state.container = container
    return app
