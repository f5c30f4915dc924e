"""LLM layer overhead: microseconds our code adds per streamed chunk and per request.

Usage:
    python bench/llm_overhead.py [--chunks 400] [--requests 40]

For each vendor SDK (openai, anthropic, google-genai) an in-process fake (an ``httpx2``
``MockTransport`` answering with that vendor's SSE wire format) streams ``--chunks`` text deltas,
a tool call and usage. The same stream is read twice: by the bare SDK (iterating its typed
chunks, doing nothing) and by our full stack ``RetryingModel(GuardedModel(adapter))`` for a
10-message conversation with 20 tools, which also maps the request and normalises every event.
Per-request overhead is the difference at 1 chunk; per-chunk overhead is the slope of the
difference between 1 and ``--chunks`` chunks. Medians of ``--requests`` runs. A last line gives
the cost of the wrappers alone (guards, loop detection, retry, fallback) over an in-memory model.
The goal is at most 50 µs per chunk.
"""

from __future__ import annotations

import argparse
import asyncio
import functools
import json
import statistics
import time
from collections.abc import AsyncIterator, Awaitable, Callable
from typing import cast

import anthropic
import httpx2
import openai
from google import genai
from google.genai import types as gtypes
from openai.types.chat import ChatCompletionMessageParam, ChatCompletionToolParam

from tarsy.config import ProviderConfig
from tarsy.domain.messages import Message, ToolCall
from tarsy.domain.tools import ToolDef
from tarsy.llm.fallback import FallbackModel
from tarsy.llm.guards import GuardedModel
from tarsy.llm.model import Model
from tarsy.llm.providers.anthropic import AnthropicModel
from tarsy.llm.providers.google import GoogleModel
from tarsy.llm.providers.openai import OpenAIChatModel
from tarsy.llm.retry import RetryingModel
from tarsy.llm.types import ModelRequest, StreamEvent, TextDelta, Usage

WORDS = ["The", "pod", "api-7d9", "restarts", "because", "its", "config", "map", "is", "missing"]


def piece(i: int) -> str:
    """A chunk of about 10 characters; never periodic, so loop detection stays quiet."""
    return f"{WORDS[i % len(WORDS)]} #{i} "


def openai_body(chunks: int) -> bytes:
    def frame(delta: dict[str, object], finish: str | None = None, usage: object = None) -> str:
        choices = [] if usage else [{"index": 0, "delta": delta, "finish_reason": finish}]
        chunk = {
            "id": "c",
            "object": "chat.completion.chunk",
            "created": 1,
            "model": "gpt-5",
            "choices": choices,
            "usage": usage,
        }
        return f"data: {json.dumps(chunk)}\n\n"

    out = [frame({"role": "assistant", "content": ""})]
    out += [frame({"content": piece(i)}) for i in range(chunks)]
    call = {"index": 0, "id": "call_1", "type": "function"}
    out.append(frame({"tool_calls": [call | {"function": {"name": "k8s__pods", "arguments": ""}}]}))
    out.append(frame({"tool_calls": [{"index": 0, "function": {"arguments": '{"ns": "a"}'}}]}))
    out.append(frame({}, "tool_calls"))
    usage = {"prompt_tokens": 9, "completion_tokens": 9, "total_tokens": 18}
    out.append(frame({}, usage=usage))
    out.append("data: [DONE]\n\n")
    return "".join(out).encode()


def anthropic_body(chunks: int) -> bytes:
    def ev(name: str, data: dict[str, object]) -> str:
        return f"event: {name}\ndata: {json.dumps(data)}\n\n"

    usage = {"input_tokens": 9, "output_tokens": 1}
    message = {"id": "m", "type": "message", "role": "assistant", "model": "claude-haiku-4-5"}
    out = [
        ev(
            "message_start",
            {"type": "message_start", "message": message | {"content": [], "usage": usage}},
        )
    ]
    out.append(
        ev(
            "content_block_start",
            {
                "type": "content_block_start",
                "index": 0,
                "content_block": {"type": "text", "text": ""},
            },
        )
    )
    out += [
        ev(
            "content_block_delta",
            {
                "type": "content_block_delta",
                "index": 0,
                "delta": {"type": "text_delta", "text": piece(i)},
            },
        )
        for i in range(chunks)
    ]
    out.append(ev("content_block_stop", {"type": "content_block_stop", "index": 0}))
    tool = {"type": "tool_use", "id": "toolu_1", "name": "k8s__pods", "input": {}}
    out.append(
        ev(
            "content_block_start",
            {"type": "content_block_start", "index": 1, "content_block": tool},
        )
    )
    out.append(
        ev(
            "content_block_delta",
            {
                "type": "content_block_delta",
                "index": 1,
                "delta": {"type": "input_json_delta", "partial_json": '{"ns": "a"}'},
            },
        )
    )
    out.append(ev("content_block_stop", {"type": "content_block_stop", "index": 1}))
    out.append(
        ev(
            "message_delta",
            {
                "type": "message_delta",
                "delta": {"stop_reason": "tool_use"},
                "usage": {"output_tokens": 9},
            },
        )
    )
    out.append(ev("message_stop", {"type": "message_stop"}))
    return "".join(out).encode()


def google_body(chunks: int) -> bytes:
    def frame(part: dict[str, object], last: bool = False) -> str:
        candidate: dict[str, object] = {"content": {"parts": [part], "role": "model"}, "index": 0}
        if last:
            candidate["finishReason"] = "STOP"
        usage = {"promptTokenCount": 9, "candidatesTokenCount": 9, "totalTokenCount": 18}
        return f"data: {json.dumps({'candidates': [candidate], 'usageMetadata': usage})}\r\n\r\n"

    out = [frame({"text": piece(i)}) for i in range(chunks)]
    out.append(frame({"functionCall": {"name": "k8s__pods", "args": {"ns": "a"}}}, last=True))
    return "".join(out).encode()


def client_for(body: bytes) -> httpx2.AsyncClient:
    def handler(request: httpx2.Request) -> httpx2.Response:
        return httpx2.Response(200, headers={"content-type": "text/event-stream"}, content=body)

    return httpx2.AsyncClient(transport=httpx2.MockTransport(handler))


def request() -> ModelRequest:
    tools = tuple(
        ToolDef(
            f"k8s.tool_{i}", "A tool", {"type": "object", "properties": {"ns": {"type": "string"}}}
        )
        for i in range(20)
    )
    call = ToolCall("call_0", "k8s.tool_1", '{"ns": "prod"}')
    messages = [Message.system("You are an SRE."), Message.user("Investigate the alert.")]
    for _ in range(2):
        messages += [Message.assistant("Checking.", (call,)), Message.tool(call, "ok " * 200)]
    messages += [Message.user("continue")] * 4
    return ModelRequest(messages=tuple(messages), tools=tools)


Raw = Callable[[], Awaitable[int]]


def raw_openai(http: httpx2.AsyncClient, req: ModelRequest) -> Raw:
    """The bare SDK call with the same (pre-mapped) messages and tools as ours."""
    from tarsy.llm.providers.openai import _message, _tool
    from tarsy.llm.toolnames import ToolNameMap

    names = ToolNameMap(t.name for t in req.tools)
    messages = [_message(m, names) for m in req.messages]
    tools = [_tool(t, names) for t in req.tools]
    client = openai.AsyncOpenAI(
        api_key="k", base_url="http://fake/v1", http_client=http, max_retries=0
    )

    async def call() -> int:
        stream = await client.chat.completions.create(
            model="gpt-5",
            messages=cast("list[ChatCompletionMessageParam]", messages),
            tools=cast("list[ChatCompletionToolParam]", tools),
            stream=True,
            stream_options={"include_usage": True},
        )
        return sum([1 async for _ in stream])

    return call


def raw_anthropic(http: httpx2.AsyncClient, req: ModelRequest) -> Raw:
    from tarsy.llm.toolnames import ToolNameMap

    config = ProviderConfig(type="anthropic", model="claude-haiku-4-5", base_url="http://fake")
    mapper = AnthropicModel("p", config, api_key="k", credential_env=None)
    kwargs = mapper.build_request(req, ToolNameMap(t.name for t in req.tools))
    client = anthropic.AsyncAnthropic(
        api_key="k", base_url="http://fake", http_client=http, max_retries=0
    )

    async def call() -> int:
        stream = await client.messages.create(**kwargs, stream=True)  # type: ignore[call-overload]
        return sum([1 async for _ in stream])

    return call


def raw_google(http: httpx2.AsyncClient, req: ModelRequest) -> Raw:
    from tarsy.llm.toolnames import ToolNameMap

    config = ProviderConfig(type="google", model="gemini-2.5-flash", base_url="http://fake")
    mapper = GoogleModel("p", config, api_key="k", credential_env=None)
    names = ToolNameMap(t.name for t in req.tools)
    contents, settings = mapper.build_contents(req, names), mapper.build_config(req, names)
    options = gtypes.HttpOptions(
        base_url="http://fake",
        httpx_async_client=http,
        retry_options=gtypes.HttpRetryOptions(attempts=1),
    )
    client = genai.Client(api_key="k", http_options=options)

    async def call() -> int:
        stream = await client.aio.models.generate_content_stream(
            model="gemini-2.5-flash", contents=contents, config=settings
        )
        return sum([1 async for _ in stream])

    return call


def ours(kind: str, http: httpx2.AsyncClient) -> Model:
    if kind == "openai":
        config = ProviderConfig(type="openai", model="gpt-5", base_url="http://fake/v1")
        adapter: Model = OpenAIChatModel(
            "p", config, api_key="k", credential_env=None, http_client=http
        )
    elif kind == "anthropic":
        config = ProviderConfig(type="anthropic", model="claude-haiku-4-5", base_url="http://fake")
        adapter = AnthropicModel("p", config, api_key="k", credential_env=None, http_client=http)
    else:
        config = ProviderConfig(type="google", model="gemini-2.5-flash", base_url="http://fake")
        adapter = GoogleModel("p", config, api_key="k", credential_env=None, http_client=http)
    return RetryingModel(GuardedModel(adapter))


async def timed(call: Callable[[], Awaitable[object]], runs: int) -> float:
    samples = []
    for _ in range(runs):
        started = time.perf_counter()
        await call()
        samples.append(time.perf_counter() - started)
    return statistics.median(samples) * 1e6


async def drain(model: Model, req: ModelRequest) -> int:
    return sum([1 async for _ in model.stream(req)])


async def vendor_overhead(
    kind: str,
    raw_for: Callable[[httpx2.AsyncClient, ModelRequest], Raw],
    body: Callable[[int], bytes],
    chunks: int,
    runs: int,
) -> None:
    req = request()
    results = {}
    for n in (1, chunks):
        http = client_for(body(n))
        model = ours(kind, http)
        raw = raw_for(http, req)
        await drain(model, req)
        await raw()
        mine = await timed(functools.partial(drain, model, req), runs)
        bare = await timed(raw, runs)
        results[n] = (mine, bare)
    per_request = results[1][0] - results[1][1]
    slope = ((results[chunks][0] - results[chunks][1]) - per_request) / (chunks - 1)
    sdk_per_chunk = (results[chunks][1] - results[1][1]) / (chunks - 1)
    print(
        f"{kind:<10} per request +{per_request:8.1f} µs   per chunk +{slope:6.2f} µs "
        f"(SDK alone {sdk_per_chunk:6.2f} µs/chunk)"
    )


class Memory:
    """An in-memory model yielding ``n`` text deltas and usage."""

    def __init__(self, n: int) -> None:
        self.events: list[StreamEvent] = [TextDelta(piece(i)) for i in range(n)]
        self.events.append(Usage(1, 1))

    @property
    def provider_name(self) -> str:
        return "memory"

    @property
    def model_name(self) -> str:
        return "m"

    async def stream(self, request: ModelRequest) -> AsyncIterator[StreamEvent]:
        for event in self.events:
            yield event


async def wrapper_overhead(chunks: int, runs: int) -> None:
    req = request()
    inner = Memory(chunks)
    stacked = FallbackModel([RetryingModel(GuardedModel(inner))])
    bare = await timed(lambda: drain(inner, req), runs)
    wrapped = await timed(lambda: drain(stacked, req), runs)
    print(
        f"{'wrappers':<10} guards+loop detection+retry+fallback: "
        f"+{(wrapped - bare) / chunks:6.2f} µs per chunk"
    )


async def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--chunks", type=int, default=400)
    parser.add_argument("--requests", type=int, default=40)
    args = parser.parse_args()
    print(f"{args.chunks} chunks per stream, median of {args.requests} requests")
    await vendor_overhead("openai", raw_openai, openai_body, args.chunks, args.requests)
    await vendor_overhead("anthropic", raw_anthropic, anthropic_body, args.chunks, args.requests)
    await vendor_overhead("google", raw_google, google_body, args.chunks, args.requests)
    await wrapper_overhead(args.chunks * 10, args.requests)


if __name__ == "__main__":
    asyncio.run(main())
