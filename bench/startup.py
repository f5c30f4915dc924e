"""Start-up benchmark: process start to a healthy ``/health``, cold and warm, and idle memory.

Usage:
    python bench/startup.py [--runs 5] [--backend sqlite|postgres|both] [--drop-caches]

Each run starts ``tarsy serve`` (the built-in demo configuration: demo model, demo cluster over
stdio, dashboard served when built) as a child process and polls ``/health`` every 10 ms; the
figure is the time from ``Popen`` to the first 200. *Cold* is the first start on an empty
database (migrations run), after dropping the page cache when ``--drop-caches`` is given and
the process may (root); *warm* are the next ``--runs`` starts on the same database. Resident
memory (``VmRSS`` of the server process) is read after two idle seconds. Goals: warm start
<= 3 s, idle memory <= 150 MB.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import httpx

sys.path.insert(0, str(Path(__file__).parent))
from pipeline import DEFAULT_PG, drop_pg_schema, free_port, new_pg_schema

TARSY = str(Path(sys.executable).with_name("tarsy"))


def rss_mb(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return float("nan")


def start_once(env: dict[str, str], measure_memory: bool) -> tuple[float, float | None]:
    port = free_port()
    started = time.perf_counter()
    proc = subprocess.Popen(
        [TARSY, "serve"],
        env={**env, "HTTP_PORT": str(port)},
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        with httpx.Client(base_url=f"http://127.0.0.1:{port}", timeout=1) as client:
            while True:
                try:
                    if client.get("/health").status_code == 200:
                        break
                except httpx.TransportError:
                    pass
                if proc.poll() is not None:
                    raise SystemExit(f"tarsy serve exited with {proc.returncode}")
                if time.perf_counter() - started > 60:
                    raise SystemExit("tarsy serve was not healthy within 60 s")
                time.sleep(0.01)
        elapsed = time.perf_counter() - started
        memory = None
        if measure_memory:
            time.sleep(2)
            memory = rss_mb(proc.pid)
        return elapsed, memory
    finally:
        proc.terminate()
        try:
            proc.wait(30)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()


def drop_caches() -> bool:
    try:
        os.sync()
        Path("/proc/sys/vm/drop_caches").write_text("3\n")
        return True
    except OSError:
        return False


def bench(backend: str, args: argparse.Namespace) -> None:
    data = Path(tempfile.mkdtemp(prefix="tarsy-bench-"))
    schema = None
    try:
        env = {
            **os.environ,
            "TARSY_DATA_DIR": str(data),
            "TARSY_HOST": "127.0.0.1",
            "LOG_LEVEL": "warning",
            "POD_ID": "bench-startup",
        }
        env.pop("CONFIG_DIR", None)
        env.pop("TARSY_DATABASE_URL", None)
        if backend == "postgres":
            try:
                schema = asyncio.run(new_pg_schema(args.database_url))
            except Exception as exc:  # unreachable or refused: report and skip
                print(f"{backend}: PostgreSQL unreachable ({exc}); skipped")
                return
            env["TARSY_DATABASE_URL"] = args.database_url
            env["TARSY_DATABASE_SCHEMA"] = schema
        dropped = drop_caches() if args.drop_caches else False
        cold, _ = start_once(env, measure_memory=False)
        warm, memory = [], []
        for _ in range(args.runs):
            elapsed, rss = start_once(env, measure_memory=True)
            warm.append(elapsed)
            memory.append(rss or float("nan"))
        print(
            f"{backend:8} cold {cold * 1000:5.0f} ms{' (page cache dropped)' if dropped else ''}  "
            f"warm median {statistics.median(warm) * 1000:5.0f} ms (max {max(warm) * 1000:.0f})  "
            f"idle RSS median {statistics.median(memory):.0f} MB (max {max(memory):.0f})"
        )
    finally:
        if schema is not None:
            asyncio.run(drop_pg_schema(args.database_url, schema))
        shutil.rmtree(data, ignore_errors=True)


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--backend", choices=["sqlite", "postgres", "both"], default="both")
    parser.add_argument("--drop-caches", action="store_true")
    parser.add_argument(
        "--database-url", default=os.environ.get("TARSY_TEST_DATABASE_URL", DEFAULT_PG)
    )
    args = parser.parse_args()
    print(f"{os.cpu_count()} CPUs; `tarsy serve` with the built-in demo configuration")
    for backend in ("sqlite", "postgres") if args.backend == "both" else (args.backend,):
        bench(backend, args)


if __name__ == "__main__":
    main()
