"""Strict frozen pydantic base and the value types shared by ``tarsy.yaml`` and providers.

Every model forbids unknown keys. As in the reference (Go zero values), a key written as ``null``
or ``""`` counts as absent, so its default applies; an explicit empty list is kept, because
``[]`` and "absent" differ for ``fallback_providers`` and ``skills``.
"""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import BaseModel, BeforeValidator, ConfigDict, Field, model_validator

LlmBackend = Literal["google-native", "langchain"]
AgentType = Literal["", "synthesis", "exec_summary", "scoring", "action"]
SuccessPolicy = Literal["all", "any"]
TransportType = Literal["stdio", "http", "sse"]
NativeToolName = Literal["google_search", "code_execution", "url_context"]

DEFAULT_BACKEND: LlmBackend = "langchain"
DEFAULT_MAX_ITERATIONS = 20
DEFAULT_SUCCESS_POLICY: SuccessPolicy = "any"


def _scalar_text(value: object) -> object:
    """Scalars written where text is expected keep their text (``true`` -> ``"true"``)."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int | float):
        return str(value)
    return value


ScalarStr = Annotated[str, BeforeValidator(_scalar_text)]
Names = tuple[str, ...]
PositiveInt = Annotated[int, Field(ge=1)]


class Strict(BaseModel):
    """Base of every config model: frozen, unknown keys rejected, null/"" meaning absent."""

    model_config = ConfigDict(extra="forbid", frozen=True, coerce_numbers_to_str=True)

    @model_validator(mode="before")
    @classmethod
    def _drop_unset(cls, data: object) -> object:
        if not isinstance(data, dict):
            return data
        return {
            key: value
            for key, value in data.items()
            if key not in cls.model_fields or (value is not None and value != "")
        }


class NativeToolsConfig(Strict):
    """Gemini native tools; ``None`` means "not set here" (merged per key over the provider's)."""

    google_search: bool | None = None
    code_execution: bool | None = None
    url_context: bool | None = None


class FallbackEntry(Strict):
    """One entry of a ``fallback_providers`` list: provider name and backend, both required."""

    provider: str
    backend: LlmBackend


class SubAgentRef(Strict):
    """A sub-agent a chain, stage, stage agent or chat may dispatch, with per-reference overrides.

    Written either as a bare agent name or as a map with exactly these keys (no nesting).
    """

    name: str
    llm_provider: str | None = None
    llm_backend: LlmBackend | None = None
    max_iterations: PositiveInt | None = None
    mcp_servers: Names | None = None
    required_skills: Names = ()
    skills: Names = ()


def _bare_names_to_refs(value: object) -> object:
    if isinstance(value, list | tuple):
        return [{"name": item} if isinstance(item, str) else item for item in value]
    return value


SubAgentRefs = Annotated[tuple[SubAgentRef, ...], BeforeValidator(_bare_names_to_refs)]
