"""build_model / ModelCatalog: the right wrapper stack, credentials checked at build time."""

from __future__ import annotations

import pytest

from tarsy.config import ProviderConfig
from tarsy.llm.demo import DemoModel
from tarsy.llm.errors import LLMError
from tarsy.llm.factory import ModelCatalog, build_model
from tarsy.llm.retry import RetryingModel


def test_scripted_stays_the_demo_model() -> None:
    model = build_model("demo", ProviderConfig(type="scripted", model="x"), chunk_delay=0)
    assert isinstance(model, DemoModel)


@pytest.mark.parametrize(
    ("kind", "model"),
    [("openai", "gpt-5"), ("xai", "grok-4"), ("anthropic", "claude-x"), ("google", "gemini-3")],
)
def test_vendor_models_are_guarded_and_retried(
    kind: str, model: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("SOME_KEY", "k")
    config = ProviderConfig.model_validate(
        {"type": kind, "model": model, "api_key_env": "SOME_KEY"}
    )
    built = build_model("p", config)
    assert isinstance(built, RetryingModel)
    assert (built.provider_name, built.model_name) == ("p", model)


def test_default_key_variables_and_keyless_local_servers(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("OPENAI_API_KEY", raising=False)
    with pytest.raises(LLMError, match="OPENAI_API_KEY"):
        build_model("gpt", ProviderConfig(type="openai", model="gpt-5"))
    local = ProviderConfig(type="openai", model="llama3.1", base_url="http://127.0.0.1:11434/v1")
    assert build_model("ollama", local).model_name == "llama3.1"


def test_vertex_without_project_is_a_credentials_error(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("GOOGLE_CLOUD_PROJECT", raising=False)
    monkeypatch.delenv("MY_PROJECT", raising=False)
    config = ProviderConfig(type="vertexai", model="gemini-2.5-pro", project_env="MY_PROJECT")
    with pytest.raises(LLMError) as caught:
        build_model("vertex", config)
    assert caught.value.code == "credentials"
    assert "MY_PROJECT" in caught.value.message


def test_catalog_caches_models_and_turns_build_failures_into_failing_models(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.delenv("ABSENT_KEY", raising=False)
    catalog = ModelCatalog(
        {
            "demo": ProviderConfig(type="scripted", model="x"),
            "broken": ProviderConfig(type="openai", model="gpt-5", api_key_env="ABSENT_KEY"),
        }
    )
    assert catalog.model("demo") is catalog.model("demo")
    broken = catalog.model("broken")
    assert (broken.provider_name, broken.model_name) == ("broken", "gpt-5")
    assert catalog.model("nowhere").provider_name == "nowhere"


def test_agent_native_tool_settings_give_the_primary_a_variant(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    from tarsy.config.resolved import NativeToolSettings, OrchestratorLimits, ResolvedAgentConfig

    monkeypatch.setenv("G_KEY", "k")
    gemini = ProviderConfig.model_validate(
        {
            "type": "google",
            "model": "gemini-3-flash",
            "api_key_env": "G_KEY",
            "native_tools": {"google_search": True},
        }
    )
    catalog = ModelCatalog({"gemini": gemini})

    def agent(native: NativeToolSettings) -> ResolvedAgentConfig:
        return ResolvedAgentConfig(
            agent_name="A",
            agent_type="investigation",
            description="",
            custom_instructions="",
            llm_provider="gemini",
            provider=gemini,
            llm_backend="google-native",
            max_iterations=5,
            mcp_servers=(),
            native_tools=native,
            fallback_providers=(),
            sub_agents=(),
            skills=None,
            required_skills=(),
            orchestrator=OrchestratorLimits(),
        )

    same = catalog.for_agent(agent(NativeToolSettings(google_search=True)))
    assert same is catalog.model("gemini")
    variant = catalog.for_agent(agent(NativeToolSettings(code_execution=True)))
    assert variant is not catalog.model("gemini")
    assert variant.provider_name == "gemini"
    assert catalog.for_agent(agent(NativeToolSettings(code_execution=True))) is variant


def test_native_tool_agents_only_fall_back_to_google_native_entries() -> None:
    from tarsy.config.resolved import NativeToolSettings, OrchestratorLimits, ResolvedAgentConfig
    from tarsy.config.schema_common import FallbackEntry
    from tarsy.llm.fallback import FallbackModel

    demo = ProviderConfig(type="scripted", model="x")
    catalog = ModelCatalog({"p": demo, "lc": demo, "native": demo}, chunk_delay=0)

    def agent(backend: str, native: NativeToolSettings) -> ResolvedAgentConfig:
        return ResolvedAgentConfig(
            agent_name="A",
            agent_type="investigation",
            description="",
            custom_instructions="",
            llm_provider="p",
            provider=demo,
            llm_backend=backend,  # type: ignore[arg-type]
            max_iterations=5,
            mcp_servers=(),
            native_tools=native,
            fallback_providers=(
                FallbackEntry(provider="p", backend="langchain"),
                FallbackEntry(provider="lc", backend="langchain"),
                FallbackEntry(provider="native", backend="google-native"),
            ),
            sub_agents=(),
            skills=None,
            required_skills=(),
            orchestrator=OrchestratorLimits(),
        )

    searching = catalog.for_agent(agent("google-native", NativeToolSettings(google_search=True)))
    assert isinstance(searching, FallbackModel)
    assert searching.chain == ("p", "native")
    plain = catalog.for_agent(agent("langchain", NativeToolSettings()))
    assert isinstance(plain, FallbackModel)
    assert plain.chain == ("p", "lc", "native")
