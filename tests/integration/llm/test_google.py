"""The Google adapter through the real ``google-genai`` SDK against a fake Gemini API."""

from __future__ import annotations

import json

import pytest

from tarsy.config import ProviderConfig
from tarsy.domain.messages import ToolCall
from tarsy.llm.factory import CallPolicy, build_model
from tarsy.llm.types import TextDelta, ThinkingDelta, ToolCallEvent, Usage
from tests.integration.llm.conftest import Sleeps
from tests.integration.llm.fake_server import FakeVendor
from tests.integration.llm.requests import collect, collect_error, first_request, follow_up_request
from tests.integration.llm.wire import gemini_error, gemini_malformed_call, gemini_stream


def camel(value: object) -> object:
    """Request JSON with keys in lowerCamelCase: the API (proto JSON) accepts either spelling and
    this SDK version sends some fields snake_case."""
    if isinstance(value, dict):
        return {_camel_key(k): camel(v) for k, v in value.items()}
    if isinstance(value, list):
        return [camel(v) for v in value]
    return value


def _camel_key(key: str) -> str:
    head, *rest = key.split("_")
    return head + "".join(word.title() for word in rest)


def provider(
    vendor: FakeVendor, model: str = "gemini-2.5-flash", **extra: object
) -> ProviderConfig:
    return ProviderConfig.model_validate(
        {
            "type": "google",
            "model": model,
            "api_key_env": "FAKE_GEMINI_KEY",
            "base_url": vendor.url,
            **extra,
        }
    )


@pytest.fixture(autouse=True)
def api_key(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("FAKE_GEMINI_KEY", "AIza-test")


async def test_streams_thoughts_text_calls_and_usage_then_replays_signatures(
    vendor: FakeVendor,
) -> None:
    vendor.queue(
        gemini_stream(
            ["Checking ", "the pods."],
            thoughts=["**Inspecting** the crash loop."],
            calls=[("kubernetes-server__pods_list", {"namespace": "prod"}, "CiQBsig0")],
            usage=(300, 50, 120),
        ),
        gemini_stream(["Root cause found."]),
    )
    model = build_model("gemini", provider(vendor))
    events = await collect(model, first_request())
    assert [e.text for e in events if isinstance(e, ThinkingDelta)] == [
        "**Inspecting** the crash loop."
    ]
    assert "".join(e.text for e in events if isinstance(e, TextDelta)) == "Checking the pods."
    calls = [e.call for e in events if isinstance(e, ToolCallEvent)]
    assert [c.name for c in calls] == ["kubernetes-server.pods_list"]
    assert json.loads(calls[0].arguments) == {"namespace": "prod"}
    assert events[-1] == Usage(300, 170, 120)

    first = vendor.requests[0]
    body = camel(first.body)
    assert isinstance(body, dict)
    # this SDK version defaults to the v1 API
    assert first.path == "/v1/models/gemini-2.5-flash:streamGenerateContent"
    assert first.headers["x-goog-api-key"] == "AIza-test"
    assert body["systemInstruction"]["parts"] == [{"text": "You are an SRE."}]
    config = body["generationConfig"]
    assert config["thinkingConfig"] == {"includeThoughts": True, "thinkingBudget": 24576}
    declarations = body["tools"][0]["functionDeclarations"]
    assert [d["name"] for d in declarations] == [
        "kubernetes-server__pods_list",
        "kubernetes-server__pods_log",
    ]
    assert declarations[0]["parametersJsonSchema"]["required"] == ["namespace"]

    await collect(model, follow_up_request(calls[0]))
    contents = camel(vendor.requests[1].body["contents"])
    assert isinstance(contents, list)
    assert contents[1] == {
        "role": "model",
        "parts": [
            {"text": "Checking pods."},
            {
                "functionCall": {
                    "name": "kubernetes-server__pods_list",
                    "args": {"namespace": "prod"},
                },
                "thoughtSignature": "CiQBsig0",
            },
        ],
    }
    assert contents[2] == {
        "role": "user",
        "parts": [
            {
                "functionResponse": {
                    "name": "kubernetes-server__pods_list",
                    "response": {"result": "api-7d9 CrashLoopBackOff"},
                }
            }
        ],
    }


async def test_gemini_3_uses_high_level_and_placeholder_signature(vendor: FakeVendor) -> None:
    vendor.queue(gemini_stream(["ok"], model="gemini-3-pro-preview"))
    model = build_model("g3", provider(vendor, "gemini-3-pro-preview"))
    await collect(model, follow_up_request(ToolCall("call_from_claude", "x.y", "{}")))
    body = camel(vendor.requests[0].body)
    assert isinstance(body, dict)
    assert body["generationConfig"]["thinkingConfig"] == {
        "includeThoughts": True,
        "thinkingLevel": "HIGH",
    }
    call_part = body["contents"][1]["parts"][1]
    assert call_part["thoughtSignature"] == "skip_thought_signature_validator"


async def test_native_tools_are_bound_only_without_function_tools(vendor: FakeVendor) -> None:
    vendor.queue(gemini_stream(["a"]), gemini_stream(["b"]))
    config = provider(vendor, native_tools={"google_search": True, "url_context": True})
    model = build_model("g", config)
    await collect(model, first_request())
    request = first_request()
    await collect(model, type(request)(messages=request.messages))
    assert "googleSearch" not in json.dumps(vendor.requests[0].body["tools"])
    assert camel(vendor.requests[1].body["tools"]) == [{"googleSearch": {}}, {"urlContext": {}}]


async def test_malformed_function_call_is_a_recoverable_error(vendor: FakeVendor) -> None:
    vendor.queue(gemini_malformed_call())
    model = build_model("gemini", provider(vendor))
    _, error = await collect_error(model, first_request())
    assert error.code == "partial_stream_error"
    assert "malformed function call" in error.message


async def test_invalid_api_key_is_a_credentials_error(vendor: FakeVendor) -> None:
    vendor.queue(
        gemini_error(
            400,
            "API key not valid. Please pass a valid API key.",
            "INVALID_ARGUMENT",
            reason="API_KEY_INVALID",
        )
    )
    model = build_model("gemini", provider(vendor))
    _, error = await collect_error(model, first_request())
    assert error.code == "credentials"
    assert "FAKE_GEMINI_KEY" in error.message


async def test_unavailable_then_success_is_retried(vendor: FakeVendor, sleeps: Sleeps) -> None:
    vendor.queue(
        gemini_error(503, "The model is overloaded. Please try again later.", "UNAVAILABLE"),
        gemini_error(
            429, "Resource has been exhausted.", "RESOURCE_EXHAUSTED", headers={"retry-after": "2"}
        ),
        gemini_stream(["back"]),
    )
    model = build_model("gemini", provider(vendor), policy=CallPolicy(sleep=sleeps))
    events = await collect(model, first_request())
    assert [e.text for e in events if isinstance(e, TextDelta)] == ["back"]
    assert len(sleeps.delays) == 2
    assert 2.0 <= sleeps.delays[1] <= 2.5  # Retry-After, plus jitter


async def test_native_tool_output_is_reported_in_usage_details(vendor: FakeVendor) -> None:
    vendor.queue(
        gemini_stream(
            ["Per the docs, "],
            extra_parts=[
                {"executableCode": {"language": "PYTHON", "code": "print(2 + 2)"}},
                {"codeExecutionResult": {"outcome": "OUTCOME_OK", "output": "4\n"}},
                {"text": "the answer is 4."},
            ],
            grounding={
                "webSearchQueries": ["kubernetes crashloopbackoff"],
                "groundingChunks": [
                    {"web": {"uri": "https://kubernetes.io/docs/x", "title": "kubernetes.io"}}
                ],
                "groundingSupports": [],
            },
        )
    )
    config = provider(vendor, "gemini-3-flash", native_tools={"code_execution": True})
    events = await collect(build_model("g", config), first_request())
    assert "".join(e.text for e in events if isinstance(e, TextDelta)) == (
        "Per the docs, the answer is 4."
    )
    usage = events[-1]
    assert isinstance(usage, Usage)
    assert json.loads(usage.provider_details["google.code_execution"]) == [
        {"code": "print(2 + 2)"},
        {"result": "4\n"},
    ]
    assert json.loads(usage.provider_details["google.grounding"]) == {
        "web_search_queries": ["kubernetes crashloopbackoff"],
        "sources": [{"uri": "https://kubernetes.io/docs/x", "title": "kubernetes.io"}],
    }
