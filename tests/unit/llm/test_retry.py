"""RetryingModel: retries only retryable failures before any output, honours Retry-After, and
spreads the retries of calls that failed together."""

from __future__ import annotations

import asyncio
from collections.abc import Sequence

import pytest

from tarsy.domain.messages import Message
from tarsy.llm.errors import LLMError
from tarsy.llm.retry import RetryingModel
from tarsy.llm.scripted import FunctionModel, ScriptedModel, Turn
from tarsy.llm.types import ModelRequest, StreamEvent, TextDelta

REQUEST = ModelRequest(messages=(Message.user("hi"),))


def retryable(message: str = "HTTP 503", retry_after: float | None = None) -> Turn:
    return Turn(
        error=LLMError(message, code="provider_error", retryable=True, retry_after=retry_after)
    )


class Sleeps:
    def __init__(self) -> None:
        self.delays: list[float] = []

    async def __call__(self, delay: float) -> None:
        self.delays.append(delay)


async def run(model: RetryingModel) -> tuple[list[str], LLMError | None]:
    texts: list[str] = []
    try:
        async for event in model.stream(REQUEST):
            if isinstance(event, TextDelta):
                texts.append(event.text)
    except LLMError as exc:
        return texts, exc
    return texts, None


async def test_retries_with_exponential_backoff_and_jitter_then_succeeds() -> None:
    inner = ScriptedModel([retryable(), retryable(), Turn.text("ok")])
    sleeps = Sleeps()
    model = RetryingModel(inner, attempts=3, base_delay=1.0, sleep=sleeps, jitter=lambda: 1.0)
    texts, error = await run(model)
    assert (texts, error) == (["ok"], None)
    assert sleeps.delays == [1.0, 2.0]
    assert len(inner.requests) == 3


def test_jitter_spreads_the_delay_between_half_and_full_backoff() -> None:
    low = RetryingModel(ScriptedModel(), base_delay=4.0, jitter=lambda: 0.0)
    high = RetryingModel(ScriptedModel(), base_delay=4.0, jitter=lambda: 1.0)
    assert (low.delay(2, None), high.delay(2, None)) == (4.0, 8.0)
    assert high.delay(10, None) == 20.0
    assert (low.delay(1, 2.5), high.delay(1, 2.5)) == (2.5, 3.125)


async def test_retry_after_is_honoured() -> None:
    sleeps = Sleeps()
    model = RetryingModel(
        ScriptedModel([retryable(retry_after=7.0), Turn.text("ok")]), sleep=sleeps
    )
    assert (await run(model))[1] is None
    [delay] = sleeps.delays
    assert 7.0 <= delay <= 8.75  # at least what the vendor asked, plus jitter


@pytest.mark.parametrize("retry_after", [None, 1.0], ids=["backoff", "retry-after"])
async def test_calls_rate_limited_together_do_not_retry_together(
    retry_after: float | None,
) -> None:
    """20 concurrent calls through one model all get a 429 (with or without Retry-After):
    their retries are spread out instead of arriving at the vendor in one burst."""
    failed: set[str] = set()

    async def vendor(request: ModelRequest) -> Sequence[StreamEvent]:
        if request.session_id not in failed:
            failed.add(request.session_id)
            raise LLMError(
                "HTTP 429", code="provider_error", retryable=True, retry_after=retry_after
            )
        return [TextDelta("ok")]

    sleeps = Sleeps()
    model = RetryingModel(FunctionModel(vendor, model_name="m"), base_delay=1.0, sleep=sleeps)
    requests = [ModelRequest(messages=(Message.user("hi"),), session_id=f"s{i}") for i in range(20)]
    results = await asyncio.gather(*(collect(model, r) for r in requests))
    assert results == [["ok"]] * 20
    low = 0.5 if retry_after is None else retry_after
    high = 1.0 if retry_after is None else retry_after * 1.25
    assert all(low <= d <= high for d in sleeps.delays), sleeps.delays
    assert len(set(sleeps.delays)) == 20, "two retries were scheduled for the same instant"
    assert max(sleeps.delays) - min(sleeps.delays) > (high - low) / 4, sleeps.delays


async def collect(model: RetryingModel, request: ModelRequest) -> list[str]:
    return [e.text async for e in model.stream(request) if isinstance(e, TextDelta)]


async def test_exhausted_attempts_raise_max_retries_with_the_last_error() -> None:
    inner = ScriptedModel([retryable("first"), retryable("second"), retryable("third")])
    sleeps = Sleeps()
    _, error = await run(RetryingModel(inner, attempts=3, sleep=sleeps))
    assert error is not None
    assert error.code == "max_retries"
    assert "third" in error.message
    assert isinstance(error.__cause__, LLMError)
    assert len(sleeps.delays) == 2


async def test_retry_after_longer_than_the_cap_gives_up_at_once() -> None:
    inner = ScriptedModel([retryable(retry_after=600.0), Turn.text("never")])
    sleeps = Sleeps()
    _, error = await run(RetryingModel(inner, max_retry_after=60, sleep=sleeps))
    assert error is not None and error.code == "max_retries"
    assert sleeps.delays == []
    assert len(inner.requests) == 1


async def test_non_retryable_errors_pass_through_untouched() -> None:
    inner = ScriptedModel([Turn(error=LLMError("bad key", code="credentials"))])
    _, error = await run(RetryingModel(inner, sleep=Sleeps()))
    assert error is not None and error.code == "credentials"
    assert len(inner.requests) == 1


async def test_failure_after_output_is_not_retried() -> None:
    partial = Turn(
        (TextDelta("half"),), error=LLMError("broke", code="provider_error", retryable=True)
    )
    inner = ScriptedModel([partial, Turn.text("second try")])
    texts, error = await run(RetryingModel(inner, sleep=Sleeps()))
    assert texts == ["half"]
    assert error is not None and error.code == "provider_error"
    assert len(inner.requests) == 1


async def test_names_come_from_the_wrapped_model() -> None:
    model = RetryingModel(ScriptedModel(provider_name="p", model_name="m"))
    assert (model.provider_name, model.model_name) == ("p", "m")
