"""Fixtures: the toy MCP server over stdio, streamable HTTP and SSE on 127.0.0.1 random ports."""

from __future__ import annotations

import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from tarsy.config.schema_tarsy import McpServerConfig, TransportConfig

TOY = str(Path(__file__).with_name("toy_server.py"))


def stdio_config(**transport: object) -> McpServerConfig:
    return McpServerConfig.model_validate(
        {"transport": {"type": "stdio", "command": sys.executable, "args": [TOY], **transport}}
    )


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port: int = s.getsockname()[1]
        return port


@dataclass
class HttpServer:
    kind: str
    port: int
    process: subprocess.Popen[bytes]

    @property
    def base(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    @property
    def url(self) -> str:
        return f"{self.base}/mcp" if self.kind == "http" else f"{self.base}/sse"

    def config(self, **transport: object) -> McpServerConfig:
        return McpServerConfig(
            transport=TransportConfig.model_validate(
                {"type": self.kind, "url": self.url, **transport}
            )
        )

    def stop(self) -> None:
        self.process.kill()
        self.process.wait(10)


def start_http(kind: str, port: int | None = None) -> HttpServer:
    port = port or free_port()
    process = subprocess.Popen(
        [sys.executable, TOY, kind, str(port)], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
    )
    deadline = time.monotonic() + 20
    while time.monotonic() < deadline:
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=0.2):
                return HttpServer(kind, port, process)
        except OSError:
            if process.poll() is not None:
                break
            time.sleep(0.05)
    process.kill()
    raise RuntimeError(f"toy {kind} server did not start on port {port}")


@pytest.fixture(params=["http", "sse"])
def http_server(request: pytest.FixtureRequest) -> Iterator[HttpServer]:
    server = start_http(str(request.param))
    yield server
    server.stop()


@pytest.fixture
def streamable_server() -> Iterator[HttpServer]:
    server = start_http("http")
    yield server
    server.stop()
