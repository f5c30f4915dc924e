"""Ingest benchmark: throughput and latency of ``POST /api/v1/alerts``.

Usage:
    python bench/ingest.py                       # spawns `tarsy serve --role api` on SQLite
                                                 # and on PostgreSQL, measures both
    python bench/ingest.py --url http://host:port   # measures an already running server
    python bench/ingest.py --db sqlite --requests 20000 --connections 32 --rate 1000

Two measurements per database: the maximum throughput with ``--connections`` clients sending
back to back (closed loop), and the latency at a fixed arrival rate (``--rate`` alerts/s for
``--seconds``, open loop, latency counted from each request's scheduled time so queueing is not
hidden). The client is a minimal HTTP/1.1 keep-alive client on asyncio streams, so the figures
measure the server rather than a heavy client library. Each line gives alerts/s, p50, p99 and
max latency in milliseconds, and the number of non-202 answers.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from pathlib import Path
from urllib.parse import urlparse

ROOT = Path(__file__).resolve().parent.parent
DEFAULT_PG = "postgresql+asyncpg://postgres@127.0.0.1:5432/test"


def alert_body(i: int) -> bytes:
    return json.dumps(
        {"alert_type": "kubernetes", "data": f"Pod api-{i} CrashLoopBackOff in namespace prod"}
    ).encode()


async def client(
    host: str,
    port: int,
    jobs: asyncio.Queue[tuple[int, float | None]],
    latencies: list[float],
    errors: list[str],
    *,
    wait: bool = False,
) -> None:
    """Send queued requests on one keep-alive connection.

    A job carries its scheduled send time (open loop) or None (closed loop: send at once);
    latency is measured from the scheduled time, so a slow server cannot hide queueing delay.
    With ``wait`` the client waits for jobs until it receives a ``-1`` sentinel.
    """
    reader, writer = await asyncio.open_connection(host, port)
    try:
        while True:
            if wait:
                i, scheduled = await jobs.get()
                if i < 0:
                    return
            else:
                try:
                    i, scheduled = jobs.get_nowait()
                except asyncio.QueueEmpty:
                    return
            body = alert_body(i)
            request = (
                f"POST /api/v1/alerts HTTP/1.1\r\nHost: {host}\r\n"
                f"Content-Type: application/json\r\nContent-Length: {len(body)}\r\n\r\n"
            ).encode() + body
            started = scheduled if scheduled is not None else time.perf_counter()
            writer.write(request)
            head = await reader.readuntil(b"\r\n\r\n")
            length = 0
            for line in head.split(b"\r\n"):
                if line.lower().startswith(b"content-length:"):
                    length = int(line.split(b":", 1)[1])
            await reader.readexactly(length)
            latencies.append(time.perf_counter() - started)
            status = head.split(b" ", 2)[1]
            if status != b"202":
                errors.append(status.decode())
    finally:
        writer.close()


async def measure(url: str, requests: int, connections: int, warmup: int) -> dict[str, float]:
    parsed = urlparse(url)
    host, port = parsed.hostname or "127.0.0.1", parsed.port or 80

    async def run(n: int) -> tuple[list[float], list[str], float]:
        jobs: asyncio.Queue[tuple[int, float | None]] = asyncio.Queue()
        for i in range(n):
            jobs.put_nowait((i, None))
        latencies: list[float] = []
        errors: list[str] = []
        started = time.perf_counter()
        await asyncio.gather(
            *(client(host, port, jobs, latencies, errors) for _ in range(connections))
        )
        return latencies, errors, time.perf_counter() - started

    await run(warmup)
    latencies, errors, elapsed = await run(requests)
    return summarise(latencies, errors, elapsed)


async def measure_at_rate(
    url: str, rate: float, seconds: float, connections: int
) -> dict[str, float]:
    """Open loop: send ``rate`` alerts per second for ``seconds``; latency from schedule."""
    parsed = urlparse(url)
    host, port = parsed.hostname or "127.0.0.1", parsed.port or 80
    jobs: asyncio.Queue[tuple[int, float | None]] = asyncio.Queue()
    latencies: list[float] = []
    errors: list[str] = []
    workers = [
        asyncio.create_task(client(host, port, jobs, latencies, errors, wait=True))
        for _ in range(connections)
    ]
    total = int(rate * seconds)
    started = time.perf_counter()
    for i in range(total):
        due = started + i / rate
        delay = due - time.perf_counter()
        if delay > 0:
            await asyncio.sleep(delay)
        jobs.put_nowait((i, due))
    for _ in workers:
        jobs.put_nowait((-1, None))
    await asyncio.gather(*workers)
    return summarise(latencies, errors, time.perf_counter() - started)


def summarise(latencies: list[float], errors: list[str], elapsed: float) -> dict[str, float]:
    latencies.sort()
    q = statistics.quantiles(latencies, n=100)
    return {
        "throughput": len(latencies) / elapsed,
        "p50_ms": q[49] * 1000,
        "p99_ms": q[98] * 1000,
        "max_ms": latencies[-1] * 1000,
        "errors": float(len(errors)),
    }


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def wait_healthy(port: int, proc: subprocess.Popen[bytes], timeout: float = 60) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise SystemExit(f"server exited with {proc.returncode}")
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=1) as s:
                s.sendall(b"GET /health HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
                if b" 200 " in s.recv(200):
                    return
        except OSError:
            pass
        time.sleep(0.2)
    raise SystemExit("server did not become healthy")


def pg_schema_url(base: str) -> tuple[str, str]:
    schema = f"tarsy_bench_{uuid.uuid4().hex[:8]}"
    dsn = base.replace("postgresql+asyncpg://", "postgresql://", 1)
    import asyncpg  # the project's own dependency

    async def create() -> None:
        conn = await asyncpg.connect(dsn)
        await conn.execute(f'CREATE SCHEMA "{schema}"')
        await conn.close()

    asyncio.run(create())
    return base, schema


def drop_pg_schema(base: str, schema: str) -> None:
    import asyncpg

    async def drop() -> None:
        conn = await asyncpg.connect(base.replace("postgresql+asyncpg://", "postgresql://", 1))
        await conn.execute(f'DROP SCHEMA IF EXISTS "{schema}" CASCADE')
        await conn.close()

    asyncio.run(drop())


def spawn_and_measure(db: str, args: argparse.Namespace) -> list[tuple[str, dict[str, float]]]:
    port = free_port()
    data_dir = tempfile.mkdtemp(prefix="tarsy-bench-")
    env = {**os.environ, "TARSY_DATA_DIR": data_dir, "LOG_LEVEL": "warning"}
    schema = None
    if db == "postgres":
        base = os.environ.get("TARSY_TEST_DATABASE_URL", DEFAULT_PG)
        env["TARSY_DATABASE_URL"], schema = pg_schema_url(base)
        env["TARSY_DATABASE_SCHEMA"] = schema
    else:
        env.pop("TARSY_DATABASE_URL", None)
    tarsy = str(Path(sys.executable).with_name("tarsy"))
    proc = subprocess.Popen(
        [tarsy, "serve", "--role", "api", "--port", str(port), "--host", "127.0.0.1"],
        env=env,
        cwd=ROOT,
    )
    try:
        wait_healthy(port, proc)
        return measure_all(f"http://127.0.0.1:{port}", args)
    finally:
        proc.send_signal(signal.SIGTERM)
        try:
            proc.wait(timeout=20)
        except subprocess.TimeoutExpired:
            proc.kill()
        shutil.rmtree(data_dir, ignore_errors=True)
        if schema:
            drop_pg_schema(os.environ.get("TARSY_TEST_DATABASE_URL", DEFAULT_PG), schema)


def measure_all(url: str, args: argparse.Namespace) -> list[tuple[str, dict[str, float]]]:
    closed = asyncio.run(measure(url, args.requests, args.connections, args.warmup))
    opened = asyncio.run(measure_at_rate(url, args.rate, args.seconds, args.connections))
    return [
        (f"max throughput, {args.connections} connections", closed),
        (f"fixed rate {args.rate:.0f}/s for {args.seconds:.0f}s", opened),
    ]


def report(label: str, r: dict[str, float]) -> None:
    print(
        f"{label:<46} {r['throughput']:>6.0f} alerts/s  p50 {r['p50_ms']:6.1f} ms  "
        f"p99 {r['p99_ms']:6.1f} ms  max {r['max_ms']:6.1f} ms  errors {int(r['errors'])}",
        flush=True,
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--url", help="measure this running server instead of spawning one")
    parser.add_argument("--db", choices=["sqlite", "postgres", "both"], default="both")
    parser.add_argument("--requests", type=int, default=10_000)
    parser.add_argument("--connections", type=int, default=32)
    parser.add_argument("--warmup", type=int, default=500)
    parser.add_argument("--rate", type=float, default=1000.0, help="open-loop alerts/s")
    parser.add_argument("--seconds", type=float, default=10.0, help="open-loop duration")
    args = parser.parse_args()
    print(f"POST /api/v1/alerts ({os.cpu_count()} CPUs, client and server on this machine)")
    if args.url:
        for label, result in measure_all(args.url, args):
            report(f"server: {label}", result)
        return
    for db in ["sqlite", "postgres"] if args.db == "both" else [args.db]:
        for label, result in spawn_and_measure(db, args):
            report(f"{db}: {label}", result)


if __name__ == "__main__":
    main()
