"""``FallbackModel``: switches an execution to the next provider on repeated failures (§4.8).

Rules, applied to each failed call (successful calls reset the count):
- ``max_retries`` and ``credentials`` switch at once;
- ``provider_error``, ``invalid_request``, ``initial_response_timeout``, ``stall_timeout`` and
  ``partial_stream_error`` switch after 2 consecutive failures (1 for single-shot callers);
- ``loop_detected`` never switches (and leaves the count alone).
Entries naming the current provider are skipped. A switch is sticky for this object, which
lives for one agent execution; new executions start on the primary. If the failed call had
yielded nothing yet, the same request goes straight to the new provider; otherwise the error
is raised and the next call uses the new provider. Every switch is reported to ``on_fallback``
(the pipeline records ``original_*`` fields and a ``provider_fallback`` timeline event).
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Awaitable, Callable, Sequence
from dataclasses import dataclass

from tarsy.llm.errors import ErrorCode, LLMError
from tarsy.llm.model import Model, close_stream
from tarsy.llm.types import ModelRequest, StreamEvent

IMMEDIATE: frozenset[ErrorCode] = frozenset({"max_retries", "credentials"})
NEVER: frozenset[ErrorCode] = frozenset({"loop_detected"})
CONSECUTIVE_FAILURES = 2


@dataclass(frozen=True, slots=True)
class FallbackEvent:
    """One provider switch: from ``previous_*`` to ``fallback_*``; ``original_*`` is the primary."""

    original_provider: str
    original_model: str
    previous_provider: str
    previous_model: str
    fallback_provider: str
    fallback_model: str
    reason: str
    error_code: ErrorCode
    attempt: int


OnFallback = Callable[[FallbackEvent], Awaitable[None]]


async def ignore_fallback(event: FallbackEvent) -> None:
    """The default ``on_fallback``: nothing to record."""


class FallbackModel:
    """Implements ``Model`` over an ordered list of models: the primary first, then fallbacks."""

    def __init__(
        self,
        models: Sequence[Model],
        *,
        on_fallback: OnFallback = ignore_fallback,
        single_shot: bool = False,
    ) -> None:
        if not models:
            raise ValueError("FallbackModel needs at least one model")
        self._models = tuple(models)
        self._on_fallback = on_fallback
        self._threshold = 1 if single_shot else CONSECUTIVE_FAILURES
        self._index = 0
        self._failures = 0
        self._switches = 0

    @property
    def provider_name(self) -> str:
        return self._models[self._index].provider_name

    @property
    def model_name(self) -> str:
        return self._models[self._index].model_name

    @property
    def chain(self) -> tuple[str, ...]:
        """The provider names in fallback order, the primary first."""
        return tuple(m.provider_name for m in self._models)

    @property
    def switched(self) -> bool:
        """Whether this execution has left its primary provider."""
        return self._switches > 0

    async def stream(self, request: ModelRequest) -> AsyncIterator[StreamEvent]:
        while True:
            started = False
            inner = self._models[self._index].stream(request)
            try:
                async for event in inner:
                    started = True
                    yield event
            except LLMError as exc:
                if not await self._after_failure(exc) or started:
                    raise
                continue
            finally:
                await close_stream(inner)
            self._failures = 0
            return

    async def _after_failure(self, exc: LLMError) -> bool:
        """Count the failure; switch provider if the rules say so. True if it switched."""
        if exc.code in NEVER:
            return False
        self._failures += 1
        if exc.code not in IMMEDIATE and self._failures < self._threshold:
            return False
        target = self._next_index()
        if target is None:
            return False
        previous = self._models[self._index]
        self._index, self._failures = target, 0
        self._switches += 1
        primary, current = self._models[0], self._models[target]
        await self._on_fallback(
            FallbackEvent(
                original_provider=primary.provider_name,
                original_model=primary.model_name,
                previous_provider=previous.provider_name,
                previous_model=previous.model_name,
                fallback_provider=current.provider_name,
                fallback_model=current.model_name,
                reason=exc.message,
                error_code=exc.code,
                attempt=self._switches,
            )
        )
        return True

    def _next_index(self) -> int | None:
        current = self._models[self._index].provider_name
        for index in range(self._index + 1, len(self._models)):
            if self._models[index].provider_name != current:
                return index
        return None
