"""The Anthropic adapter through the real ``anthropic`` SDK against a fake Messages API."""

from __future__ import annotations

import json

import pytest

from tarsy.config import ProviderConfig
from tarsy.domain.messages import ToolCall
from tarsy.llm.factory import CallPolicy, build_model
from tarsy.llm.types import TextDelta, ThinkingDelta, ToolCallEvent, Usage
from tests.integration.llm.conftest import Sleeps
from tests.integration.llm.fake_server import FakeVendor, Reply
from tests.integration.llm.requests import collect, collect_error, first_request, follow_up_request
from tests.integration.llm.wire import (
    anthropic_error,
    anthropic_midstream_error,
    anthropic_stream,
)

SONNET = "claude-haiku-4-5-20251001"


def provider(vendor: FakeVendor, model: str = SONNET, **extra: object) -> ProviderConfig:
    return ProviderConfig.model_validate(
        {
            "type": "anthropic",
            "model": model,
            "api_key_env": "FAKE_ANTHROPIC_KEY",
            "base_url": vendor.url,
            **extra,
        }
    )


@pytest.fixture(autouse=True)
def api_key(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("FAKE_ANTHROPIC_KEY", "sk-ant-test")


async def test_streams_thinking_text_tool_calls_and_usage_then_replays_thinking(
    vendor: FakeVendor,
) -> None:
    vendor.queue(
        anthropic_stream(
            ["I will list ", "the pods."],
            thinking=["Crash loops ", "need pod state."],
            signature="EqQBCkYIBRgCsig==",
            calls=[("toolu_01A", "kubernetes-server__pods_list", ['{"namespace":', ' "prod"}'])],
            usage=(472, 89),
        ),
        anthropic_stream(["Root cause: bad config."]),
    )
    model = build_model("claude", provider(vendor))
    events = await collect(model, first_request())
    assert "".join(e.text for e in events if isinstance(e, ThinkingDelta)) == (
        "Crash loops need pod state."
    )
    assert "".join(e.text for e in events if isinstance(e, TextDelta)) == "I will list the pods."
    calls = [e.call for e in events if isinstance(e, ToolCallEvent)]
    assert [(c.id, c.name) for c in calls] == [("toolu_01A", "kubernetes-server.pods_list")]
    assert json.loads(calls[0].arguments) == {"namespace": "prod"}
    assert events[-1] == Usage(472, 89)

    first = vendor.requests[0]
    assert first.path == "/v1/messages"
    # this SDK version sends the API key as a bearer token
    assert first.headers["authorization"] == "Bearer sk-ant-test"
    assert first.body["stream"] is True
    assert first.body["system"] == "You are an SRE."
    assert first.body["thinking"] == {"type": "enabled", "budget_tokens": 10000}
    assert first.body["max_tokens"] == 32000
    tools = first.body["tools"]
    assert isinstance(tools, list)
    assert tools[0]["name"] == "kubernetes-server__pods_list"
    assert tools[0]["input_schema"]["required"] == ["namespace"]

    await collect(model, follow_up_request(calls[0]))
    second = vendor.requests[1].body
    assert second["thinking"] == {"type": "enabled", "budget_tokens": 10000}
    assert second["messages"] == [
        {"role": "user", "content": [{"type": "text", "text": "Pod api-7d9 is crashing."}]},
        {
            "role": "assistant",
            "content": [
                {
                    "type": "thinking",
                    "thinking": "Crash loops need pod state.",
                    "signature": "EqQBCkYIBRgCsig==",
                },
                {"type": "text", "text": "Checking pods."},
                {
                    "type": "tool_use",
                    "id": "toolu_01A",
                    "name": "kubernetes-server__pods_list",
                    "input": {"namespace": "prod"},
                },
            ],
        },
        {
            "role": "user",
            "content": [
                {
                    "type": "tool_result",
                    "tool_use_id": "toolu_01A",
                    "content": "api-7d9 CrashLoopBackOff",
                }
            ],
        },
    ]


async def test_tool_turn_without_known_thinking_is_sent_without_thinking(
    vendor: FakeVendor,
) -> None:
    vendor.queue(anthropic_stream(["done"]))
    model = build_model("claude", provider(vendor))
    await collect(model, follow_up_request(ToolCall("call_from_gemini", "x.y", "{}")))
    assert "thinking" not in vendor.requests[0].body


async def test_adaptive_thinking_for_newer_models_and_thinking_block_override(
    vendor: FakeVendor,
) -> None:
    vendor.queue(anthropic_stream(["a"]), anthropic_stream(["b"]))
    await collect(build_model("c", provider(vendor, "claude-sonnet-4-6")), first_request())
    assert vendor.requests[0].body["thinking"] == {"type": "adaptive", "display": "summarized"}
    config = provider(vendor, "claude-sonnet-4-6", thinking={"budget_tokens": 4096})
    await collect(build_model("c", config), first_request())
    assert vendor.requests[1].body["thinking"] == {"type": "enabled", "budget_tokens": 4096}


async def test_malformed_tool_input_is_a_recoverable_error(vendor: FakeVendor) -> None:
    vendor.queue(
        anthropic_stream(calls=[("toolu_02", "kubernetes-server__pods_log", ['{"pod": '])])
    )
    model = build_model("claude", provider(vendor))
    _, error = await collect_error(model, first_request())
    assert error.code == "partial_stream_error"
    assert "kubernetes-server.pods_log" in error.message


async def test_invalid_key_is_a_credentials_error(vendor: FakeVendor) -> None:
    vendor.queue(anthropic_error(401, "authentication_error", "invalid x-api-key"))
    model = build_model("claude", provider(vendor))
    _, error = await collect_error(model, first_request())
    assert error.code == "credentials"
    assert "FAKE_ANTHROPIC_KEY" in error.message
    assert "invalid x-api-key" in error.message


async def test_overloaded_529_is_retried(vendor: FakeVendor, sleeps: Sleeps) -> None:
    vendor.queue(
        anthropic_error(529, "overloaded_error", "Overloaded"),
        anthropic_error(429, "rate_limit_error", "Rate limited", {"retry-after": "3"}),
        anthropic_stream(["fine"]),
    )
    model = build_model("claude", provider(vendor), policy=CallPolicy(sleep=sleeps))
    events = await collect(model, first_request())
    assert [e.text for e in events if isinstance(e, TextDelta)] == ["fine"]
    assert len(sleeps.delays) == 2
    assert 0.5 <= sleeps.delays[0] <= 1.0
    assert 3.0 <= sleeps.delays[1] <= 3.75  # Retry-After, plus jitter


async def test_error_event_mid_stream_after_output_is_not_retried(
    vendor: FakeVendor, sleeps: Sleeps
) -> None:
    frames = list(anthropic_stream(["partial ", "answer"]).frames)
    frames = [*frames[:4], anthropic_midstream_error("overloaded_error", "Overloaded")]
    vendor.queue(Reply(frames))
    model = build_model("claude", provider(vendor), policy=CallPolicy(sleep=sleeps))
    events, error = await collect_error(model, first_request())
    assert [e.text for e in events if isinstance(e, TextDelta)] == ["partial "]
    assert error.code == "provider_error"
    assert "overloaded_error" in error.message
    assert sleeps.delays == []
    assert len(vendor.requests) == 1
