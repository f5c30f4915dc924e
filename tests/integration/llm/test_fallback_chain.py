"""Provider fallback end to end: an OpenAI provider failing with 500s hands over to Anthropic."""

from __future__ import annotations

import pytest

from tarsy.config import ProviderConfig
from tarsy.config.resolved import NativeToolSettings, OrchestratorLimits, ResolvedAgentConfig
from tarsy.config.schema_common import FallbackEntry
from tarsy.llm.factory import CallPolicy, ModelCatalog
from tarsy.llm.fallback import FallbackEvent, FallbackModel
from tarsy.llm.types import TextDelta
from tests.integration.llm.conftest import Sleeps
from tests.integration.llm.fake_server import FakeVendor, RunningServer
from tests.integration.llm.requests import collect, first_request
from tests.integration.llm.wire import anthropic_stream, openai_error


def agent(fallbacks: tuple[str, ...]) -> ResolvedAgentConfig:
    return ResolvedAgentConfig(
        agent_name="KubernetesAgent",
        agent_type="investigation",
        description="",
        custom_instructions="",
        llm_provider="openai-main",
        provider=ProviderConfig(type="openai", model="gpt-5", api_key_env="FAKE_OPENAI_KEY"),
        llm_backend="langchain",
        max_iterations=5,
        mcp_servers=(),
        native_tools=NativeToolSettings(),
        fallback_providers=tuple(FallbackEntry(provider=p, backend="langchain") for p in fallbacks),
        sub_agents=(),
        skills=None,
        required_skills=(),
        orchestrator=OrchestratorLimits(),
    )


async def test_max_retries_switches_to_the_fallback_and_reports_it(
    vendor: FakeVendor, sleeps: Sleeps, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("FAKE_OPENAI_KEY", "sk-1")
    monkeypatch.setenv("FAKE_ANTHROPIC_KEY", "sk-2")
    claude_vendor = FakeVendor()
    claude_server = RunningServer(claude_vendor)
    await claude_server.start()
    try:
        failure = openai_error(500, "The server had an error.", kind="server_error", code=None)
        vendor.queue(failure, failure, failure)
        claude_vendor.queue(anthropic_stream(["Claude here."]), anthropic_stream(["Again."]))
        providers = {
            "openai-main": ProviderConfig(
                type="openai",
                model="gpt-5",
                api_key_env="FAKE_OPENAI_KEY",
                base_url=f"{vendor.url}/v1",
            ),
            "claude": ProviderConfig(
                type="anthropic",
                model="claude-haiku-4-5",
                api_key_env="FAKE_ANTHROPIC_KEY",
                base_url=claude_vendor.url,
            ),
        }
        catalog = ModelCatalog(providers, policy=CallPolicy(sleep=sleeps))
        seen: list[FallbackEvent] = []

        async def on_fallback(event: FallbackEvent) -> None:
            seen.append(event)

        model = catalog.for_agent(agent(("claude",)), on_fallback=on_fallback)
        assert isinstance(model, FallbackModel)
        events = await collect(model, first_request())
        assert [e.text for e in events if isinstance(e, TextDelta)] == ["Claude here."]
        assert len(vendor.requests) == 3
        assert seen == [
            FallbackEvent(
                original_provider="openai-main",
                original_model="gpt-5",
                previous_provider="openai-main",
                previous_model="gpt-5",
                fallback_provider="claude",
                fallback_model="claude-haiku-4-5",
                reason=seen[0].reason,
                error_code="max_retries",
                attempt=1,
            )
        ]
        assert "HTTP 500" in seen[0].reason
        assert (model.provider_name, model.model_name) == ("claude", "claude-haiku-4-5")

        await collect(model, first_request())
        assert len(vendor.requests) == 3, "the switch sticks for the execution"
        fresh = catalog.for_agent(agent(("claude",)))
        assert fresh.provider_name == "openai-main", "a new execution starts on the primary"
    finally:
        await claude_server.stop()


async def test_fallback_with_missing_credentials_is_skipped_immediately(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.delenv("FAKE_OPENAI_KEY", raising=False)
    monkeypatch.delenv("NO_SUCH_KEY", raising=False)
    providers = {
        "broken": ProviderConfig(type="anthropic", model="claude-x", api_key_env="NO_SUCH_KEY"),
        "demo": ProviderConfig(type="scripted", model="demo"),
    }
    catalog = ModelCatalog(providers, chunk_delay=0)
    seen: list[FallbackEvent] = []

    async def on_fallback(event: FallbackEvent) -> None:
        seen.append(event)

    model = catalog.for_agent(agent(("broken", "demo")), on_fallback=on_fallback)
    events = await collect(model, first_request())
    assert events
    assert [(e.fallback_provider, e.error_code) for e in seen] == [
        ("broken", "credentials"),
        ("demo", "credentials"),
    ]
    assert "NO_SUCH_KEY" in seen[1].reason
