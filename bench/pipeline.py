"""Pipeline benchmark: sessions/s and overhead ratio of whole investigations run concurrently.

Usage:
    python bench/pipeline.py [--sessions 100] [--llm-latency 0.2] [--tool-latency 0.1]
                             [--tool-calls 2] [--backend sqlite|postgres|both]
                             [--database-url postgresql+asyncpg://...]

The whole application runs in this process (``build_container`` + ``create_app`` under uvicorn
on a random 127.0.0.1 port). ``--sessions`` alerts are submitted at once over HTTP to a one-stage
chain whose agent makes ``--tool-calls`` sequential tool calls (one LLM iteration each), then
answers; the executive summary follows. Every LLM call sleeps ``--llm-latency`` seconds before
streaming its scripted events, every tool call (an in-process toolset) ``--tool-latency``. The
worker pool has one worker and one concurrency slot per session, so all run at once.

The critical path of one session is what it must wait through sequentially:
``(tool_calls + 2) * llm_latency + tool_calls * tool_latency``. The overhead ratio of a session
is its wall time (``started_at`` .. ``completed_at`` from the API, i.e. from claim to final
write, so queue wait is excluded) divided by the critical path; the goal is at most 1.10 at 100
concurrent sessions. End-to-end time (submit .. completion observed by polling
``/api/v1/sessions/active`` every ``--poll-interval``; the HTTP client runs in a child
process, so its CPU is not charged to the server) and queue wait (``created_at`` ..
``started_at``) are reported separately; sessions/s is completed sessions over the time from the
first submit to the last observed completion. ``--warmup`` sessions run first, uncounted.
PostgreSQL runs in a fresh schema that is dropped afterwards; an unreachable server is reported
and skipped.
"""

from __future__ import annotations

import argparse
import asyncio
import logging
import multiprocessing
import os
import shutil
import socket
import statistics
import tempfile
import time
import uuid
from collections.abc import AsyncIterator, Sequence
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from multiprocessing.connection import Connection
from pathlib import Path
from typing import Any

import asyncpg
import httpx
import uvicorn
import uvloop

from tarsy.app.container import build_container
from tarsy.app.server import SERVER_OPTIONS, create_app
from tarsy.config import ResolvedAgentConfig, Settings, TarsyConfig, load_config
from tarsy.domain.messages import ToolCall
from tarsy.domain.statuses import MessageRole
from tarsy.domain.tools import StaticToolset, ToolDef, ToolResult
from tarsy.llm.model import Model, NamedModel
from tarsy.llm.types import ModelRequest, StreamEvent, TextDelta, ToolCallEvent, Usage
from tarsy.pipeline.ports import ModelHooks
from tarsy.worker.settings import QueueSettings

DEFAULT_PG = "postgresql+asyncpg://postgres@127.0.0.1:5432/test"
SERVER = "bench-server"
AGENT = "BenchAgent"
TERMINAL = {"completed", "failed", "timed_out", "cancelled"}

TARSY_YAML = """\
defaults:
  llm_provider: scripted
  max_iterations: ITERATIONS
mcp_servers:
  bench-server:
    transport: {type: stdio, command: "true"}
agents:
  BenchAgent:
    description: benchmark investigator
    mcp_servers: [bench-server]
    custom_instructions: Investigate the alert with the tools, then answer.
agent_chains:
  bench:
    alert_types: [bench]
    stages:
      - name: investigate
        agents: [{name: BenchAgent}]
"""
PROVIDERS_YAML = "llm_providers:\n  scripted:\n    type: scripted\n    model: bench-scripted\n"


@dataclass(slots=True)
class Counters:
    llm_calls: int = 0
    tool_calls: int = 0


class SlowModel(NamedModel):
    """Implements ``Model``: waits ``latency`` then streams the bench agent's next scripted turn.

    The turn depends only on the request (tool results so far), so one instance serves every
    session: the investigator calls a tool until it has ``tool_calls`` results, then answers.
    """

    def __init__(self, latency: float, tool_calls: int, counters: Counters) -> None:
        super().__init__("scripted", "bench-scripted")
        self._latency = latency
        self._tool_calls = tool_calls
        self._counters = counters

    async def stream(self, request: ModelRequest) -> AsyncIterator[StreamEvent]:
        self._counters.llm_calls += 1
        await asyncio.sleep(self._latency)
        done = sum(1 for m in request.messages if m.role is MessageRole.TOOL)
        if request.agent_name == AGENT and request.tools and done < self._tool_calls:
            name = f"{SERVER}.probe_{done % 2}"
            yield TextDelta(f"Checking step {done + 1}.")
            yield ToolCallEvent(ToolCall(f"call-{done}", name, '{"target": "api-7d9"}'))
            yield Usage(100, 20)
            return
        yield TextDelta(f"Analysis by {request.agent_name}: the pod restarts; config map missing.")
        yield Usage(200, 40)


class SlowToolset:
    """Implements ``Toolset``: a ``StaticToolset`` whose calls each take ``latency`` seconds."""

    def __init__(self, latency: float, counters: Counters) -> None:
        schema = {"type": "object", "properties": {"target": {"type": "string"}}}
        self._inner = StaticToolset(
            [
                (ToolDef(f"{SERVER}.probe_{i}", f"Probe {i} of the workload", schema), out)
                for i, out in enumerate(["pod api-7d9: CrashLoopBackOff", "configmap not found"])
            ]
        )
        self._latency = latency
        self._counters = counters

    async def list_tools(self) -> Sequence[ToolDef]:
        return await self._inner.list_tools()

    async def call_tool(self, name: str, arguments: str) -> ToolResult:
        self._counters.tool_calls += 1
        await asyncio.sleep(self._latency)
        return await self._inner.call_tool(name, arguments)


@dataclass(slots=True)
class Run:
    """What one backend's run measured; times in seconds."""

    elapsed: float = 0.0
    walls: list[float] = field(default_factory=list)
    e2e: list[float] = field(default_factory=list)
    queue_waits: list[float] = field(default_factory=list)
    failed: dict[str, int] = field(default_factory=dict)
    server_cpu: float = 0.0


def write_config(directory: Path, tool_calls: int) -> TarsyConfig:
    directory.mkdir(parents=True, exist_ok=True)
    (directory / "tarsy.yaml").write_text(TARSY_YAML.replace("ITERATIONS", str(tool_calls + 1)))
    (directory / "llm-providers.yaml").write_text(PROVIDERS_YAML)
    return load_config(directory, env={})


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def when(value: str) -> datetime:
    return datetime.fromisoformat(value)


async def poll_completions(
    client: httpx.AsyncClient, pending: set[str], done_at: dict[str, float], interval: float
) -> None:
    """Record when each session leaves ``/api/v1/sessions/active`` (one request per poll).

    The endpoint reads running and pending sessions in two queries, so a session claimed in
    between is missing from both: a missing session counts as done once its status is terminal.
    """
    while pending:
        await asyncio.sleep(interval)
        response = await client.get("/api/v1/sessions/active")
        response.raise_for_status()
        body = response.json()
        live = {s["id"] for s in body["active"]} | {s["id"] for s in body["queued"]}
        now = time.perf_counter()
        for sid in pending - live:
            status = (await client.get(f"/api/v1/sessions/{sid}/status")).json()["status"]
            if status in TERMINAL:
                done_at[sid] = now
                pending.discard(sid)


async def submit(client: httpx.AsyncClient, i: int) -> str:
    response = await client.post(
        "/api/v1/alerts",
        json={"alert_type": "bench", "data": f"Pod api-{i} CrashLoopBackOff in namespace prod"},
    )
    if response.status_code != 202:
        raise SystemExit(f"submit failed: {response.status_code} {response.text}")
    return str(response.json()["session_id"])


async def batch(client: httpx.AsyncClient, n: int, poll: float, run: Run) -> None:
    """Submit ``n`` alerts at once, wait until all are terminal, and fill ``run``."""
    started = time.perf_counter()
    submitted_at: dict[str, float] = {}

    async def one(i: int) -> None:
        sent = time.perf_counter()
        submitted_at[await submit(client, i)] = sent

    await asyncio.gather(*(one(i) for i in range(n)))
    done_at: dict[str, float] = {}
    await poll_completions(client, set(submitted_at), done_at, poll)
    run.elapsed = max(done_at.values()) - started
    gate = asyncio.Semaphore(8)

    async def detail(sid: str) -> None:
        async with gate:
            body = (await client.get(f"/api/v1/sessions/{sid}")).json()
        if body["status"] != "completed":
            run.failed[body["status"]] = run.failed.get(body["status"], 0) + 1
            return
        begin, end = when(body["started_at"]), when(body["completed_at"])
        run.walls.append((end - begin).total_seconds())
        run.queue_waits.append((begin - when(body["created_at"])).total_seconds())
        run.e2e.append(done_at[sid] - submitted_at[sid])

    await asyncio.gather(*(detail(sid) for sid in submitted_at))


async def run_backend(settings: Settings, config: TarsyConfig, args: argparse.Namespace) -> Run:
    counters = Counters()
    n = args.sessions

    def models(agent: ResolvedAgentConfig, hooks: ModelHooks) -> Model:
        return SlowModel(args.llm_latency, args.tool_calls, counters)

    queue = QueueSettings(
        worker_count=n,
        max_concurrent_sessions=n,
        poll_interval=timedelta(seconds=args.claim_poll),
        poll_interval_jitter=timedelta(seconds=args.claim_poll / 5),
        heartbeat_interval=timedelta(seconds=30),
        session_timeout=timedelta(seconds=args.timeout),
        graceful_shutdown_timeout=timedelta(seconds=5),
    )
    toolsets = {SERVER: SlowToolset(args.tool_latency, counters)}
    container = build_container(settings, config, models=models, queue=queue, toolsets=toolsets)
    async with serving(create_app(container)) as url:
        run = await drive_from_another_process(url, args, counters)
    completed = len(run.walls)
    expected = (completed * (args.tool_calls + 2), completed * args.tool_calls)
    if (counters.llm_calls, counters.tool_calls) != expected:
        print(
            f"  warning: {counters.llm_calls} LLM / {counters.tool_calls} tool calls, "
            f"expected {expected[0]} / {expected[1]}"
        )
    return run


@asynccontextmanager
async def serving(app: Any) -> AsyncIterator[str]:
    """Serve ``app`` in this event loop on a free 127.0.0.1 port as ``tarsy serve`` runs it;
    the base URL."""
    server = uvicorn.Server(
        uvicorn.Config(app, host="127.0.0.1", port=free_port(), lifespan="on", **SERVER_OPTIONS)
    )
    task = asyncio.create_task(server.serve())
    try:
        async with asyncio.timeout(30):
            while not server.started:
                if task.done():
                    task.result()
                await asyncio.sleep(0.02)
        yield f"http://127.0.0.1:{server.config.port}"
    finally:
        server.should_exit = True
        await task


async def drive_from_another_process(url: str, args: argparse.Namespace, counters: Counters) -> Run:
    """Run the HTTP client (submits and polling) in a child process, so that its CPU is not
    charged to the server's event loop, as with real clients."""
    context = multiprocessing.get_context("spawn")
    ours, theirs = context.Pipe()
    child = context.Process(
        target=client_process,
        args=(url, args.sessions, args.warmup, args.poll_interval, theirs),
        daemon=True,
    )
    child.start()
    loop = asyncio.get_running_loop()
    try:
        await loop.run_in_executor(None, ours.recv)  # warm-up done
        counters.llm_calls = counters.tool_calls = 0
        cpu = time.process_time()
        ours.send("go")
        run: Run = await loop.run_in_executor(None, ours.recv)
        run.server_cpu = time.process_time() - cpu
        return run
    finally:
        await loop.run_in_executor(None, child.join, 10)
        if child.is_alive():
            child.kill()


def client_process(url: str, n: int, warmup: int, poll: float, pipe: Connection) -> None:
    """The child process of ``drive_from_another_process``."""

    async def drive() -> Run:
        limits = httpx.Limits(max_connections=n + 4, max_keepalive_connections=n + 4)
        async with httpx.AsyncClient(base_url=url, timeout=60, limits=limits) as client:
            if warmup:
                await batch(client, warmup, poll, Run())
            pipe.send("warm")
            await asyncio.get_running_loop().run_in_executor(None, pipe.recv)
            run = Run()
            await batch(client, n, poll, run)
            return run

    pipe.send(asyncio.run(drive()))


def pg_dsn(url: str) -> str:
    return url.replace("postgresql+asyncpg://", "postgresql://", 1)


async def new_pg_schema(url: str) -> str:
    schema = f"tarsy_bench_{uuid.uuid4().hex[:12]}"
    conn = await asyncpg.connect(pg_dsn(url), timeout=5)
    try:
        await conn.execute(f'CREATE SCHEMA "{schema}"')
    finally:
        await conn.close()
    return schema


async def drop_pg_schema(url: str, schema: str) -> None:
    conn = await asyncpg.connect(pg_dsn(url), timeout=5)
    try:
        await conn.execute(f'DROP SCHEMA IF EXISTS "{schema}" CASCADE')
    finally:
        await conn.close()


def quantile(values: Sequence[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(q * (len(ordered) - 1)))]


def critical_path(args: argparse.Namespace) -> float:
    """Seconds one session waits sequentially: its LLM calls (summary included) and tools."""
    return (args.tool_calls + 2) * args.llm_latency + args.tool_calls * args.tool_latency


def report(backend: str, run: Run, args: argparse.Namespace) -> None:
    critical = critical_path(args)
    ms = 1000.0
    print(f"{backend}:")
    print(
        f"  sessions {args.sessions}  concurrency {args.sessions}  completed {len(run.walls)}"
        + (f"  not completed {run.failed}" if run.failed else "")
    )
    if not run.walls:
        return
    print(f"  throughput          {len(run.walls) / run.elapsed:8.1f} sessions/s")
    print(f"  critical path       {critical * ms:8.0f} ms")
    per_session = run.server_cpu / len(run.walls) * ms
    print(f"  server CPU          {per_session:8.1f} ms per session (all threads)")
    for label, values in [
        ("wall (claim..done)", run.walls),
        ("end-to-end", run.e2e),
        ("queue wait", run.queue_waits),
    ]:
        print(
            f"  {label:<19} median {statistics.median(values) * ms:7.0f} ms  "
            f"p95 {quantile(values, 0.95) * ms:7.0f} ms  max {max(values) * ms:7.0f} ms"
        )
    ratios = [w / critical for w in run.walls]
    verdict = "ok" if quantile(ratios, 0.95) <= 1.10 else "above the 1.10 goal"
    print(
        f"  overhead ratio      median {statistics.median(ratios):7.3f}     "
        f"p95 {quantile(ratios, 0.95):7.3f}     ({verdict})"
    )


@asynccontextmanager
async def bench_settings(backend: str, database_url: str) -> AsyncIterator[Settings | None]:
    """Settings of a server on a fresh database of ``backend`` (``sqlite``/``local`` in a
    temporary directory, ``postgres`` in a fresh schema dropped afterwards), MCP health checks
    off; None (after saying so) when PostgreSQL is unreachable."""
    workdir = Path(tempfile.mkdtemp(prefix="tarsy-bench-"))
    schema = None
    try:
        if backend == "postgres":
            try:
                schema = await new_pg_schema(database_url)
            except (OSError, asyncpg.PostgresError, TimeoutError) as exc:
                print(f"{backend}: skipped, PostgreSQL unreachable ({exc})")
                yield None
                return
            url = database_url
        else:
            url = f"sqlite+aiosqlite:///{workdir / 'tarsy.db'}"
        yield Settings(
            data_dir=workdir, database_url=url, database_schema=schema, mcp_health_interval=0
        )
    finally:
        if schema is not None:
            await drop_pg_schema(database_url, schema)
        shutil.rmtree(workdir, ignore_errors=True)


async def bench(backend: str, args: argparse.Namespace) -> None:
    async with bench_settings(backend, args.database_url) as settings:
        if settings is None:
            return
        config = write_config(settings.data_dir / "config", args.tool_calls)
        try:
            async with asyncio.timeout(args.timeout):
                run = await run_backend(settings, config, args)
        except TimeoutError:
            print(f"{backend}: gave up after {args.timeout:.0f} s (raise --timeout)")
            return
        report(backend, run, args)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sessions", type=int, default=100, help="concurrent sessions")
    parser.add_argument("--llm-latency", type=float, default=0.2, help="seconds per LLM call")
    parser.add_argument("--tool-latency", type=float, default=0.1, help="seconds per tool call")
    parser.add_argument("--tool-calls", type=int, default=2, help="tool calls per session")
    parser.add_argument("--backend", choices=["sqlite", "postgres", "both"], default="both")
    parser.add_argument(
        "--database-url", default=os.environ.get("TARSY_TEST_DATABASE_URL", DEFAULT_PG)
    )
    parser.add_argument("--warmup", type=int, default=2, help="sessions run first, not counted")
    parser.add_argument("--poll-interval", type=float, default=0.25, help="completion polling")
    parser.add_argument("--claim-poll", type=float, default=1.0, help="idle worker poll")
    parser.add_argument("--timeout", type=float, default=180.0, help="seconds per backend")
    args = parser.parse_args()
    logging.basicConfig(level=logging.WARNING)
    critical = critical_path(args)
    print(
        f"{args.sessions} concurrent sessions, {args.tool_calls + 2} LLM calls x "
        f"{args.llm_latency * 1000:.0f} ms + {args.tool_calls} tool calls x "
        f"{args.tool_latency * 1000:.0f} ms = critical path {critical * 1000:.0f} ms "
        f"({os.cpu_count()} CPUs)",
        flush=True,
    )
    for backend in ["sqlite", "postgres"] if args.backend == "both" else [args.backend]:
        # The event loop of `tarsy serve` (uvloop).
        with asyncio.Runner(loop_factory=uvloop.new_event_loop) as runner:
            runner.run(bench(backend, args))


if __name__ == "__main__":
    main()
