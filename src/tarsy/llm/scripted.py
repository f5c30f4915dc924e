"""Deterministic models for demos and tests: queued turns (per agent) or a Python function."""

from __future__ import annotations

import asyncio
from collections import deque
from collections.abc import AsyncIterator, Awaitable, Callable, Iterable, Sequence
from dataclasses import dataclass

from tarsy.domain.messages import ToolCall
from tarsy.llm.errors import LLMError
from tarsy.llm.model import NamedModel
from tarsy.llm.types import (
    ModelRequest,
    StreamEvent,
    TextDelta,
    ThinkingDelta,
    ToolCallEvent,
    Usage,
)


@dataclass(frozen=True, slots=True)
class Turn:
    """One scripted response: events to stream, or an error to raise after them."""

    events: tuple[StreamEvent, ...] = ()
    error: LLMError | None = None
    block: asyncio.Event | None = None
    delay: float = 0.0
    """Seconds to wait before each event (a model that streams slowly)."""

    @staticmethod
    def text(content: str, *, input_tokens: int = 100, output_tokens: int = 50) -> Turn:
        return Turn((TextDelta(content), Usage(input_tokens, output_tokens)))

    @staticmethod
    def streamed(
        content: str, *, pieces: int = 10, delay: float = 0.005, thinking: str = ""
    ) -> Turn:
        """``thinking`` then ``content``, each in ``pieces`` deltas ``delay`` seconds apart."""
        events: list[StreamEvent] = [ThinkingDelta(p) for p in _split(thinking, pieces)]
        events += [TextDelta(p) for p in _split(content, pieces)]
        events.append(Usage(100, 50))
        return Turn(tuple(events), delay=delay)

    @staticmethod
    def tool_calls(*calls: tuple[str, str], text: str = "") -> Turn:
        events: list[StreamEvent] = [TextDelta(text)] if text else []
        events += [
            ToolCallEvent(ToolCall(f"call-{i}", name, args)) for i, (name, args) in enumerate(calls)
        ]
        events.append(Usage(100, 20))
        return Turn(tuple(events))

    @staticmethod
    def fail(message: str, code: str = "provider_error") -> Turn:
        return Turn(error=LLMError(message, code=code))  # type: ignore[arg-type]


class ScriptedModel(NamedModel):
    """Implements ``Model`` from queued turns.

    Turns routed to an agent name (``routes``) are used for requests of that agent first; then
    the shared queue. Every request is recorded in ``requests`` for assertions.
    """

    def __init__(
        self,
        turns: Iterable[Turn] = (),
        *,
        routes: dict[str, Sequence[Turn]] | None = None,
        provider_name: str = "scripted",
        model_name: str = "scripted",
    ) -> None:
        super().__init__(provider_name, model_name)
        self._queue = deque(turns)
        self._routes = {name: deque(ts) for name, ts in (routes or {}).items()}
        self.requests: list[ModelRequest] = []

    def _next(self, request: ModelRequest) -> Turn:
        routed = self._routes.get(request.agent_name)
        if routed:
            return routed.popleft()
        if self._queue:
            return self._queue.popleft()
        raise LLMError(
            f"scripted model has no turn left for agent '{request.agent_name}'",
            code="invalid_request",
        )

    async def stream(self, request: ModelRequest) -> AsyncIterator[StreamEvent]:
        self.requests.append(request)
        turn = self._next(request)
        if turn.block is not None:
            await turn.block.wait()
        for event in turn.events:
            if turn.delay:
                await asyncio.sleep(turn.delay)
            yield event
        if turn.error is not None:
            raise turn.error


def _split(text: str, pieces: int) -> list[str]:
    if not text:
        return []
    size = max(1, -(-len(text) // pieces))
    return [text[i : i + size] for i in range(0, len(text), size)]


ModelFunction = Callable[[ModelRequest], Awaitable[Sequence[StreamEvent]]]


class FunctionModel(NamedModel):
    """Implements ``Model`` by calling ``function(request)`` for the events of each turn."""

    def __init__(
        self, function: ModelFunction, *, provider_name: str = "function", model_name: str
    ) -> None:
        super().__init__(provider_name, model_name)
        self._function = function

    async def stream(self, request: ModelRequest) -> AsyncIterator[StreamEvent]:
        for event in await self._function(request):
            yield event
