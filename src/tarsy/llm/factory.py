"""Builds models from ``llm-providers.yaml`` entries: vendor adapter, guards, retries, fallback.

``build_model`` gives one provider's model: ``RetryingModel(GuardedModel(adapter))`` for the
vendor types, the ``DemoModel`` for ``scripted``. Credentials are read from the environment here;
a missing one raises ``LLMError(code="credentials")`` naming the provider and the variable.
``ModelCatalog`` caches one model per provider (so SDK connection pools are shared) and builds
the per-execution ``FallbackModel`` for an agent's provider and ``fallback_providers``.
"""

from __future__ import annotations

import asyncio
import os
from collections.abc import Mapping
from dataclasses import dataclass, field

from tarsy.config import ProviderConfig
from tarsy.config.resolved import ResolvedAgentConfig
from tarsy.config.schema_common import NativeToolsConfig
from tarsy.llm.demo import DemoModel
from tarsy.llm.errors import LLMError
from tarsy.llm.fallback import FallbackModel, OnFallback, ignore_fallback
from tarsy.llm.guards import GuardedModel, GuardSettings
from tarsy.llm.model import Model
from tarsy.llm.retry import RetryingModel, Sleep
from tarsy.llm.unavailable import UnavailableModel

DEFAULT_KEY_ENV = {
    "openai": "OPENAI_API_KEY",
    "xai": "XAI_API_KEY",
    "anthropic": "ANTHROPIC_API_KEY",
    "google": "GOOGLE_API_KEY",
}


@dataclass(frozen=True, slots=True)
class CallPolicy:
    """How every vendor call is guarded and retried."""

    guards: GuardSettings = field(default_factory=GuardSettings)
    attempts: int = 3
    sleep: Sleep = asyncio.sleep


def build_model(
    provider_name: str,
    provider: ProviderConfig,
    *,
    chunk_delay: float = 0.01,
    policy: CallPolicy = CallPolicy(),
) -> Model:
    """The guarded, retrying model of a provider; ``LLMError`` if credentials are missing."""
    if provider.type == "scripted":
        return DemoModel(provider_name, chunk_delay=chunk_delay)
    adapter = build_adapter(provider_name, provider)
    return RetryingModel(
        GuardedModel(adapter, policy.guards), attempts=policy.attempts, sleep=policy.sleep
    )


def build_adapter(provider_name: str, provider: ProviderConfig) -> Model:
    """The bare vendor adapter (no guards or retries) for a non-scripted provider."""
    key_env = provider.api_key_env
    if key_env is None and not provider.base_url and provider.type != "vertexai":
        key_env = DEFAULT_KEY_ENV.get(provider.type)
    api_key = os.environ.get(key_env, "") if key_env else ""
    if key_env and not api_key:
        raise LLMError(
            f"LLM provider {provider_name!r} ({provider.type}) has no API key: environment "
            f"variable {key_env} is not set",
            code="credentials",
        )
    credential_env = provider.credentials_env if provider.type == "vertexai" else key_env
    match provider.type:
        case "openai" | "xai":
            from tarsy.llm.providers.openai import OpenAIChatModel

            return OpenAIChatModel(
                provider_name, provider, api_key=api_key, credential_env=credential_env
            )
        case "anthropic":
            from tarsy.llm.providers.anthropic import AnthropicModel

            return AnthropicModel(
                provider_name, provider, api_key=api_key, credential_env=credential_env
            )
        case "vertexai" if provider.model.lower().startswith("claude"):
            from tarsy.llm.providers.anthropic import AnthropicModel

            return AnthropicModel(
                provider_name, provider, api_key="", credential_env=credential_env
            )
        case "google" | "vertexai":
            from tarsy.llm.providers.google import GoogleModel

            return GoogleModel(
                provider_name, provider, api_key=api_key, credential_env=credential_env
            )
        case "scripted":
            return DemoModel(provider_name, chunk_delay=0)


class ModelCatalog:
    """One model per configured provider, built on first use; fallback chains per execution."""

    def __init__(
        self,
        providers: Mapping[str, ProviderConfig],
        *,
        chunk_delay: float = 0.01,
        policy: CallPolicy = CallPolicy(),
    ) -> None:
        self._providers = dict(providers)
        self._chunk_delay = chunk_delay
        self._policy = policy
        self._models: dict[str, Model] = {}

    def model(self, provider_name: str) -> Model:
        """The provider's model; one that fails every call with the reason if it cannot be built."""
        cached = self._models.get(provider_name)
        if cached is not None:
            return cached
        provider = self._providers.get(provider_name)
        if provider is None:
            model: Model = UnavailableModel(
                provider_name,
                "unknown",
                LLMError(f"unknown LLM provider {provider_name!r}", code="credentials"),
            )
        else:
            model = self._build(provider_name, provider)
        self._models[provider_name] = model
        return model

    def _build(self, provider_name: str, provider: ProviderConfig) -> Model:
        try:
            return build_model(
                provider_name, provider, chunk_delay=self._chunk_delay, policy=self._policy
            )
        except LLMError as exc:
            return UnavailableModel(provider_name, provider.model, exc)

    def _primary(self, agent: ResolvedAgentConfig) -> Model:
        """The agent's own provider, with the agent's merged native-tool settings (Google)."""
        provider = agent.provider
        wanted = agent.native_tools
        if provider.type not in ("google", "vertexai"):
            return self.model(agent.llm_provider)
        native = NativeToolsConfig(
            google_search=wanted.google_search,
            code_execution=wanted.code_execution,
            url_context=wanted.url_context,
        )
        current = provider.native_tools or NativeToolsConfig()
        if all(
            bool(getattr(current, key)) == bool(getattr(native, key))
            for key in ("google_search", "code_execution", "url_context")
        ):
            return self.model(agent.llm_provider)
        key = f"{agent.llm_provider}#{native.model_dump_json()}"
        cached = self._models.get(key)
        if cached is None:
            variant = provider.model_copy(update={"native_tools": native})
            cached = self._build(agent.llm_provider, variant)
            self._models[key] = cached
        return cached

    def for_agent(
        self,
        agent: ResolvedAgentConfig,
        *,
        on_fallback: OnFallback = ignore_fallback,
        single_shot: bool = False,
    ) -> Model:
        """A fresh model for one execution of ``agent``: its provider, then its fallbacks.

        When the agent relies on native tools (google-native backend with any enabled), only
        google-native fallback entries qualify (SPEC §4.8).
        """
        native = agent.llm_backend == "google-native" and agent.native_tools.any_enabled
        names = [agent.llm_provider]
        for entry in agent.fallback_providers:
            if native and entry.backend != "google-native":
                continue
            if entry.provider not in names:
                names.append(entry.provider)
        self._providers.setdefault(agent.llm_provider, agent.provider)
        models = [self._primary(agent), *(self.model(name) for name in names[1:])]
        if len(models) == 1:
            return models[0]
        return FallbackModel(models, on_fallback=on_fallback, single_shot=single_shot)
