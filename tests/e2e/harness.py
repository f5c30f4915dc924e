"""The whole application on a random port, in this event loop, for end-to-end tests."""

from __future__ import annotations

import asyncio
import os
import socket
import sys
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import uvicorn

from tarsy.app.container import Container, build_container
from tarsy.app.server import SERVER_OPTIONS, create_app
from tarsy.config import Settings, TarsyConfig
from tarsy.domain.tools import Toolset
from tarsy.pipeline.ports import ModelFactory
from tarsy.worker.settings import QueueSettings

TERMINAL = {"completed", "failed", "timed_out", "cancelled"}


async def wait_healthy(url: str, timeout: float = 60) -> None:
    """Wait until the server at ``url`` answers ``/health`` with 200."""
    async with httpx.AsyncClient(base_url=url) as client:
        deadline = asyncio.get_running_loop().time() + timeout
        while True:
            try:
                if (await client.get("/health")).status_code == 200:
                    return
            except httpx.TransportError:
                pass
            assert asyncio.get_running_loop().time() < deadline, f"{url} did not start"
            await asyncio.sleep(0.1)


TARSY = str(Path(sys.executable).with_name("tarsy"))


def serve_env(data_dir: Path, port: int, **extra: str) -> dict[str, str]:
    """The environment of a ``tarsy serve`` child process: the demo configuration, SQLite in
    ``data_dir`` unless ``extra`` names a database, 127.0.0.1:``port``, quiet logs."""
    env = {k: v for k, v in os.environ.items() if k not in ("CONFIG_DIR", "TARSY_DATABASE_URL")}
    env.update(
        TARSY_DATA_DIR=str(data_dir),
        HTTP_PORT=str(port),
        TARSY_HOST="127.0.0.1",
        LOG_LEVEL="warning",
    )
    env.update(extra)
    return env


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@dataclass
class RunningApp:
    url: str
    client: httpx.AsyncClient
    container: Container

    async def submit(self, data: str = "Pod api-7d9 CrashLoopBackOff in prod", **extra: Any) -> str:
        response = await self.client.post(
            "/api/v1/alerts", json={"alert_type": "kubernetes", "data": data, **extra}
        )
        assert response.status_code == 202, response.text
        body = response.json()
        assert body["status"] == "queued"
        return str(body["session_id"])

    async def wait_status(
        self, session_id: str, statuses: set[str] = TERMINAL, timeout: float = 30
    ) -> dict[str, Any]:
        async with asyncio.timeout(timeout):
            while True:
                response = await self.client.get(f"/api/v1/sessions/{session_id}/status")
                assert response.status_code == 200, response.text
                body: dict[str, Any] = response.json()
                if body["status"] in statuses:
                    return body
                await asyncio.sleep(0.05)


@asynccontextmanager
async def running_app(
    settings: Settings,
    config: TarsyConfig,
    *,
    models: ModelFactory | None = None,
    queue: QueueSettings | None = None,
    toolsets: dict[str, Toolset] | None = None,
    mcp_health_interval: float = 0,
) -> AsyncIterator[RunningApp]:
    """Serve the app; MCP health checks are off unless ``mcp_health_interval`` is given."""
    settings = settings.model_copy(update={"mcp_health_interval": mcp_health_interval})
    container = build_container(settings, config, models=models, queue=queue, toolsets=toolsets)
    port = free_port()
    server = uvicorn.Server(
        uvicorn.Config(
            create_app(container),
            host="127.0.0.1",
            port=port,
            lifespan="on",
            **SERVER_OPTIONS,  # as `tarsy serve`
        )
    )
    task = asyncio.create_task(server.serve())
    async with asyncio.timeout(30):
        while not server.started:
            if task.done():
                task.result()
            await asyncio.sleep(0.02)
    url = f"http://127.0.0.1:{port}"
    try:
        async with httpx.AsyncClient(base_url=url, timeout=30) as client:
            yield RunningApp(url, client, container)
    finally:
        server.should_exit = True
        await task
