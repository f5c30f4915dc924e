"""The OpenAI adapter through the real ``openai`` SDK against a fake Chat Completions server."""

from __future__ import annotations

import json

import pytest

from tarsy.config import ProviderConfig
from tarsy.llm.errors import LLMError
from tarsy.llm.factory import CallPolicy, build_model
from tarsy.llm.guards import GuardSettings
from tarsy.llm.types import TextDelta, ThinkingDelta, ToolCallEvent, Usage
from tests.integration.llm.conftest import Sleeps
from tests.integration.llm.fake_server import FakeVendor, Reply
from tests.integration.llm.requests import collect, collect_error, first_request, follow_up_request
from tests.integration.llm.wire import openai_error, openai_stream


def provider(vendor: FakeVendor, model: str = "gpt-5", **extra: object) -> ProviderConfig:
    return ProviderConfig.model_validate(
        {
            "type": "openai",
            "model": model,
            "api_key_env": "FAKE_OPENAI_KEY",
            "base_url": f"{vendor.url}/v1",
            **extra,
        }
    )


@pytest.fixture(autouse=True)
def api_key(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("FAKE_OPENAI_KEY", "sk-test-123")


async def test_streams_text_reasoning_tool_calls_and_usage(vendor: FakeVendor) -> None:
    vendor.queue(
        openai_stream(
            ["Let me ", "check."],
            reasoning=["The pod ", "restarts."],
            calls=[
                ("call_a1", "kubernetes-server__pods_list", ['{"names', 'pace": "pr', 'od"}']),
                ("call_b2", "kubernetes-server__pods_log", ["{}"]),
            ],
            usage=(120, 40, 16),
        )
    )
    model = build_model("openai-main", provider(vendor))
    events = await collect(model, first_request())
    assert [e.text for e in events if isinstance(e, ThinkingDelta)] == ["The pod ", "restarts."]
    assert "".join(e.text for e in events if isinstance(e, TextDelta)) == "Let me check."
    calls = [e.call for e in events if isinstance(e, ToolCallEvent)]
    assert [(c.id, c.name) for c in calls] == [
        ("call_a1", "kubernetes-server.pods_list"),
        ("call_b2", "kubernetes-server.pods_log"),
    ]
    assert json.loads(calls[0].arguments) == {"namespace": "prod"}
    assert events[-1] == Usage(120, 40, 16)

    sent = vendor.requests[0]
    assert sent.path == "/v1/chat/completions"
    assert sent.headers["authorization"] == "Bearer sk-test-123"
    assert sent.body["stream"] is True
    assert sent.body["stream_options"] == {"include_usage": True}
    assert sent.body["reasoning_effort"] == "high"
    tools = sent.body["tools"]
    assert isinstance(tools, list)
    assert [t["function"]["name"] for t in tools] == [
        "kubernetes-server__pods_list",
        "kubernetes-server__pods_log",
    ]
    assert tools[1]["function"]["parameters"] == {"type": "object", "properties": {}}


async def test_history_with_tool_calls_and_results_is_sent_in_wire_form(
    vendor: FakeVendor,
) -> None:
    vendor.queue(openai_stream(["The pod is crash-looping."]))
    model = build_model("openai-main", provider(vendor, "llama3.1:8b"))
    events = await collect(model, follow_up_request())
    assert "".join(e.text for e in events if isinstance(e, TextDelta)) == (
        "The pod is crash-looping."
    )
    messages = vendor.requests[0].body["messages"]
    assert messages == [
        {"role": "system", "content": "You are an SRE."},
        {"role": "user", "content": "Pod api-7d9 is crashing."},
        {
            "role": "assistant",
            "content": "Checking pods.",
            "tool_calls": [
                {
                    "id": "call_prev_1",
                    "type": "function",
                    "function": {
                        "name": "kubernetes-server__pods_list",
                        "arguments": '{"namespace": "prod"}',
                    },
                }
            ],
        },
        {"role": "tool", "tool_call_id": "call_prev_1", "content": "api-7d9 CrashLoopBackOff"},
    ]
    assert "reasoning_effort" not in vendor.requests[0].body


async def test_thinking_block_sets_effort(vendor: FakeVendor) -> None:
    vendor.queue(openai_stream(["ok"]))
    model = build_model("o", provider(vendor, "o4-mini", thinking={"effort": "low"}))
    await collect(model, first_request())
    assert vendor.requests[0].body["reasoning_effort"] == "low"


async def test_malformed_tool_arguments_are_a_recoverable_error(vendor: FakeVendor) -> None:
    vendor.queue(
        openai_stream(["Calling."], calls=[("call_x", "kubernetes-server__pods_list", ['{"na'])])
    )
    model = build_model("openai-main", provider(vendor))
    events, error = await collect_error(model, first_request())
    assert error.code == "partial_stream_error"
    assert not error.retryable
    assert "malformed JSON arguments" in error.message
    assert "kubernetes-server.pods_list" in error.message
    assert [e.text for e in events if isinstance(e, TextDelta)] == ["Calling."]
    assert len(vendor.requests) == 1


@pytest.mark.parametrize(
    "chunk",
    [{"choices": "oops"}, {"choices": [{"delta": ["content"]}]}, ["not", "an", "object"]],
    ids=["choices-a-string", "delta-an-array", "chunk-an-array"],
)
async def test_a_chunk_of_the_wrong_shape_is_a_malformed_response(
    vendor: FakeVendor, chunk: object
) -> None:
    role, text = openai_stream(["Looking."]).frames[:2]
    vendor.queue(Reply([role, text, f"data: {json.dumps(chunk)}\n\n", "data: [DONE]\n\n"]))
    model = build_model("openai-main", provider(vendor))
    events, error = await collect_error(model, first_request())
    assert [e.text for e in events if isinstance(e, TextDelta)] == ["Looking."]
    assert error.code == "partial_stream_error"
    assert len(vendor.requests) == 1  # text was streamed: not retried
    assert "could not be read" in error.message and "TypeError" in error.message
    assert "OpenAI" in error.message


async def test_wrong_key_is_a_credentials_error_naming_the_env_var(vendor: FakeVendor) -> None:
    vendor.queue(
        openai_error(
            401,
            "Incorrect API key provided: sk-test-123. You can find your API key at "
            "https://platform.openai.com/account/api-keys.",
            kind="invalid_request_error",
            code="invalid_api_key",
        )
    )
    model = build_model("openai-main", provider(vendor))
    _, error = await collect_error(model, first_request())
    assert error.code == "credentials"
    assert "'openai-main'" in error.message
    assert "FAKE_OPENAI_KEY" in error.message
    assert "Incorrect API key" in error.message
    assert len(vendor.requests) == 1


async def test_bad_request_is_invalid_request_and_not_retried(vendor: FakeVendor) -> None:
    vendor.queue(
        openai_error(
            400,
            "Invalid schema for function 'kubernetes-server__pods_list'.",
            kind="invalid_request_error",
            code="invalid_function_parameters",
        )
    )
    model = build_model("openai-main", provider(vendor))
    _, error = await collect_error(model, first_request())
    assert error.code == "invalid_request"
    assert len(vendor.requests) == 1


async def test_429_with_retry_after_is_retried_after_that_delay(
    vendor: FakeVendor, sleeps: Sleeps
) -> None:
    vendor.queue(
        openai_error(
            429,
            "Rate limit reached for gpt-5 on tokens per min (TPM).",
            kind="tokens",
            code="rate_limit_exceeded",
            headers={"retry-after": "7"},
        ),
        openai_stream(["recovered"]),
    )
    model = build_model("openai-main", provider(vendor), policy=CallPolicy(sleep=sleeps))
    events = await collect(model, first_request())
    assert [e.text for e in events if isinstance(e, TextDelta)] == ["recovered"]
    [delay] = sleeps.delays
    assert 7.0 <= delay <= 8.75  # Retry-After, plus jitter
    assert len(vendor.requests) == 2


async def test_repeated_500s_end_in_max_retries(vendor: FakeVendor, sleeps: Sleeps) -> None:
    error = openai_error(500, "The server had an error.", kind="server_error", code=None)
    vendor.queue(error, error, error)
    model = build_model("openai-main", provider(vendor), policy=CallPolicy(sleep=sleeps))
    _, failure = await collect_error(model, first_request())
    assert failure.code == "max_retries"
    assert "3 attempt(s)" in failure.message
    assert len(sleeps.delays) == 2
    assert len(vendor.requests) == 3


async def test_stall_mid_stream_is_a_stall_timeout(vendor: FakeVendor) -> None:
    reply = openai_stream(["one ", "two ", "three"])
    vendor.queue(type(reply)(reply.frames, stall_at=3, stall_seconds=5))
    policy = CallPolicy(guards=GuardSettings(initial_timeout=5, stall_timeout=0.3))
    model = build_model("openai-main", provider(vendor), policy=policy)
    events, error = await collect_error(model, first_request())
    assert error.code == "stall_timeout"
    assert [e.text for e in events if isinstance(e, TextDelta)] == ["one ", "two "]
    assert len(vendor.requests) == 1


async def test_no_first_chunk_is_an_initial_response_timeout(vendor: FakeVendor) -> None:
    reply = openai_stream(["late"])
    vendor.queue(type(reply)(reply.frames, stall_at=0, stall_seconds=5))
    policy = CallPolicy(guards=GuardSettings(initial_timeout=0.3, stall_timeout=5))
    model = build_model("openai-main", provider(vendor), policy=policy)
    events, error = await collect_error(model, first_request())
    assert error.code == "initial_response_timeout"
    assert events == []


def test_missing_key_fails_at_build_naming_provider_and_variable(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.delenv("FAKE_OPENAI_KEY")
    config = ProviderConfig(type="openai", model="gpt-5", api_key_env="FAKE_OPENAI_KEY")
    with pytest.raises(LLMError) as caught:
        build_model("openai-main", config)
    assert caught.value.code == "credentials"
    assert "'openai-main'" in caught.value.message
    assert "FAKE_OPENAI_KEY" in caught.value.message


async def test_unreadable_frame_after_output_is_a_partial_stream_error(
    vendor: FakeVendor, sleeps: Sleeps
) -> None:
    frames = list(openai_stream(["fine ", "so far"]).frames)
    vendor.queue(Reply([*frames[:3], "data: {not json\n\n"]))
    model = build_model("openai-main", provider(vendor), policy=CallPolicy(sleep=sleeps))
    events, error = await collect_error(model, first_request())
    assert [e.text for e in events if isinstance(e, TextDelta)] == ["fine ", "so far"]
    assert error.code == "partial_stream_error"
    assert "could not be read" in error.message
    assert len(vendor.requests) == 1


async def test_connection_refused_is_retried_then_max_retries(sleeps: Sleeps) -> None:
    config = ProviderConfig(
        type="openai",
        model="gpt-5",
        api_key_env="FAKE_OPENAI_KEY",
        base_url="http://127.0.0.1:9/v1",
    )
    model = build_model("openai-main", config, policy=CallPolicy(sleep=sleeps))
    _, error = await collect_error(model, first_request())
    assert error.code == "max_retries"
    assert "could not be reached" in error.message
    assert len(sleeps.delays) == 2


async def test_compatible_server_sending_whole_calls_without_index(vendor: FakeVendor) -> None:
    whole = {
        "id": "chatcmpl-ollama",
        "object": "chat.completion.chunk",
        "created": 1763900000,
        "model": "qwen3:14b",
        "system_fingerprint": "fp_ollama",
        "choices": [
            {
                "index": 0,
                "delta": {
                    "role": "assistant",
                    "content": "",
                    "tool_calls": [
                        {
                            "id": "call_q1",
                            "type": "function",
                            "function": {
                                "name": "kubernetes-server__pods_list",
                                "arguments": '{"namespace":"prod"}',
                            },
                        }
                    ],
                },
                "finish_reason": None,
            }
        ],
    }
    frames = [f"data: {json.dumps(whole)}\n\n", "data: [DONE]\n\n"]
    vendor.queue(Reply(frames))
    config = ProviderConfig(type="openai", model="qwen3:14b", base_url=f"{vendor.url}/v1")
    events = await collect(build_model("ollama", config), first_request())
    calls = [e.call for e in events if isinstance(e, ToolCallEvent)]
    assert [(c.id, c.name, c.arguments) for c in calls] == [
        ("call_q1", "kubernetes-server.pods_list", '{"namespace":"prod"}')
    ]
    assert (
        "authorization" not in vendor.requests[0].headers
        or vendor.requests[0].headers["authorization"] == "Bearer unused"
    )
