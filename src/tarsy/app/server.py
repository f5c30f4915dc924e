"""The ASGI application of a TARSy process: API plus workers, started and stopped together."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from fastapi import FastAPI

from tarsy import __version__
from tarsy.api.app import create_api
from tarsy.app.container import Container


def create_app(container: Container) -> FastAPI:
    """The FastAPI app; its lifespan migrates the database, starts workers, stops them."""

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        await container.start()
        try:
            yield
        finally:
            await container.stop()

    app = create_api(container.api, version=__version__, lifespan=lifespan)
    app.state.container = container
    return app
