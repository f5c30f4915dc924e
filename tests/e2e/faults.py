"""The world of a ``tarsy serve`` child process under fault injection: a fake LLM and a config.

``FakeLLM`` answers the OpenAI chat-completions wire format (served by the integration suite's
fake vendor on 127.0.0.1) from the conversation it is sent: every answer quotes the alert's
marker, so a test can tell sessions apart. It holds back the answers for the alerts a test
chooses, so those sessions stay in flight as long as the test needs. ``rate_limit_every=n``
answers every n-th call with HTTP 429 instead, alternately with and without ``Retry-After``.

``write_config`` writes a config directory: one single-stage chain (alert type ``resilience``)
on that LLM, no MCP servers, and queue timings short enough for a test. ``submit_alerts`` and
``settle`` send alerts to a server and wait until every session has ended.
"""

from __future__ import annotations

import asyncio
import re
import uuid
from collections import Counter
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from pathlib import Path

import httpx
import pytest

from tests.e2e.harness import TERMINAL
from tests.integration.llm.fake_server import FakeVendor, Recorded, Reply, RunningServer
from tests.integration.llm.wire import openai_error, openai_stream

ALERT_TYPE = "resilience"
KEY_ENV = "FAKE_LLM_KEY"
MARKER = re.compile(r"alert-\d+-[0-9a-f]{8}")

TARSY_YAML = """\
queue:
  worker_count: 20
  max_concurrent_sessions: 20
  poll_interval: 200ms
  poll_interval_jitter: 50ms
  heartbeat_interval: 1s
  orphan_detection_interval: 1s
  orphan_threshold: 4s
  orphan_retries: 1
  session_timeout: 2m
  graceful_shutdown_timeout: 5s
defaults:
  llm_provider: fake-llm
agents:
  Investigator:
    description: Investigates the alert
    skills: []
agent_chains:
  resilience:
    alert_types: [{alert_type}]
    stages:
      - name: investigation
        agents: [{{name: Investigator}}]
"""
PROVIDERS_YAML = """\
llm_providers:
  fake-llm:
    type: openai
    model: gpt-5
    base_url: {url}/v1
    api_key_env: {key_env}
"""


def write_config(directory: Path, llm_url: str) -> Path:
    """A config directory for ``tarsy serve`` on the fake LLM at ``llm_url``: 20 workers."""
    directory.mkdir(parents=True, exist_ok=True)
    (directory / "tarsy.yaml").write_text(TARSY_YAML.format(alert_type=ALERT_TYPE))
    (directory / "llm-providers.yaml").write_text(
        PROVIDERS_YAML.format(url=llm_url, key_env=KEY_ENV)
    )
    return directory


def nobody(_marker: str) -> bool:
    return False


def serve_extra_env(config_dir: Path) -> dict[str, str]:
    """What a ``tarsy serve`` child needs on top of ``serve_env``: the config directory, the
    fake LLM's key, and no MCP health checks (the chain uses no MCP server)."""
    return {"CONFIG_DIR": str(config_dir), KEY_ENV: "test-key", "TARSY_MCP_HEALTH_INTERVAL": "0"}


@dataclass
class FakeLLM:
    """Answers chat-completions requests from their conversation (see the module docstring).

    ``holds(marker)`` says whether answers for the alert with that marker are held back now;
    ``waiting`` counts, per marker, the calls being answered (the held ones stay there).
    """

    rate_limit_every: int = 0
    holds: Callable[[str], bool] = nobody
    calls: int = 0
    waiting: Counter[str] = field(default_factory=Counter)
    limited: list[bool] = field(default_factory=list)  # one per 429: had it Retry-After?

    async def __call__(self, request: Recorded) -> Reply:
        self.calls += 1
        if self.rate_limit_every and self.calls % self.rate_limit_every == 0:
            with_retry_after = len(self.limited) % 2 == 0
            self.limited.append(with_retry_after)
            return openai_error(
                429,
                "Rate limit reached for gpt-5 in organization org-test on requests per min.",
                kind="requests",
                code="rate_limit_exceeded",
                headers={"retry-after": "1"} if with_retry_after else {},
            )
        found = MARKER.findall(str(request.body.get("messages")))
        marker = found[0] if found else "no marker"
        self.waiting[marker] += 1
        try:
            while self.holds(marker):
                await asyncio.sleep(0.05)
        finally:
            self.waiting[marker] -= 1
            if not self.waiting[marker]:
                del self.waiting[marker]
        return openai_stream([f"Analysis of {marker}: ", "the pod ran out of memory."])

    def held(self) -> int:
        """How many calls are held back now."""
        return sum(self.waiting.values())


@asynccontextmanager
async def serving(llm: FakeLLM) -> AsyncIterator[str]:
    """Serve ``llm`` on 127.0.0.1; yields its base URL."""
    server = RunningServer(FakeVendor(llm))
    url = await server.start()
    try:
        yield url
    finally:
        llm.holds = nobody
        await server.stop()


async def submit_alerts(api: httpx.AsyncClient, count: int) -> dict[str, str]:
    """Submit ``count`` alerts of the test chain; session id -> the marker its alert carries."""
    sessions: dict[str, str] = {}
    for n in range(count):
        marker = f"alert-{n}-{uuid.uuid4().hex[:8]}"
        response = await api.post(
            "/api/v1/alerts",
            json={"alert_type": ALERT_TYPE, "data": f"Pod api-{n} OOMKilled; marker {marker}"},
        )
        assert response.status_code == 202, response.text
        sessions[response.json()["session_id"]] = marker
    return sessions


async def until(condition: Callable[[], bool], timeout: float, what: str) -> None:
    """Wait until ``condition()`` holds; fail naming ``what`` after ``timeout`` seconds."""
    loop = asyncio.get_running_loop()
    deadline = loop.time() + timeout
    while not condition():
        if loop.time() > deadline:
            pytest.fail(f"not reached after {timeout:.0f} s: {what}")
        await asyncio.sleep(0.05)


async def settle(api: httpx.AsyncClient, sids: list[str], timeout: float) -> dict[str, str]:
    """Wait until every session is terminal; their statuses. Fails listing the stuck ones."""
    final: dict[str, str] = {}
    last: dict[str, str] = {}
    loop = asyncio.get_running_loop()
    deadline = loop.time() + timeout
    while len(final) < len(sids):
        for sid in sids:
            if sid in final:
                continue
            try:
                response = await api.get(f"/api/v1/sessions/{sid}/status")
            except httpx.TransportError as exc:
                last[sid] = f"unreachable: {exc!r}"
                continue
            ok = response.status_code == 200
            last[sid] = response.json()["status"] if ok else f"HTTP {response.status_code}"
            if last[sid] in TERMINAL:
                final[sid] = last[sid]
        if len(final) < len(sids):
            if loop.time() > deadline:
                stuck = {sid: last.get(sid) for sid in sids if sid not in final}
                pytest.fail(f"{len(stuck)} session(s) not terminal after {timeout:.0f} s: {stuck}")
            await asyncio.sleep(0.2)
    return final
