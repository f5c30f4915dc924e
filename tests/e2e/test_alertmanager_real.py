"""The real Prometheus Alertmanager sends its webhook notifications to TARSy: one session per
alert group, no duplicate when the group's notification repeats while its session runs, a
resolve recorded without a new session, and a new session once the old one has ended.

Alertmanager runs as a subprocess on a random port with clustering off and short group and
repeat intervals; alerts are posted to its v2 API. Without the binary the test is skipped on a
laptop and fails under ``CI=true``.
"""

from __future__ import annotations

import asyncio
import json
import os
import shutil
import subprocess
from collections.abc import AsyncIterator, Awaitable, Callable, Iterator
from contextlib import asynccontextmanager
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any, TypeVar

import httpx
import pytest

from tarsy.config import ResolvedAgentConfig, Settings, load_config
from tarsy.llm.model import Model, NamedModel
from tarsy.llm.types import ModelRequest, StreamEvent, TextDelta, Usage
from tarsy.pipeline.ports import ModelHooks
from tests.e2e.harness import RunningApp, free_port, running_app
from tests.e2e.test_first_investigation import FAST_QUEUE

T = TypeVar("T")
DEADLINE = 60.0
ALERTMANAGER_CONFIG = """\
route:
  receiver: tarsy
  group_by: [alertname]
  group_wait: 1s
  group_interval: 1s
  repeat_interval: 2s
receivers:
  - name: tarsy
    webhook_configs:
      - url: {url}/api/v1/alerts/alertmanager
        send_resolved: true
        max_alerts: 0
"""


def alertmanager_binary() -> str:
    found = shutil.which("prometheus-alertmanager") or shutil.which("alertmanager")
    if found is None:
        reason = "prometheus-alertmanager is not installed (make debs)"
        if os.environ.get("CI", "").lower() == "true":
            pytest.fail(f"{reason}; CI=true: the Alertmanager test must run")
        pytest.skip(reason)
    return found


class HeldUntilReleased(NamedModel):
    """Every agent's answer waits for ``release``: sessions stay in progress until then."""

    def __init__(self) -> None:
        super().__init__("scripted", "scripted-test")
        self.release = asyncio.Event()

    async def stream(self, request: ModelRequest) -> AsyncIterator[StreamEvent]:
        await self.release.wait()
        yield TextDelta("The pods crash because of a bad config map.")
        yield Usage(100, 20)


@asynccontextmanager
async def released_at_exit(model: HeldUntilReleased) -> AsyncIterator[None]:
    try:
        yield
    finally:
        model.release.set()


@pytest.fixture
def alertmanager(tmp_path: Path) -> Iterator[Callable[[str], str]]:
    """Starts Alertmanager pointed at a TARSy URL; returns Alertmanager's own URL."""
    binary = alertmanager_binary()
    procs: list[subprocess.Popen[bytes]] = []
    log = tmp_path / "alertmanager.log"

    def start(tarsy_url: str) -> str:
        config = tmp_path / "alertmanager.yml"
        config.write_text(ALERTMANAGER_CONFIG.format(url=tarsy_url))
        port = free_port()
        with log.open("wb") as out:
            procs.append(
                subprocess.Popen(
                    [
                        binary,
                        f"--config.file={config}",
                        f"--storage.path={tmp_path / 'am-data'}",
                        f"--web.listen-address=127.0.0.1:{port}",
                        "--cluster.listen-address=",
                        "--log.level=debug",
                    ],
                    stdout=out,
                    stderr=subprocess.STDOUT,
                )
            )
        return f"http://127.0.0.1:{port}"

    try:
        yield start
    finally:
        for proc in procs:
            proc.terminate()
            try:
                proc.wait(10)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait(10)
        if log.exists():
            print(log.read_text()[-4000:])  # shown by pytest when the test failed


async def until(check: Callable[[], Awaitable[T | None]], what: str) -> T:
    """Poll ``check`` until it returns a value; fail after ``DEADLINE`` seconds."""
    try:
        async with asyncio.timeout(DEADLINE):
            while True:
                value = await check()
                if value is not None:
                    return value
                await asyncio.sleep(0.1)
    except TimeoutError:
        pytest.fail(f"timed out waiting for {what}")


async def sessions(app: RunningApp) -> list[dict[str, Any]]:
    body = (await app.client.get("/api/v1/sessions", params={"page_size": 100})).json()
    return list(body["sessions"])


async def detail(app: RunningApp, sid: str) -> dict[str, Any]:
    return dict((await app.client.get(f"/api/v1/sessions/{sid}")).json())


def group_of(session_detail: dict[str, Any]) -> str:
    return str(json.loads(session_detail["alert_data"])["groupLabels"]["alertname"])


async def webhook_counts(am: httpx.AsyncClient) -> tuple[float, float]:
    """Alertmanager's webhook notifications sent and failed, from its own metrics."""
    text = (await am.get("/metrics")).text
    totals = {
        "alertmanager_notifications_total": 0.0,
        "alertmanager_notifications_failed_total": 0.0,
    }
    for line in text.splitlines():
        name, _, rest = line.partition("{")
        if name in totals and 'integration="webhook"' in rest:
            totals[name] += float(line.rsplit(" ", 1)[1])
    return totals["alertmanager_notifications_total"], totals[
        "alertmanager_notifications_failed_total"
    ]


def am_alert(name: str, *, ends_at: datetime | None = None, **labels: str) -> dict[str, Any]:
    now = datetime.now(UTC)
    body: dict[str, Any] = {
        "labels": {"alertname": name, "namespace": "prod", **labels},
        "annotations": {"summary": f"{name} in prod"},
        "startsAt": (now - timedelta(minutes=5)).isoformat(),
        "generatorURL": "http://prometheus.example:9090/graph",
    }
    if ends_at is not None:
        body["endsAt"] = ends_at.isoformat()
    return body


async def test_alertmanager_groups_repeats_and_resolves(
    settings: Settings, alertmanager: Callable[[str], str]
) -> None:
    model = HeldUntilReleased()

    def models(agent: ResolvedAgentConfig, hooks: ModelHooks) -> Model:
        return model

    async with (
        running_app(settings, load_config(None), models=models, queue=FAST_QUEUE) as app,
        released_at_exit(model),  # a failure must not leave the sessions (and shutdown) waiting
    ):
        am_url = alertmanager(app.url)
        async with httpx.AsyncClient(base_url=am_url, timeout=10) as am:

            async def ready() -> bool | None:
                try:
                    return True if (await am.get("/-/ready")).status_code == 200 else None
                except httpx.TransportError:
                    return None

            await until(ready, "Alertmanager to start")
            posted = await am.post(
                "/api/v2/alerts",
                json=[
                    am_alert("PodCrashLooping", pod="api-1"),
                    am_alert("PodCrashLooping", pod="api-2"),
                    am_alert("DiskFull", node="node-3"),
                ],
            )
            assert posted.status_code == 200, posted.text

            # Two alerts of one group and one of another: two sessions.
            async def two_running() -> list[dict[str, Any]] | None:
                listed = await sessions(app)
                running = [s for s in listed if s["status"] == "in_progress"]
                return listed if len(listed) >= 2 and len(running) == 2 else None

            first = await until(two_running, "a session per alert group")
            assert len(first) == 2
            by_group = {group_of(await detail(app, s["id"])): s["id"] for s in first}
            assert set(by_group) == {"PodCrashLooping", "DiskFull"}
            crash = json.loads((await detail(app, by_group["PodCrashLooping"]))["alert_data"])
            assert sorted(a["labels"]["pod"] for a in crash["alerts"]) == ["api-1", "api-2"]
            assert crash["receiver"] == "tarsy" and crash["status"] == "firing"

            # The groups' notifications repeat while their sessions run: no new session.
            sent, _ = await webhook_counts(am)

            async def repeated() -> bool | None:
                now_sent, _ = await webhook_counts(am)
                return True if now_sent >= sent + 4 else None

            await until(repeated, "Alertmanager to repeat the notifications")
            assert [s["id"] for s in await sessions(app)] == [s["id"] for s in first]
            assert (await webhook_counts(am))[1] == 0  # TARSy accepted every notification

            # DiskFull resolves: recorded on its session, nothing new started.
            resolved = await am.post(
                "/api/v2/alerts",
                json=[
                    am_alert(
                        "DiskFull", node="node-3", ends_at=datetime.now(UTC) - timedelta(seconds=30)
                    )
                ],
            )
            assert resolved.status_code == 200, resolved.text

            async def resolve_recorded() -> str | None:
                value = (await detail(app, by_group["DiskFull"]))["resolved_at"]
                return str(value) if value else None

            await until(resolve_recorded, "the resolve to be recorded")
            assert len(await sessions(app)) == 2
            assert (await detail(app, by_group["PodCrashLooping"]))["resolved_at"] is None

            # Once the sessions end, the still-firing group's next notification starts anew.
            model.release.set()
            for sid in by_group.values():
                assert (await app.wait_status(sid, timeout=DEADLINE))["status"] == "completed"

            async def more() -> list[dict[str, Any]] | None:
                listed = await sessions(app)
                return listed if len(listed) > 2 else None

            listed = await until(more, "a new session for the still-firing group")
            new = [s["id"] for s in listed if s["id"] not in by_group.values()]
            # The resolved group starts nothing (each new session ends at once, so a later
            # repeat may already have started another one for the firing group).
            assert {group_of(await detail(app, sid)) for sid in new} == {"PodCrashLooping"}
            assert (await webhook_counts(am))[1] == 0
