"""FallbackModel: the switch rules of SPEC §4.8, stickiness, and the events it reports."""

from __future__ import annotations

import pytest

from tarsy.domain.messages import Message
from tarsy.llm.errors import ErrorCode, LLMError
from tarsy.llm.fallback import FallbackEvent, FallbackModel
from tarsy.llm.scripted import ScriptedModel, Turn
from tarsy.llm.types import ModelRequest, TextDelta

REQUEST = ModelRequest(messages=(Message.user("hi"),))


def fail(code: ErrorCode) -> Turn:
    return Turn(error=LLMError(f"boom ({code})", code=code))


class Recorder:
    def __init__(self) -> None:
        self.events: list[FallbackEvent] = []

    async def __call__(self, event: FallbackEvent) -> None:
        self.events.append(event)


async def call(model: FallbackModel) -> str | LLMError:
    text = ""
    try:
        async for event in model.stream(REQUEST):
            if isinstance(event, TextDelta):
                text += event.text
    except LLMError as exc:
        return exc
    return text


def chain(
    primary: list[Turn], backup: list[Turn], **kwargs: bool
) -> tuple[FallbackModel, ScriptedModel, ScriptedModel, Recorder]:
    first = ScriptedModel(primary, provider_name="gemini", model_name="gemini-2.5-pro")
    second = ScriptedModel(backup, provider_name="claude", model_name="claude-sonnet-4-6")
    recorder = Recorder()
    return FallbackModel([first, second], on_fallback=recorder, **kwargs), first, second, recorder


@pytest.mark.parametrize("code", ["max_retries", "credentials"])
async def test_immediate_codes_switch_and_retry_the_request_on_the_fallback(
    code: ErrorCode,
) -> None:
    model, _, second, recorder = chain([fail(code)], [Turn.text("from claude")])
    assert await call(model) == "from claude"
    assert len(second.requests) == 1
    assert recorder.events == [
        FallbackEvent(
            original_provider="gemini",
            original_model="gemini-2.5-pro",
            previous_provider="gemini",
            previous_model="gemini-2.5-pro",
            fallback_provider="claude",
            fallback_model="claude-sonnet-4-6",
            reason=f"boom ({code})",
            error_code=code,
            attempt=1,
        )
    ]
    assert (model.provider_name, model.model_name) == ("claude", "claude-sonnet-4-6")
    assert model.switched


@pytest.mark.parametrize(
    "code",
    [
        "provider_error",
        "invalid_request",
        "initial_response_timeout",
        "stall_timeout",
        "partial_stream_error",
    ],
)
async def test_other_codes_switch_after_two_consecutive_failures(code: ErrorCode) -> None:
    model, _, _, recorder = chain([fail(code), fail(code)], [Turn.text("ok")])
    first = await call(model)
    assert isinstance(first, LLMError) and first.code == code
    assert recorder.events == []
    assert await call(model) == "ok"
    assert [e.error_code for e in recorder.events] == [code]


async def test_a_success_resets_the_consecutive_count() -> None:
    turns = [fail("provider_error"), Turn.text("fine"), fail("provider_error")]
    model, _, _, recorder = chain(turns, [Turn.text("never")])
    assert isinstance(await call(model), LLMError)
    assert await call(model) == "fine"
    assert isinstance(await call(model), LLMError)
    assert recorder.events == []
    assert model.provider_name == "gemini"


async def test_loops_never_switch() -> None:
    model, _, _, recorder = chain([fail("loop_detected")] * 3, [Turn.text("never")])
    for _ in range(3):
        error = await call(model)
        assert isinstance(error, LLMError) and error.code == "loop_detected"
    assert recorder.events == []


async def test_single_shot_switches_after_one_failure() -> None:
    model, _, _, recorder = chain([fail("stall_timeout")], [Turn.text("ok")], single_shot=True)
    assert await call(model) == "ok"
    assert len(recorder.events) == 1


async def test_failure_after_output_switches_for_the_next_call_only() -> None:
    partial = Turn((TextDelta("half"),), error=LLMError("x", code="max_retries"))
    model, _, second, recorder = chain([partial], [Turn.text("next")])
    error = await call(model)
    assert isinstance(error, LLMError) and error.code == "max_retries"
    assert len(recorder.events) == 1 and second.requests == []
    assert await call(model) == "next"


async def test_the_switch_is_sticky_and_the_last_provider_keeps_failing() -> None:
    model, first, _, recorder = chain([fail("credentials")], [fail("credentials")] * 2)
    error = await call(model)
    assert isinstance(error, LLMError) and error.code == "credentials"
    assert len(recorder.events) == 1
    error = await call(model)
    assert isinstance(error, LLMError)
    assert len(first.requests) == 1


async def test_entries_naming_the_current_provider_are_skipped() -> None:
    primary = ScriptedModel([fail("credentials")], provider_name="gemini")
    same = ScriptedModel([Turn.text("same")], provider_name="gemini")
    other = ScriptedModel([Turn.text("other")], provider_name="openai")
    recorder = Recorder()
    model = FallbackModel([primary, same, other], on_fallback=recorder)
    assert await call(model) == "other"
    assert [e.fallback_provider for e in recorder.events] == ["openai"]


def test_needs_a_model() -> None:
    with pytest.raises(ValueError, match="at least one"):
        FallbackModel([])
