"""``GuardedModel``: stream timeouts and output-loop detection around a model (SPEC §4.7).

- no first event within ``initial_timeout`` -> ``LLMError(code="initial_response_timeout")``;
- no next event within ``stall_timeout`` -> ``LLMError(code="stall_timeout")``;
- text ending in a loop (see ``loops``) -> ``LLMError(code="loop_detected")`` whose
  ``kept_text`` is the text of this call before the loop began.
The stream is closed in every case. Time the consumer spends handling an event does not count:
the clock only runs while we wait for the vendor. None of these errors is retryable, so the
retry layer passes them to fallback, which counts them (loops never switch provider).
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from dataclasses import dataclass

from tarsy.llm.errors import ErrorCode, LLMError
from tarsy.llm.loops import LoopDetector
from tarsy.llm.model import Model, close_stream
from tarsy.llm.types import ModelRequest, StreamEvent


@dataclass(frozen=True, slots=True)
class GuardSettings:
    initial_timeout: float = 120.0
    stall_timeout: float = 60.0
    detect_loops: bool = True


class GuardedModel:
    """Implements ``Model`` by watching ``model``'s stream for silence and loops."""

    def __init__(self, model: Model, settings: GuardSettings = GuardSettings()) -> None:
        self._model = model
        self._settings = settings

    @property
    def provider_name(self) -> str:
        return self._model.provider_name

    @property
    def model_name(self) -> str:
        return self._model.model_name

    async def stream(self, request: ModelRequest) -> AsyncIterator[StreamEvent]:
        settings = self._settings
        loop = asyncio.get_running_loop()
        detector = LoopDetector() if settings.detect_loops else None
        code: ErrorCode = "initial_response_timeout"
        limit = settings.initial_timeout
        inner = self._model.stream(request)
        try:
            async with asyncio.timeout(limit) as deadline:
                async for event in inner:
                    deadline.reschedule(None)
                    if detector is not None and event.kind == "text":
                        found = detector.feed(event.text)
                        if found is not None:
                            raise LLMError(
                                f"{self.provider_name} ({self.model_name}) is looping: a "
                                f"{len(found.unit)}-char passage repeated {found.repeats} times "
                                f"({found.unit[:80]!r}...); stream cancelled",
                                code="loop_detected",
                                kept_text=detector.text()[: found.kept_chars],
                            )
                    yield event
                    code, limit = "stall_timeout", settings.stall_timeout
                    deadline.reschedule(loop.time() + limit)
        except TimeoutError:
            if not deadline.expired():
                raise
            what = "first response" if code == "initial_response_timeout" else "next chunk"
            raise LLMError(
                f"{self.provider_name} ({self.model_name}): no {what} within {limit:.0f}s",
                code=code,
            ) from None
        finally:
            await close_stream(inner)
