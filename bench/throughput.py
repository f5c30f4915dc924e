"""Throughput benchmark: sessions/s of ``tarsy serve`` on PostgreSQL with 50 sessions in flight,
each making 3 LLM calls of 0.5 s and one tool call on an HTTP MCP server; memory after the run.

Usage:
    python bench/throughput.py [--sessions 300] [--concurrency 50] [--llm-latency 0.5]
                               [--scope shared|per_execution] [--database-url postgresql+...]

What runs where:
- ``tarsy serve`` is a child process, as in production: PostgreSQL in a fresh schema (dropped
  afterwards), ``--concurrency`` workers and concurrency slots.
- The LLM is a fake OpenAI chat-completions server in this process, reached through the real
  ``openai`` SDK: each call waits ``--llm-latency`` seconds, then streams its answer. The
  investigator's first call asks for the MCP tool, its second answers; the executive summary
  is the third call.
- The MCP server is the test suite's toy server over streamable HTTP (a child process); the
  tool call is ``echo``. ``--scope shared`` (default) keeps one warm MCP session per replica.

The driver keeps ``--concurrency`` sessions in flight (a new alert each time one ends, seen on
the WebSocket ``sessions`` channel, as the dashboard sees it) until ``--sessions`` have ended.
Sessions/s is completions over the time from the first submit to the last completion; the
first ``--warmup`` sessions are run before and not counted. Memory is the server's ``VmRSS``
after the run (and ``VmHWM``, its peak). Goal: >= 20 sessions/s, <= 200 MB.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx
import websockets
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import Response, StreamingResponse
from starlette.routing import Route

sys.path.insert(0, str(Path(__file__).parent))
from pipeline import DEFAULT_PG, drop_pg_schema, free_port, new_pg_schema, serving, when
from startup import TARSY

ROOT = Path(__file__).resolve().parents[1]
TOY = ROOT / "tests" / "integration" / "mcp" / "toy_server.py"
KEY_ENV = "BENCH_LLM_KEY"
TERMINAL = {"completed", "failed", "timed_out", "cancelled"}
TARSY_YAML = """\
queue:
  worker_count: {concurrency}
  max_concurrent_sessions: {concurrency}
defaults:
  llm_provider: fake-openai
mcp_servers:
  toy:
    transport: {{type: http, url: "{mcp_url}"}}
    session_scope: {scope}
agents:
  BenchAgent:
    description: benchmark investigator
    mcp_servers: [toy]
    custom_instructions: Call the echo tool once, then answer.
agent_chains:
  bench:
    alert_types: [bench]
    stages:
      - name: investigate
        agents: [{{name: BenchAgent}}]
"""
PROVIDERS_YAML = """\
llm_providers:
  fake-openai:
    type: openai
    model: bench-model
    api_key_env: {key_env}
    base_url: {llm_url}/v1
"""


@dataclass
class FakeOpenAI:
    """Chat completions after ``latency`` seconds: a tool call while the conversation has tools
    and no tool result yet, else the final text."""

    latency: float
    calls: int = 0
    tool_calls: int = 0

    async def handle(self, request: Request) -> Response:
        body = json.loads(await request.body())
        self.calls += 1
        await asyncio.sleep(self.latency)
        tools = body.get("tools") or []
        answered = any(m.get("role") == "tool" for m in body["messages"])
        if tools and not answered:
            self.tool_calls += 1
            name = next(t["function"]["name"] for t in tools if "echo" in t["function"]["name"])
            frames = _frames(tool=(name, json.dumps({"text": "pod api-7d9 restarts"})))
        else:
            frames = _frames(text="Root cause: the config map is missing; restore it.")
        return StreamingResponse(iter(frames), media_type="text/event-stream")


def _chunk(delta: dict[str, object], finish: str | None = None, usage: object = None) -> str:
    choices = [{"index": 0, "delta": delta, "finish_reason": finish}] if delta or finish else []
    data = {
        "id": "chatcmpl-bench",
        "object": "chat.completion.chunk",
        "created": 0,
        "model": "bench-model",
        "choices": choices,
        "usage": usage,
    }
    return f"data: {json.dumps(data)}\n\n"


def _frames(*, text: str = "", tool: tuple[str, str] | None = None) -> list[str]:
    frames = [_chunk({"role": "assistant", "content": ""})]
    if tool is not None:
        name, arguments = tool
        call = {"index": 0, "id": "call-1", "type": "function"}
        frames.append(
            _chunk({"tool_calls": [call | {"function": {"name": name, "arguments": arguments}}]})
        )
        frames.append(_chunk({}, "tool_calls"))
    else:
        frames += [_chunk({"content": part}) for part in text.split(" ")]
        frames.append(_chunk({}, "stop"))
    usage = {"prompt_tokens": 300, "completion_tokens": 40, "total_tokens": 340}
    frames.append(_chunk({}, usage=usage))
    frames.append("data: [DONE]\n\n")
    return frames


@dataclass
class Run:
    completed: int = 0
    failed: list[str] = field(default_factory=list)
    elapsed: float = 0.0
    rss_mb: float = 0.0
    peak_mb: float = 0.0


def cpu_seconds(pid: int) -> float:
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def memory(pid: int) -> tuple[float, float]:
    values = {}
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        key, _, rest = line.partition(":")
        if key in ("VmRSS", "VmHWM"):
            values[key] = int(rest.split()[0]) / 1024
    return values["VmRSS"], values["VmHWM"]


def spawn(command: list[str], env: dict[str, str]) -> subprocess.Popen[bytes]:
    """A child process whose output is discarded (the server logs warnings only)."""
    return subprocess.Popen(command, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)


async def wait_http(url: str, proc: subprocess.Popen[bytes], what: str) -> None:
    async with httpx.AsyncClient(timeout=1) as client:
        for _ in range(600):
            if proc.poll() is not None:
                raise SystemExit(f"{what} exited with {proc.returncode}")
            try:
                if (await client.get(url)).status_code < 500:
                    return
            except httpx.TransportError:
                pass
            await asyncio.sleep(0.1)
    raise SystemExit(f"{what} did not come up at {url}")


@dataclass
class Seen:
    """What the driver saw of one session, in wall-clock seconds."""

    sent: float
    answered: float = 0.0
    ended: float = 0.0


async def drive(
    api: httpx.AsyncClient,
    ws_url: str,
    total: int,
    concurrency: int,
    seen: dict[str, Seen] | None = None,
) -> tuple[int, float]:
    """Keep ``concurrency`` sessions in flight until ``total`` have ended; (ended, seconds).

    Ends are seen on the WebSocket ``sessions`` channel, as the dashboard sees them; ``seen``
    collects when each session was sent, answered and seen ending."""
    seen = {} if seen is None else seen
    ends: dict[str, float] = {}
    live: set[str] = set()
    early: set[str] = set()  # ended before their POST answered
    ended = 0
    done = asyncio.Event()
    room = asyncio.Semaphore(concurrency)

    async def submit() -> None:
        sent = time.time()
        reply = await api.post("/api/v1/alerts", json={"alert_type": "bench", "data": "down"})
        reply.raise_for_status()
        sid = reply.json()["session_id"]
        seen[sid] = Seen(sent=sent, answered=time.time(), ended=ends.pop(sid, 0.0))
        if sid in early:
            early.discard(sid)
            room.release()
        else:
            live.add(sid)

    async with websockets.connect(ws_url, compression=None, max_size=None) as ws:
        await ws.send(json.dumps({"action": "subscribe", "channel": "sessions"}))
        while json.loads(await ws.recv()).get("type") != "subscription.confirmed":
            pass

        async def listen() -> None:
            nonlocal ended
            async for raw in ws:
                event = json.loads(raw)
                if event.get("type") != "session.status" or event["status"] not in TERMINAL:
                    continue
                sid = event["session_id"]
                ended += 1
                if sid in seen:
                    seen[sid].ended = time.time()
                else:
                    ends[sid] = time.time()
                if sid in live:
                    live.discard(sid)
                    room.release()
                else:
                    early.add(sid)
                if ended >= total:
                    done.set()

        listener = asyncio.create_task(listen())
        started = time.perf_counter()
        submitters: set[asyncio.Task[None]] = set()
        for _ in range(total):
            await room.acquire()
            task = asyncio.create_task(submit())
            submitters.add(task)
            task.add_done_callback(submitters.discard)
        await done.wait()
        elapsed = time.perf_counter() - started
        listener.cancel()
    return ended, elapsed


def print_cycle(sessions: list[dict[str, Any]], seen: dict[str, Seen]) -> None:
    """Where one session's cycle (alert sent to its end seen on the WebSocket) goes, p50 over
    the last sessions listed: the driver's next alert follows at once, so 50 / cycle is the
    best sessions/s."""
    parts: dict[str, list[float]] = {"POST answered": [], "claimed": [], "ended": [], "seen": []}
    cycles = []
    for s in sessions:
        mine = seen.get(s["id"])
        if mine is None or not (s["started_at"] and s["completed_at"] and mine.ended):
            continue
        created = when(s["created_at"]).timestamp()
        started, completed = when(s["started_at"]).timestamp(), when(s["completed_at"]).timestamp()
        parts["POST answered"].append(mine.answered - mine.sent)
        parts["claimed"].append(started - created)
        parts["ended"].append(completed - started)
        parts["seen"].append(mine.ended - completed)
        cycles.append(mine.ended - mine.sent)
    if cycles:
        steps = ", ".join(f"{k} {1000 * statistics.median(v):.0f} ms" for k, v in parts.items())
        print(f"cycle p50 {statistics.median(cycles):.2f} s: {steps}")


async def run(args: argparse.Namespace) -> Run:
    fake = FakeOpenAI(args.llm_latency)
    app = Starlette(routes=[Route("/v1/chat/completions", fake.handle, methods=["POST"])])
    async with serving(app) as llm_url:
        return await measure(args, fake, llm_url)


async def measure(args: argparse.Namespace, fake: FakeOpenAI, llm_url: str) -> Run:
    work = Path(tempfile.mkdtemp(prefix="tarsy-throughput-"))
    schema = await new_pg_schema(args.database_url)
    mcp_port, port = free_port(), free_port()
    mcp = spawn([sys.executable, str(TOY), "http", str(mcp_port)], dict(os.environ))
    server: subprocess.Popen[bytes] | None = None
    try:
        mcp_url = f"http://127.0.0.1:{mcp_port}/mcp"
        await wait_http(f"http://127.0.0.1:{mcp_port}/cleanups", mcp, "the MCP server")
        config = work / "config"
        config.mkdir()
        (config / "tarsy.yaml").write_text(
            TARSY_YAML.format(concurrency=args.concurrency, mcp_url=mcp_url, scope=args.scope)
        )
        (config / "llm-providers.yaml").write_text(
            PROVIDERS_YAML.format(key_env=KEY_ENV, llm_url=llm_url)
        )
        env = {k: v for k, v in os.environ.items() if not k.startswith("TARSY_")}
        env.update(
            CONFIG_DIR=str(config),
            TARSY_DATA_DIR=str(work / "data"),
            TARSY_DATABASE_URL=args.database_url,
            TARSY_DATABASE_SCHEMA=schema,
            HTTP_PORT=str(port),
            TARSY_HOST="127.0.0.1",
            LOG_LEVEL="warning",
            **{KEY_ENV: "sk-bench-not-a-real-key"},
        )
        server = spawn([TARSY, "serve"], env)
        url = f"http://127.0.0.1:{port}"
        await wait_http(f"{url}/health", server, "tarsy serve")
        async with httpx.AsyncClient(base_url=url, timeout=60) as api:
            ws_url = f"ws://127.0.0.1:{port}/api/v1/ws"
            await drive(api, ws_url, args.warmup, args.concurrency)
            before, cpu_before = fake.calls, cpu_seconds(server.pid)
            own_before, mcp_before = time.process_time(), cpu_seconds(mcp.pid)
            seen: dict[str, Seen] = {}
            ended, elapsed = await drive(api, ws_url, args.sessions, args.concurrency, seen)
            cpu = cpu_seconds(server.pid) - cpu_before
            own, mcp_cpu = time.process_time() - own_before, cpu_seconds(mcp.pid) - mcp_before
            print(
                f"CPU of the fakes: LLM and driver {own:.1f} s ({100 * own / elapsed:.0f}%), "
                f"MCP server {mcp_cpu:.1f} s ({100 * mcp_cpu / elapsed:.0f}%)"
            )
            print(
                f"server CPU {cpu:.1f} s over {elapsed:.1f} s "
                f"({100 * cpu / elapsed:.0f}% of a core), {1000 * cpu / max(1, ended):.0f} ms "
                "per session"
            )
            result = Run(elapsed=elapsed)
            listed = (await api.get("/api/v1/sessions", params={"page_size": 100})).json()
            statuses = [s["status"] for s in listed["sessions"]]
            result.failed = [s for s in statuses if s != "completed"]
            result.completed = ended
            result.rss_mb, result.peak_mb = memory(server.pid)
            calls = fake.calls - before
            print(
                f"LLM calls {calls} ({calls / max(1, ended):.2f} per session), "
                f"tool calls {fake.tool_calls}"
            )
            durations = [
                s["duration_ms"] / 1000 for s in listed["sessions"] if s["duration_ms"] is not None
            ]
            waits = [
                (when(s["started_at"]) - when(s["created_at"])).total_seconds()
                for s in listed["sessions"]
                if s["started_at"]
            ]
            if waits:
                print(
                    f"queue wait (submit to claim, last 100): p50 {statistics.median(waits):.2f} s,"
                    f" max {max(waits):.2f} s"
                )
            if durations:
                print(
                    f"session duration (claim to end, last 100): p50 "
                    f"{statistics.median(durations):.2f} s, max {max(durations):.2f} s "
                    f"(critical path {3 * args.llm_latency:.2f} s)"
                )
            print_cycle(listed["sessions"], seen)
        return result
    finally:
        for proc in (server, mcp):
            if proc is not None:
                proc.terminate()
                try:
                    proc.wait(30)
                except subprocess.TimeoutExpired:
                    proc.kill()
        await drop_pg_schema(args.database_url, schema)
        shutil.rmtree(work, ignore_errors=True)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sessions", type=int, default=300)
    parser.add_argument("--warmup", type=int, default=50)
    parser.add_argument("--concurrency", type=int, default=50)
    parser.add_argument("--llm-latency", type=float, default=0.5)
    parser.add_argument("--scope", choices=["shared", "per_execution"], default="shared")
    parser.add_argument(
        "--database-url", default=os.environ.get("TARSY_TEST_DATABASE_URL", DEFAULT_PG)
    )
    args = parser.parse_args()
    result = asyncio.run(run(args))
    rate = result.completed / result.elapsed
    print(
        f"{result.completed} sessions in {result.elapsed:.1f} s at {args.concurrency} concurrent: "
        f"{rate:.1f} sessions/s (goal >= 20); server memory after the run "
        f"{result.rss_mb:.0f} MB, peak {result.peak_mb:.0f} MB (goal <= 200 MB)"
    )
    if result.failed:
        print(f"not completed among the last 100: {len(result.failed)} ({set(result.failed)})")


if __name__ == "__main__":
    main()
