"""The server on a real vendor SDK: an investigation through each vendor's wire format, served by
a local fake, with two tool calls; and a provider fallback visible in the API."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest

from tarsy.config import Settings, load_config
from tarsy.domain.tools import StaticToolset, ToolDef
from tests.e2e.harness import running_app
from tests.e2e.test_first_investigation import FAST_QUEUE
from tests.integration.llm.fake_server import FakeVendor, Reply, RunningServer
from tests.integration.llm.wire import anthropic_stream, gemini_stream, openai_stream

TOOLS = {
    "kubernetes-server": StaticToolset(
        [
            (ToolDef("kubernetes-server.pods_list", "List pods"), "api-7d9 0/1 CrashLoopBackOff"),
            (ToolDef("kubernetes-server.events_list", "Events"), "Back-off restarting api"),
        ]
    )
}
PODS, EVENTS = "kubernetes-server__pods_list", "kubernetes-server__events_list"


def replies(kind: str) -> list[Reply]:
    if kind == "openai":
        return [
            openai_stream(
                calls=[("c1", PODS, ["{}"]), ("c2", EVENTS, ['{"namespace"', ':"prod"}'])]
            ),
            openai_stream(["Root cause: ", "bad config."]),
            openai_stream(["api crash-looping: bad config."]),
        ]
    if kind == "anthropic":
        return [
            anthropic_stream(calls=[("toolu_1", PODS, ["{}"]), ("toolu_2", EVENTS, ["{}"])]),
            anthropic_stream(["Root cause: bad config."]),
            anthropic_stream(["api crash-looping: bad config."]),
        ]
    return [
        gemini_stream(calls=[(PODS, {}, None), (EVENTS, {"namespace": "prod"}, None)]),
        gemini_stream(["Root cause: bad config."]),
        gemini_stream(["api crash-looping: bad config."]),
    ]


PROVIDER = {
    "openai": "type: openai\n    model: gpt-5\n    base_url: {url}/v1",
    "anthropic": "type: anthropic\n    model: claude-sonnet-5\n    base_url: {url}",
    "google": "type: google\n    model: gemini-2.5-flash\n    base_url: {url}",
}


@pytest.fixture
async def vendor() -> AsyncIterator[FakeVendor]:
    fake = FakeVendor()
    server = RunningServer(fake)
    await server.start()
    try:
        yield fake
    finally:
        await server.stop()


def write_config(tmp_path: Path, providers: str, defaults: str) -> Path:
    cfg = tmp_path / "cfg"
    cfg.mkdir(exist_ok=True)
    (cfg / "tarsy.yaml").write_text(f"defaults:\n{defaults}")
    (cfg / "llm-providers.yaml").write_text(f"llm_providers:\n{providers}")
    return cfg


@pytest.mark.parametrize("kind", ["openai", "anthropic", "google"])
async def test_investigation_through_each_vendor_sdk(
    kind: str, vendor: FakeVendor, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("FAKE_VENDOR_KEY", "test-key")
    entry = PROVIDER[kind].format(url=vendor.url)
    providers = f"  vendor:\n    {entry}\n    api_key_env: FAKE_VENDOR_KEY\n"
    cfg = write_config(tmp_path, providers, "  llm_provider: vendor\n")
    vendor.queue(*replies(kind))
    settings = Settings(data_dir=tmp_path, database_url=f"sqlite+aiosqlite:///{tmp_path}/t.db")
    async with running_app(settings, load_config(cfg), queue=FAST_QUEUE, toolsets=TOOLS) as app:
        sid = await app.submit()
        status = await app.wait_status(sid)
        timeline = (await app.client.get(f"/api/v1/sessions/{sid}/timeline")).json()
        detail = (await app.client.get(f"/api/v1/sessions/{sid}")).json()
    assert status["status"] == "completed", status
    assert status["final_analysis"] == "Root cause: bad config."
    assert status["executive_summary"] == "api crash-looping: bad config."
    calls = [e for e in timeline if e["event_type"] == "llm_tool_call"]
    assert [c["metadata"]["tool_name"] for c in calls] == ["pods_list", "events_list"]
    assert "CrashLoopBackOff" in calls[0]["content"]
    assert len(vendor.requests) == 3
    execution = detail["stages"][0]["executions"][0]
    assert execution["llm_provider"] == "vendor"
    assert execution["input_tokens"] and execution["output_tokens"]


async def test_fallback_to_the_next_provider_is_recorded(
    vendor: FakeVendor, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("FAKE_VENDOR_KEY", "wrong-key")
    providers = (
        f"  primary:\n    {PROVIDER['openai'].format(url=vendor.url)}\n"
        "    api_key_env: FAKE_VENDOR_KEY\n"
        "  backup:\n    type: scripted\n    model: demo-scripted\n"
    )
    defaults = (
        "  llm_provider: primary\n"
        "  fallback_providers:\n    - provider: backup\n      backend: langchain\n"
    )
    cfg = write_config(tmp_path, providers, defaults)
    unauthorized: dict[str, Any] = {"error": {"message": "Incorrect API key", "type": "x"}}
    vendor.queue(*[Reply(status=401, body=unauthorized)] * 5)
    settings = Settings(data_dir=tmp_path, database_url=f"sqlite+aiosqlite:///{tmp_path}/t.db")
    async with running_app(settings, load_config(cfg), queue=FAST_QUEUE, toolsets=TOOLS) as app:
        sid = await app.submit()
        status = await app.wait_status(sid, timeout=60)
        timeline = (await app.client.get(f"/api/v1/sessions/{sid}/timeline")).json()
        detail = (await app.client.get(f"/api/v1/sessions/{sid}")).json()
    assert status["status"] == "completed", status
    execution = detail["stages"][0]["executions"][0]
    assert execution["original_llm_provider"] == "primary"
    assert execution["llm_provider"] == "backup"
    assert execution["model_name"] == "demo-scripted"
    switches = [e for e in timeline if e["event_type"] == "provider_fallback"]
    # One per execution that started on the primary: the investigation and the summary.
    assert [e["stage_id"] for e in switches] == [s["id"] for s in detail["stages"]]
    switch = switches[0]
    assert switch["metadata"]["original_provider"] == "primary"
    assert switch["metadata"]["fallback_provider"] == "backup"
    assert switch["metadata"]["error_code"] == "credentials"
