"""MCP layer benchmark: per-call overhead of ``McpToolset`` over a raw SDK call, and start-up.

Usage:
    python bench/mcp_overhead.py                 # stdio and streamable HTTP, 300 calls each
    python bench/mcp_overhead.py --calls 1000 --executions 10

Against the toy test server (tests/integration/mcp/toy_server.py), started here: over stdio as
a subprocess, over HTTP on a random 127.0.0.1 port. Per transport it prints the median and p99
latency of ``echo`` called through the raw SDK ``Client`` and through ``McpToolset.call_tool``
(argument parsing, name routing, timeout, result formatting), and their difference. Then the
per-execution start-up cost (``McpSessions.open``) under ``per_execution`` and ``shared`` scope.
"""

from __future__ import annotations

import argparse
import asyncio
import socket
import statistics
import subprocess
import sys
import time
from collections.abc import Awaitable, Callable
from pathlib import Path

from mcp import Client
from mcp.client.stdio import StdioServerParameters

from tarsy.config.schema_tarsy import McpServerConfig
from tarsy.mcp import McpSessions

TOY = str(Path(__file__).resolve().parents[1] / "tests" / "integration" / "mcp" / "toy_server.py")


def _config(kind: str, url: str = "", scope: str = "per_execution") -> McpServerConfig:
    transport: dict[str, object] = (
        {"type": "stdio", "command": sys.executable, "args": [TOY]}
        if kind == "stdio"
        else {"type": "http", "url": url}
    )
    return McpServerConfig.model_validate({"transport": transport, "session_scope": scope})


async def _timed(calls: int, call: Callable[[], Awaitable[object]]) -> list[float]:
    for _ in range(20):  # warm-up
        await call()
    samples = []
    for _ in range(calls):
        start = time.perf_counter()
        await call()
        samples.append((time.perf_counter() - start) * 1000)
    return samples


def _p(samples: list[float], q: float) -> float:
    return sorted(samples)[min(len(samples) - 1, int(q * len(samples)))]


async def per_call(kind: str, url: str, calls: int) -> None:
    target: StdioServerParameters | str = (
        StdioServerParameters(command=sys.executable, args=[TOY]) if kind == "stdio" else url
    )
    async with Client(target, cache=None) as client:
        raw = await _timed(calls, lambda: client.call_tool("echo", {"text": "x"}))
    async with McpSessions({"toy": _config(kind, url)}).open(["toy"], "bench") as opened:
        ours = await _timed(calls, lambda: opened.toolset.call_tool("toy.echo", '{"text": "x"}'))
    raw_med, ours_med = statistics.median(raw), statistics.median(ours)
    print(
        f"{kind:5} per call  raw SDK p50 {raw_med:6.3f} ms p99 {_p(raw, 0.99):6.3f} ms | "
        f"McpToolset p50 {ours_med:6.3f} ms p99 {_p(ours, 0.99):6.3f} ms | "
        f"overhead p50 {ours_med - raw_med:+.3f} ms"
    )


async def startup(kind: str, url: str, executions: int) -> None:
    for scope in ("per_execution", "shared"):
        sessions = McpSessions({"toy": _config(kind, url, scope)})
        samples = []
        for i in range(executions):
            start = time.perf_counter()
            async with sessions.open(["toy"], f"e{i}") as opened:
                samples.append((time.perf_counter() - start) * 1000)
                await opened.toolset.call_tool("toy.echo", "x")
        await sessions.aclose()
        print(
            f"{kind:5} open {scope:13} first {samples[0]:7.1f} ms, "
            f"then p50 {statistics.median(samples[1:] or samples):7.1f} ms "
            f"({executions} executions)"
        )


def _start_http() -> tuple[subprocess.Popen[bytes], str]:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    process = subprocess.Popen(
        [sys.executable, TOY, "http", str(port)],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    for _ in range(400):
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=0.2):
                return process, f"http://127.0.0.1:{port}/mcp"
        except OSError:
            time.sleep(0.05)
    process.kill()
    raise SystemExit("toy HTTP server did not start")


async def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--calls", type=int, default=300)
    parser.add_argument("--executions", type=int, default=5)
    args = parser.parse_args()
    process, url = _start_http()
    try:
        for kind in ("stdio", "http"):
            await per_call(kind, url, args.calls)
        for kind in ("stdio", "http"):
            await startup(kind, url, args.executions)
    finally:
        process.kill()
        process.wait()


if __name__ == "__main__":
    asyncio.run(main())
