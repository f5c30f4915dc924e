"""Builds the ``Model`` for a configured provider."""

from __future__ import annotations

from tarsy.config import ProviderConfig
from tarsy.domain.errors import Unavailable
from tarsy.llm.demo import DemoModel
from tarsy.llm.model import Model


def build_model(
    provider_name: str, provider: ProviderConfig, *, chunk_delay: float = 0.01
) -> Model:
    """The model for ``provider_name``; ``Unavailable`` for a type this build cannot call."""
    if provider.type == "scripted":
        return DemoModel(provider_name, chunk_delay=chunk_delay)
    raise Unavailable(
        f"LLM provider {provider_name!r} has type {provider.type!r}, for which this build of "
        "TARSy has no adapter yet; use a provider of type 'scripted' or a newer release"
    )
