"""A model that cannot be called (e.g. its credentials are missing): every call fails with why."""

from __future__ import annotations

from collections.abc import AsyncIterator

from tarsy.llm.errors import LLMError
from tarsy.llm.model import NamedModel
from tarsy.llm.types import ModelRequest, StreamEvent


class UnavailableModel(NamedModel):
    """Implements ``Model`` by raising the stored ``LLMError`` (so fallback can move on)."""

    def __init__(self, provider_name: str, model_name: str, error: LLMError) -> None:
        super().__init__(provider_name, model_name)
        self._error = error

    async def stream(self, request: ModelRequest) -> AsyncIterator[StreamEvent]:
        raise LLMError(
            self._error.message,
            code=self._error.code,
            retryable=self._error.retryable,
            retry_after=self._error.retry_after,
        )
        yield  # pragma: no cover - makes this an async generator
