"""GuardedModel: initial-response and stall timeouts, loop detection, stream closing."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Sequence

from tarsy.domain.messages import Message
from tarsy.llm.errors import LLMError
from tarsy.llm.guards import GuardedModel, GuardSettings
from tarsy.llm.types import ModelRequest, StreamEvent, TextDelta

REQUEST = ModelRequest(messages=(Message.user("hi"),))


class Timed:
    """A model whose events arrive after the given delays."""

    def __init__(self, steps: Sequence[tuple[float, str]]) -> None:
        self.steps = steps
        self.closed = False

    @property
    def provider_name(self) -> str:
        return "timed"

    @property
    def model_name(self) -> str:
        return "t-1"

    async def stream(self, request: ModelRequest) -> AsyncIterator[StreamEvent]:
        try:
            for delay, text in self.steps:
                await asyncio.sleep(delay)
                yield TextDelta(text)
        finally:
            self.closed = True


async def run(model: GuardedModel, *, consumer_delay: float = 0) -> tuple[list[str], LLMError]:
    texts: list[str] = []
    try:
        async for event in model.stream(REQUEST):
            assert isinstance(event, TextDelta)
            texts.append(event.text)
            await asyncio.sleep(consumer_delay)
    except LLMError as exc:
        return texts, exc
    raise AssertionError(f"no error; got {texts}")


FAST = GuardSettings(initial_timeout=0.2, stall_timeout=0.1)


async def test_no_first_event_is_an_initial_response_timeout() -> None:
    inner = Timed([(1.0, "late")])
    texts, error = await run(GuardedModel(inner, FAST))
    assert texts == []
    assert error.code == "initial_response_timeout"
    assert "no first response within" in error.message
    assert not error.retryable
    assert inner.closed


async def test_a_gap_between_events_is_a_stall_timeout() -> None:
    inner = Timed([(0.0, "a"), (0.01, "b"), (1.0, "never")])
    texts, error = await run(GuardedModel(inner, FAST))
    assert texts == ["a", "b"]
    assert error.code == "stall_timeout"
    assert inner.closed


async def test_slow_first_event_within_the_initial_limit_is_fine() -> None:
    inner = Timed([(0.15, "thinking done"), (0.05, "more")])
    model = GuardedModel(inner, GuardSettings(initial_timeout=0.3, stall_timeout=0.1))
    texts = [e.text async for e in model.stream(REQUEST) if isinstance(e, TextDelta)]
    assert texts == ["thinking done", "more"]


async def test_time_spent_by_the_consumer_does_not_count_as_a_stall() -> None:
    inner = Timed([(0.0, "a"), (0.0, "b"), (0.0, "c")])
    model = GuardedModel(inner, FAST)
    texts: list[str] = []
    async for event in model.stream(REQUEST):
        assert isinstance(event, TextDelta)
        texts.append(event.text)
        await asyncio.sleep(0.25)
    assert texts == ["a", "b", "c"]


async def test_timeouts_of_the_caller_are_not_relabelled() -> None:
    inner = Timed([(0.0, "a"), (0.5, "b")])
    model = GuardedModel(inner, GuardSettings(initial_timeout=5, stall_timeout=5))
    try:
        async with asyncio.timeout(0.1):
            async for _ in model.stream(REQUEST):
                pass
    except TimeoutError:
        pass
    else:
        raise AssertionError("the caller's timeout should have fired")


async def test_looping_output_is_cancelled_keeping_the_text_before_it() -> None:
    unit = "I will check the pods again to be sure of it. "
    inner = Timed([(0, "Intro that is not repeated:\n")] + [(0, unit)] * 60)
    texts, error = await run(GuardedModel(inner, GuardSettings(stall_timeout=5)))
    assert error.code == "loop_detected"
    assert error.kept_text == "Intro that is not repeated:\n"
    assert inner.closed
    assert 2000 - len(unit) <= sum(map(len, texts)) < 2000, "the chunk that revealed it is dropped"


async def test_loop_detection_can_be_disabled() -> None:
    unit = "I will check the pods again to be sure of it. "
    inner = Timed([(0, unit)] * 60)
    model = GuardedModel(inner, GuardSettings(detect_loops=False))
    texts = [e async for e in model.stream(REQUEST)]
    assert len(texts) == 60
