"""The ``Model`` contract: stream one response for a request."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Protocol

from tarsy.llm.types import ModelRequest, StreamEvent


class Model(Protocol):
    """A configured LLM. Implementations raise ``LLMError`` for failed calls."""

    @property
    def provider_name(self) -> str:
        """The provider key of llm-providers.yaml this model was built from."""
        ...

    @property
    def model_name(self) -> str: ...

    def stream(self, request: ModelRequest) -> AsyncIterator[StreamEvent]: ...


async def close_stream(stream: AsyncIterator[StreamEvent]) -> None:
    """Close a stream early (releasing its connection) if it is an async generator."""
    aclose = getattr(stream, "aclose", None)
    if aclose is not None:
        await aclose()


class NamedModel:
    """Base for ``Model`` implementations: stores the provider key and model name they report."""

    def __init__(self, provider_name: str, model_name: str) -> None:
        self._provider_name = provider_name
        self._model_name = model_name

    @property
    def provider_name(self) -> str:
        return self._provider_name

    @property
    def model_name(self) -> str:
        return self._model_name
