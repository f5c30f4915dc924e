"""WebSocket fan-out benchmark: latency from a model's streamed delta to its receipt by clients.

Usage:
    python bench/ws_fanout.py [--clients 1,50,200] [--deltas 300] [--delta-interval 0.01]
                              [--backend local|postgres|both] [--database-url ...]

The application runs in this process as ``tarsy serve`` runs it (uvicorn, uvloop, httptools);
the WebSocket clients run in a child process (one asyncio loop, the ``websockets`` library), so
their CPU is not charged to the server. Like ``tarsy serve``, the server does not negotiate
permessage-deflate.

For each client count, one alert is submitted; its agent's model waits until every client has
subscribed to ``session:<id>``, then streams ``--deltas`` text deltas ``--delta-interval``
seconds apart, each carrying the wall-clock time it was produced. Deltas reach clients inside
``stream.chunk`` events, coalesced every 20 ms by the recorder (that wait is part of the figure).
A client's latency for a delta is its receipt time minus the delta's production time, so
p50/p99 are over ``deltas x clients`` samples. ``local`` is the in-process bus (SQLite);
``postgres`` publishes through PostgreSQL NOTIFY and delivers what the LISTEN connection
receives, as every replica does. The goal is p99 <= 50 ms at 200 clients on PostgreSQL.
"""

from __future__ import annotations

import argparse
import asyncio
import gc
import json
import logging
import multiprocessing
import os
import sys
import time
from collections.abc import AsyncIterator
from datetime import timedelta
from multiprocessing.connection import Connection
from pathlib import Path

import httpx
import uvloop

sys.path.insert(0, str(Path(__file__).parent))
from pipeline import DEFAULT_PG, bench_settings, quantile, serving
from tarsy.app.container import build_container
from tarsy.app.server import create_app
from tarsy.config import ResolvedAgentConfig, Settings, TarsyConfig, load_config
from tarsy.llm.model import Model, NamedModel
from tarsy.llm.types import ModelRequest, StreamEvent, TextDelta, Usage
from tarsy.pipeline.ports import ModelHooks
from tarsy.worker.settings import QueueSettings

TARSY_YAML = """\
defaults:
  llm_provider: scripted
agents:
  Streamer:
    description: streams a long answer
    mcp_servers: []
agent_chains:
  fanout:
    alert_types: [fanout]
    stages:
      - name: stream
        agents: [{name: Streamer}]
"""
PROVIDERS_YAML = "llm_providers:\n  scripted:\n    type: scripted\n    model: bench\n"
MARK = "\x1f"


class StampingModel(NamedModel):
    """Streams ``deltas`` text deltas, each ``MARK<production time>``, once ``go`` is set."""

    def __init__(self, deltas: int, interval: float, go: asyncio.Event) -> None:
        super().__init__("scripted", "bench")
        self._deltas = deltas
        self._interval = interval
        self._go = go

    async def stream(self, request: ModelRequest) -> AsyncIterator[StreamEvent]:
        if request.agent_name != "Streamer":  # the executive summary
            yield TextDelta("done")
            return
        await self._go.wait()
        for _ in range(self._deltas):
            await asyncio.sleep(self._interval)
            yield TextDelta(f"{MARK}{time.time():.6f}")
        yield Usage(10, self._deltas)


def write_config(directory: Path) -> TarsyConfig:
    directory.mkdir(parents=True, exist_ok=True)
    (directory / "tarsy.yaml").write_text(TARSY_YAML)
    (directory / "llm-providers.yaml").write_text(PROVIDERS_YAML)
    return load_config(directory, env={})


async def run_one(
    settings: Settings, config: TarsyConfig, clients: int, args: argparse.Namespace
) -> list[float]:
    go = asyncio.Event()

    def models(agent: ResolvedAgentConfig, hooks: ModelHooks) -> Model:
        return StampingModel(args.deltas, args.delta_interval, go)

    queue = QueueSettings(
        worker_count=1,
        max_concurrent_sessions=1,
        poll_interval=timedelta(milliseconds=50),
        poll_interval_jitter=timedelta(milliseconds=10),
        session_timeout=timedelta(seconds=300),
        graceful_shutdown_timeout=timedelta(seconds=5),
    )
    container = build_container(settings, config, models=models, queue=queue, toolsets={})
    async with serving(create_app(container, freeze_gc=True)) as url:  # as `tarsy serve`
        async with httpx.AsyncClient(base_url=url, timeout=30) as http:
            response = await http.post("/api/v1/alerts", json={"alert_type": "fanout", "data": "x"})
            response.raise_for_status()
            sid = response.json()["session_id"]
        return await drive_clients(url, sid, clients, go)


async def drive_clients(url: str, sid: str, clients: int, go: asyncio.Event) -> list[float]:
    context = multiprocessing.get_context("spawn")
    ours, theirs = context.Pipe()
    child = context.Process(target=client_process, args=(url, sid, clients, theirs), daemon=True)
    child.start()
    loop = asyncio.get_running_loop()
    try:
        ready = await loop.run_in_executor(None, ours.recv)
        assert ready == "subscribed", ready
        go.set()
        latencies: list[float] = await loop.run_in_executor(None, ours.recv)
        return latencies
    finally:
        await loop.run_in_executor(None, child.join, 10)
        if child.is_alive():
            child.kill()


def client_process(url: str, sid: str, clients: int, pipe: Connection) -> None:
    """The child process: ``clients`` sockets on ``session:<sid>``, latencies of every delta."""
    from websockets.asyncio.client import ClientConnection, connect

    async def one(ready: asyncio.Barrier, done: list[float]) -> None:
        ws_url = url.replace("http://", "ws://") + "/api/v1/ws"
        async with connect(ws_url, proxy=None, max_size=None, ping_interval=None) as conn:
            await conn.recv()  # connection.established
            await conn.send(json.dumps({"action": "subscribe", "channel": f"session:{sid}"}))
            await wait_type(conn, "subscription.confirmed")
            await ready.wait()
            async for raw in conn:
                received = time.time()
                event = json.loads(raw)
                kind = event.get("type")
                if kind == "stream.chunk":
                    for stamp in event["delta"].split(MARK)[1:]:
                        done.append(received - float(stamp))
                elif (
                    kind == "timeline_event.completed" and event.get("event_type") == "llm_response"
                ):
                    return

    async def wait_type(conn: ClientConnection, kind: str) -> None:
        while json.loads(await conn.recv()).get("type") != kind:
            pass

    async def drive() -> list[float]:
        ready = asyncio.Barrier(clients + 1)
        done: list[float] = []
        tasks = [asyncio.create_task(one(ready, done)) for _ in range(clients)]
        await ready.wait()
        # The measuring client must not pause for full collections over its 200 sockets.
        gc.collect()
        gc.freeze()
        pipe.send("subscribed")
        cpu, wall = time.process_time(), time.monotonic()
        await asyncio.wait_for(asyncio.gather(*tasks), timeout=300)
        done.append(-(time.process_time() - cpu) / (time.monotonic() - wall))  # CPU share
        return done

    pipe.send(uvloop.run(drive()))


async def bench(backend: str, args: argparse.Namespace) -> None:
    async with bench_settings(backend, args.database_url) as settings:
        if settings is None:
            return
        config = write_config(settings.data_dir / "cfg")
        for clients in args.clients:
            *latencies, client_cpu = await run_one(settings, config, clients, args)
            expected = clients * args.deltas
            ms = [x * 1000 for x in latencies]
            print(
                f"{backend:8} {clients:4d} clients: p50 {quantile(ms, 0.5):6.1f} ms  "
                f"p99 {quantile(ms, 0.99):6.1f} ms  max {max(ms):6.1f} ms  "
                f"({len(ms)}/{expected} deltas received; client CPU {-client_cpu:.0%})"
            )


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument(
        "--clients", default="1,50,200", type=lambda s: [int(x) for x in s.split(",")]
    )
    parser.add_argument("--deltas", type=int, default=300)
    parser.add_argument("--delta-interval", type=float, default=0.01)
    parser.add_argument("--backend", choices=["local", "postgres", "both"], default="both")
    parser.add_argument(
        "--database-url", default=os.environ.get("TARSY_TEST_DATABASE_URL", DEFAULT_PG)
    )
    args = parser.parse_args()
    logging.basicConfig(level=logging.WARNING)
    print(
        f"{os.cpu_count()} CPUs; {args.deltas} deltas {args.delta_interval * 1000:.0f} ms apart "
        "per run; latency = model delta produced -> received by a client"
    )
    for backend in ("local", "postgres") if args.backend == "both" else (args.backend,):
        uvloop.run(bench(backend, args))


if __name__ == "__main__":
    main()
