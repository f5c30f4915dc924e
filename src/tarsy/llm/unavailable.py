"""A model that cannot be called (e.g. its credentials are missing): every call fails with why."""

from __future__ import annotations

from collections.abc import AsyncIterator

from tarsy.llm.errors import LLMError
from tarsy.llm.types import ModelRequest, StreamEvent


class UnavailableModel:
    """Implements ``Model`` by raising the stored ``LLMError`` (so fallback can move on)."""

    def __init__(self, provider_name: str, model_name: str, error: LLMError) -> None:
        self._provider_name = provider_name
        self._model_name = model_name
        self._error = error

    @property
    def provider_name(self) -> str:
        return self._provider_name

    @property
    def model_name(self) -> str:
        return self._model_name

    async def stream(self, request: ModelRequest) -> AsyncIterator[StreamEvent]:
        raise LLMError(
            self._error.message,
            code=self._error.code,
            retryable=self._error.retryable,
            retry_after=self._error.retry_after,
        )
        yield  # pragma: no cover - makes this an async generator
