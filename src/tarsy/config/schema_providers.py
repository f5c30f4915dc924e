"""Models of ``llm-providers.yaml``: ``llm_providers.<name>`` entries.

Our additions to the reference format: provider type ``scripted`` (the built-in deterministic
model used by the demo and tests; needs no credentials) and the optional ``thinking`` block
(the reference picks thinking settings from the model name; here they can be stated).
"""

from __future__ import annotations

from typing import Literal

from pydantic import Field

from tarsy.config.schema_common import NativeToolsConfig, PositiveInt, Strict

ProviderType = Literal["google", "openai", "anthropic", "xai", "vertexai", "scripted"]
ThinkingEffort = Literal["low", "medium", "high"]
CREDENTIAL_FIELDS: tuple[str, ...] = (
    "api_key_env",
    "credentials_env",
    "project_env",
    "location_env",
)


class ThinkingConfig(Strict):
    """Explicit reasoning settings; absent keys leave the adapter's per-model choice in place."""

    enabled: bool | None = None
    budget_tokens: PositiveInt | None = None
    effort: ThinkingEffort | None = None


class ProviderConfig(Strict):
    """One LLM provider: vendor type, model and where its credentials come from."""

    type: ProviderType
    model: str
    api_key_env: str | None = None
    credentials_env: str | None = None
    project_env: str | None = None
    location_env: str | None = None
    base_url: str | None = None
    native_tools: NativeToolsConfig | None = None
    max_tool_result_tokens: int | None = Field(default=None, ge=1000)
    thinking: ThinkingConfig | None = None

    def credential_env_vars(self) -> tuple[tuple[str, str], ...]:
        """``(key, env var name)`` pairs this provider needs set; none for ``scripted``."""
        if self.type == "scripted":
            return ()
        pairs: list[tuple[str, str]] = []
        for key in CREDENTIAL_FIELDS:
            var = getattr(self, key)
            if isinstance(var, str) and var:
                pairs.append((key, var))
        return tuple(pairs)


class ProvidersFile(Strict):
    """The whole ``llm-providers.yaml`` (``llm_providers: {}`` is valid)."""

    llm_providers: dict[str, ProviderConfig] = Field(default_factory=dict)
