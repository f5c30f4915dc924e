"""OpenAI Chat Completions streaming adapter; also xAI and OpenAI-compatible servers.

One adapter serves OpenAI, xAI (``https://api.x.ai/v1``), Azure OpenAI's v1 API and any
OpenAI-compatible server (Ollama, vLLM, LM Studio) reached through ``base_url``. Tool names go
out as ``server__tool`` and come back canonical. Tool-call arguments arrive as fragments keyed by
index and are emitted once the stream ends. Reasoning text that compatible servers and xAI send
as ``reasoning_content``/``reasoning`` becomes thinking deltas (Chat Completions returns no
reasoning summaries for OpenAI's own models). The SDK's retries are off: ``RetryingModel`` decides.
"""

from __future__ import annotations

import re
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from typing import Any

import httpx2
import openai

from tarsy.config import ProviderConfig
from tarsy.domain.messages import Message, ToolCall
from tarsy.domain.statuses import MessageRole
from tarsy.domain.tools import ToolDef
from tarsy.llm.errors import LLMError
from tarsy.llm.providers.failures import (
    MALFORMED_RESPONSE,
    TRANSPORT_ERRORS,
    ProviderLabel,
    checked_arguments,
    malformed_response,
    status_error,
    stream_error,
    transport_error,
)
from tarsy.llm.toolnames import ToolNameMap
from tarsy.llm.types import (
    ModelRequest,
    StreamEvent,
    TextDelta,
    ThinkingDelta,
    ToolCallEvent,
    Usage,
)

XAI_BASE_URL = "https://api.x.ai/v1"
_REASONING_FAMILY = re.compile(r"^(?:[\w-]+/)?(?:o\d|gpt-5|gpt-oss)", re.IGNORECASE)
_REASONING_KEYS = ("reasoning_content", "reasoning")


def reasoning_effort(config: ProviderConfig) -> str | None:
    """The ``reasoning_effort`` to send: the thinking block's, else ``high`` for reasoning models.

    xAI and other servers get one only when the thinking block states it, since their models
    differ in what they accept.
    """
    thinking = config.thinking
    if thinking is not None and thinking.enabled is False:
        return None
    if thinking is not None and thinking.effort is not None:
        return thinking.effort
    if config.type == "openai" and _REASONING_FAMILY.match(config.model):
        return "high"
    return None


@dataclass(slots=True)
class _PendingCall:
    id: str = ""
    name: str = ""
    arguments: list[str] = field(default_factory=list)


class OpenAIChatModel:
    """Implements ``Model`` over ``/chat/completions`` with ``stream=True``."""

    def __init__(
        self,
        provider_name: str,
        config: ProviderConfig,
        *,
        api_key: str,
        credential_env: str | None,
        http_client: httpx2.AsyncClient | None = None,
    ) -> None:
        base_url = config.base_url or (XAI_BASE_URL if config.type == "xai" else None)
        self._client = openai.AsyncOpenAI(
            api_key=api_key or "unused",
            base_url=base_url,
            max_retries=0,
            http_client=http_client,
        )
        vendor = "xAI" if config.type == "xai" else "OpenAI-compatible" if base_url else "OpenAI"
        self._label = ProviderLabel(provider_name, vendor, credential_env)
        self._provider_name = provider_name
        self._model = config.model
        self._effort = reasoning_effort(config)

    @property
    def provider_name(self) -> str:
        return self._provider_name

    @property
    def model_name(self) -> str:
        return self._model

    async def stream(self, request: ModelRequest) -> AsyncIterator[StreamEvent]:
        names = ToolNameMap(t.name for t in request.tools)
        messages = [_message(m, names) for m in request.messages]
        tools = [_tool(t, names) for t in request.tools]
        body: dict[str, object] = {
            "model": self._model,
            "messages": messages,
            "stream": True,
            "stream_options": {"include_usage": True},
        }
        if tools:
            body["tools"] = tools
        if self._effort is not None:
            body["reasoning_effort"] = self._effort
        try:
            # ``post`` is what ``chat.completions.create`` ends in, minus re-walking a body that
            # is wire-shaped already (about a millisecond per call).
            chunks = await self._client.post(
                "/chat/completions",
                body=body,
                cast_to=object,
                options={"security": {"bearer_auth": True}},
                stream=True,
                # chunks as decoded JSON: building a model per chunk cost more than reading it
                stream_cls=openai.AsyncStream[object],
            )
        except openai.APIStatusError as exc:
            raise status_error(
                self._label, exc.status_code, _detail(exc), exc.response.headers
            ) from None
        except (openai.APIConnectionError, *TRANSPORT_ERRORS) as exc:
            raise transport_error(self._label, exc) from None
        pending: dict[int, _PendingCall] = {}
        usage: Usage | None = None
        try:
            async for data in chunks:
                chunk = _fields(data, "a stream chunk")
                for event in _chunk_events(chunk, pending):
                    yield event
                counts = chunk.get("usage")
                if counts is not None:
                    counts = _fields(counts, "usage")
                    details = _fields(counts.get("completion_tokens_details"), "token details")
                    usage = Usage(
                        int(counts.get("prompt_tokens") or 0),
                        int(counts.get("completion_tokens") or 0),
                        int(details.get("reasoning_tokens") or 0),
                    )
        except openai.APIStatusError as exc:
            raise status_error(self._label, exc.status_code, _detail(exc)) from None
        except openai.APIError as exc:
            raise stream_error(self._label, exc.type or "an error", _detail(exc)) from None
        except TRANSPORT_ERRORS as exc:
            raise transport_error(self._label, exc) from None
        except MALFORMED_RESPONSE as exc:
            raise malformed_response(self._label, exc) from None
        finally:
            await chunks.close()
        for index in sorted(pending):
            call = pending[index]
            name = names.canonical(call.name)
            arguments = checked_arguments(self._label, name, "".join(call.arguments))
            yield ToolCallEvent(ToolCall(call.id or f"call_{index}", name, arguments))
        if usage is not None:
            yield usage


def _chunk_events(chunk: dict[str, Any], pending: dict[int, _PendingCall]) -> list[StreamEvent]:
    events: list[StreamEvent] = []
    for choice in _items(chunk.get("choices"), "choices"):
        delta = _fields(_fields(choice, "a choice").get("delta"), "a delta")
        for key in _REASONING_KEYS:
            reasoning = delta.get(key)
            if isinstance(reasoning, str) and reasoning:
                events.append(ThinkingDelta(reasoning))
                break
        content = delta.get("content")
        if isinstance(content, str) and content:
            events.append(TextDelta(content))
        for item in _items(delta.get("tool_calls"), "tool_calls"):
            fragment = _fields(item, "a tool call")
            # some compatible servers omit ``index`` and send each call whole
            index = fragment.get("index")
            call = pending.setdefault(len(pending) if index is None else int(index), _PendingCall())
            if fragment.get("id"):
                call.id = str(fragment["id"])
            function = _fields(fragment.get("function"), "a tool call's function")
            if function.get("name"):
                call.name += str(function["name"])
            if function.get("arguments"):
                call.arguments.append(str(function["arguments"]))
    return events


def _fields(value: object, what: str) -> dict[str, Any]:
    """``value`` as a JSON object ({} for null); a TypeError (a malformed response) if not."""
    if value is None:
        return {}
    if not isinstance(value, dict):
        raise TypeError(f"{what} is a JSON {type(value).__name__}, not an object")
    return value


def _items(value: object, what: str) -> list[Any]:
    if value is None:
        return []
    if not isinstance(value, list):
        raise TypeError(f"{what} is a JSON {type(value).__name__}, not an array")
    return value


def _detail(exc: openai.APIError) -> str:
    body = exc.body
    if isinstance(body, dict):
        error = body.get("error", body)
        if isinstance(error, dict) and isinstance(error.get("message"), str):
            return str(error["message"])
    return exc.message


def _message(message: Message, names: ToolNameMap) -> dict[str, object]:
    match message.role:
        case MessageRole.SYSTEM:
            return {"role": "system", "content": message.content}
        case MessageRole.USER:
            return {"role": "user", "content": message.content}
        case MessageRole.TOOL:
            return {
                "role": "tool",
                "tool_call_id": message.tool_call_id or "",
                "content": message.content,
            }
        case MessageRole.ASSISTANT:
            content = message.content or (None if message.tool_calls else "")
            out: dict[str, object] = {"role": "assistant", "content": content}
            if message.tool_calls:
                out["tool_calls"] = [
                    {
                        "id": call.id,
                        "type": "function",
                        "function": {
                            "name": names.wire(call.name),
                            "arguments": call.arguments or "{}",
                        },
                    }
                    for call in message.tool_calls
                ]
            return out
    raise LLMError(f"unsupported message role {message.role!r}", code="invalid_request")


def _tool(tool: ToolDef, names: ToolNameMap) -> dict[str, object]:
    parameters = dict(tool.parameters) or {"type": "object", "properties": {}}
    return {
        "type": "function",
        "function": {
            "name": names.wire(tool.name),
            "description": tool.description,
            "parameters": parameters,
        },
    }
