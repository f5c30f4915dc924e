"""``RetryingModel``: retries calls that failed before streaming anything, with backoff.

Only errors marked ``retryable`` (HTTP 429/5xx, transport failures) are retried, and only when
the failed call had not yet yielded an event: once output reached the caller a retry would
duplicate it. Delays grow exponentially with jitter; a vendor's ``Retry-After`` is honoured
(waited at least, plus up to a quarter more, so that calls rate-limited together do not all come
back at the same instant), and one longer than ``max_retry_after`` ends the retries at once (so
fallback can act). After ``attempts`` failures the call fails with ``max_retries``, which
switches provider immediately.
"""

from __future__ import annotations

import asyncio
import random
from collections.abc import AsyncIterator, Awaitable, Callable

from tarsy.llm.errors import LLMError
from tarsy.llm.model import Model, close_stream
from tarsy.llm.types import ModelRequest, StreamEvent

Sleep = Callable[[float], Awaitable[None]]


class RetryingModel:
    """Implements ``Model`` by calling ``model`` up to ``attempts`` times per request."""

    def __init__(
        self,
        model: Model,
        *,
        attempts: int = 3,
        base_delay: float = 1.0,
        max_delay: float = 20.0,
        max_retry_after: float = 60.0,
        sleep: Sleep = asyncio.sleep,
        jitter: Callable[[], float] = random.random,
    ) -> None:
        self._model = model
        self._attempts = max(1, attempts)
        self._base_delay = base_delay
        self._max_delay = max_delay
        self._max_retry_after = max_retry_after
        self._sleep = sleep
        self._jitter = jitter

    @property
    def provider_name(self) -> str:
        return self._model.provider_name

    @property
    def model_name(self) -> str:
        return self._model.model_name

    def delay(self, attempt: int, retry_after: float | None) -> float:
        """Seconds to wait after failed attempt ``attempt`` (1-based)."""
        if retry_after is not None:
            return retry_after * (1 + self._jitter() / 4)
        backoff = min(self._max_delay, self._base_delay * 2.0 ** (attempt - 1))
        return backoff * (0.5 + self._jitter() / 2)

    async def stream(self, request: ModelRequest) -> AsyncIterator[StreamEvent]:
        last: LLMError | None = None
        for attempt in range(1, self._attempts + 1):
            started = False
            inner = self._model.stream(request)
            try:
                async for event in inner:
                    started = True
                    yield event
                return
            except LLMError as exc:
                if started or not exc.retryable:
                    raise
                last = exc
                too_long = exc.retry_after is not None and exc.retry_after > self._max_retry_after
                if attempt == self._attempts or too_long:
                    break
                await self._sleep(self.delay(attempt, exc.retry_after))
            finally:
                await close_stream(inner)
        assert last is not None
        raise LLMError(
            f"{self.provider_name} ({self.model_name}) still failing after {attempt} "
            f"attempt(s): {last.message}",
            code="max_retries",
            retry_after=last.retry_after,
        ) from last
