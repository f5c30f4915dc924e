"""Dashboard load benchmark: time to the first rendered page of the session list, 10 000 sessions.

Usage:
    python bench/dashboard_load.py [--sessions 10000] [--loads 5] [--backend sqlite|postgres|both]

The database is filled with ``--sessions`` finished sessions (bulk inserts, varied alert types,
statuses, authors and times), the application serves it as ``tarsy serve`` does (dashboard
build included: run ``make dashboard`` first), and headless Chromium (Debian's ``chromium``)
opens ``/``. The figure is the time from navigation start to the moment the first page of rows
(``[data-testid=session-row]``) is in the DOM: the first load with an empty browser cache
(cold), then ``--loads`` reloads with cached assets (warm). The goal is under 1 s.
"""

from __future__ import annotations

import argparse
import os
import random
import shutil
import statistics
import sys
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

import uvloop
from playwright.async_api import async_playwright
from sqlalchemy import insert

sys.path.insert(0, str(Path(__file__).parent))
from pipeline import DEFAULT_PG, bench_settings, serving
from tarsy.app.container import build_container
from tarsy.app.server import create_app
from tarsy.config import Settings, load_config
from tarsy.config.settings import DEFAULT_DASHBOARD_DIR
from tarsy.db.engine import connect
from tarsy.db.migrate import upgrade
from tarsy.db.tables import AlertSession
from tarsy.db.writer import table_of
from tarsy.domain.ids import new_id

STATUSES = ("completed",) * 8 + ("failed", "timed_out", "cancelled")
ALERT_TYPES = ("kubernetes", "PodCrashLooping", "HighLatency", "DiskPressure", "NodeNotReady")


async def fill(settings: Settings, count: int) -> None:
    db = connect(settings.database_url, schema=settings.database_schema)
    try:
        await upgrade(db)
        rng = random.Random(7)
        start = datetime.now(UTC) - timedelta(days=30)
        table = table_of(AlertSession)
        for first in range(0, count, 1000):
            rows = []
            for i in range(first, min(count, first + 1000)):
                created = start + timedelta(seconds=i * 30 * 24 * 3600 / count)
                status = rng.choice(STATUSES)
                rows.append(
                    {
                        "session_id": new_id(),
                        "alert_data": f"alert {i}: pod api-{i % 97} restarting in ns prod-{i % 7}",
                        "agent_type": "kubernetes",
                        "alert_type": rng.choice(ALERT_TYPES),
                        "chain_id": "kubernetes",
                        "status": status,
                        "created_at": created,
                        "started_at": created + timedelta(seconds=1),
                        "completed_at": created + timedelta(seconds=rng.randint(20, 400)),
                        "final_analysis": f"Root cause of alert {i}."
                        if status == "completed"
                        else None,
                        "executive_summary": f"Summary {i}." if status == "completed" else None,
                        "error_message": None if status == "completed" else "stopped",
                        "author": f"sre-{i % 5}",
                        "orphan_count": 0,
                        "timeline_seq": 0,
                    }
                )
            async with db.engine.begin() as conn:
                await conn.execute(insert(table), rows)
    finally:
        await db.dispose()


async def measure(settings: Settings, loads: int) -> tuple[float, list[float]]:
    executable = shutil.which("chromium") or shutil.which("chromium-browser")
    if executable is None:
        raise SystemExit("chromium is not installed (make browser)")
    container = build_container(settings, load_config(None))
    async with serving(create_app(container, freeze_gc=True)) as url, async_playwright() as p:
        browser = await p.chromium.launch(executable_path=executable, args=["--no-sandbox"])
        try:
            page = await browser.new_page(viewport={"width": 1280, "height": 800})

            async def load(first: bool) -> float:
                started = time.perf_counter()
                if first:
                    await page.goto(url, wait_until="commit")
                else:
                    await page.reload(wait_until="commit")
                await page.wait_for_selector('[data-testid="session-row"]', timeout=30_000)
                return time.perf_counter() - started

            cold = await load(True)
            warm = [await load(False) for _ in range(loads)]
            return cold, warm
        finally:
            await browser.close()


async def bench(backend: str, args: argparse.Namespace) -> None:
    async with bench_settings(backend, args.database_url) as settings:
        if settings is None:
            return
        filled = time.perf_counter()
        await fill(settings, args.sessions)
        filled = time.perf_counter() - filled
        cold, warm = await measure(settings, args.loads)
        print(
            f"{backend:8} {args.sessions} sessions (filled in {filled:.1f} s): first page cold "
            f"{cold * 1000:.0f} ms, warm median {statistics.median(warm) * 1000:.0f} ms "
            f"(max {max(warm) * 1000:.0f} ms over {len(warm)} reloads)"
        )


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--sessions", type=int, default=10_000)
    parser.add_argument("--loads", type=int, default=5)
    parser.add_argument("--backend", choices=["sqlite", "postgres", "both"], default="both")
    parser.add_argument(
        "--database-url", default=os.environ.get("TARSY_TEST_DATABASE_URL", DEFAULT_PG)
    )
    args = parser.parse_args()
    if not (DEFAULT_DASHBOARD_DIR / "index.html").is_file():
        raise SystemExit("the dashboard is not built: run `make dashboard` first")
    print(f"{os.cpu_count()} CPUs; goal: first page of the session list in under 1 s")
    for backend in ("sqlite", "postgres") if args.backend == "both" else (args.backend,):
        uvloop.run(bench(backend, args))


if __name__ == "__main__":
    main()
