"""Anthropic Messages API streaming adapter (Claude direct, and Claude on Vertex AI).

Requests: system messages become ``system``; tool results become ``tool_result`` blocks in a
user turn; consecutive turns of one role are merged; tool names go out as ``server__tool``.
Thinking follows SPEC §2.8 (adaptive thinking for Claude 4.6 and later, a fixed budget for 3.7
to 4.5) unless the provider's ``thinking:`` block says otherwise. Signed thinking blocks of a
tool-using turn are kept in a ``ReplayCache`` and sent back with the tool results, as the API
requires; when they are missing (e.g. after a fallback from another vendor) thinking is switched
off for that request instead of failing it.
"""

from __future__ import annotations

import json
import re
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from typing import cast

import anthropic
import httpx2
from anthropic.types import MessageParam, RawMessageStreamEvent, ThinkingConfigParam, ToolParam
from google.auth.exceptions import GoogleAuthError

from tarsy.config import ProviderConfig
from tarsy.domain.messages import Message, ToolCall
from tarsy.domain.statuses import MessageRole
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
from tarsy.llm.providers.gcp import auth_error, vertex_settings
from tarsy.llm.replay import ReplayCache
from tarsy.llm.toolnames import ToolNameMap
from tarsy.llm.types import (
    ModelRequest,
    StreamEvent,
    TextDelta,
    ThinkingDelta,
    ToolCallEvent,
    Usage,
)

FIXED_BUDGET = 10_000
_VERSION = re.compile(r"claude-(?:(?:opus|sonnet|haiku)-)?(\d+)(?:[-.](\d)(?!\d))?")
Block = dict[str, object]


def claude_version(model: str) -> float:
    """``4.5`` for ``claude-sonnet-4-5-20250929``, ``3.7`` for ``claude-3-7-sonnet``, else 0."""
    found = _VERSION.search(model)
    if found is None:
        return 0.0
    return int(found.group(1)) + int(found.group(2) or 0) / 10


def thinking_setting(config: ProviderConfig) -> tuple[Block | None, str | None]:
    """The ``thinking`` parameter and ``output_config.effort`` for this provider's model."""
    version = claude_version(config.model)
    wanted = config.thinking
    if wanted is not None and wanted.enabled is False:
        return None, None
    effort = wanted.effort if wanted is not None else None
    if wanted is not None and wanted.budget_tokens is not None:
        return {"type": "enabled", "budget_tokens": max(1024, wanted.budget_tokens)}, effort
    if version >= 4.6:
        return {"type": "adaptive", "display": "summarized"}, effort
    if version >= 3.7 or (wanted is not None and wanted.enabled):
        return {"type": "enabled", "budget_tokens": FIXED_BUDGET}, effort
    return None, effort


def max_tokens_for(config: ProviderConfig, thinking: Block | None) -> int:
    version = claude_version(config.model)
    limit = 4096 if 0 < version < 3.5 else 8192 if 0 < version < 3.7 else 32_000
    budget = thinking.get("budget_tokens") if thinking else None
    return max(limit, budget + 8192) if isinstance(budget, int) else limit


@dataclass(slots=True)
class _Turn:
    """What one streamed response has assembled so far, per content block index."""

    kinds: dict[int, str] = field(default_factory=dict)
    blocks: dict[int, Block] = field(default_factory=dict)
    calls: dict[int, tuple[str, str]] = field(default_factory=dict)
    arguments: dict[int, list[str]] = field(default_factory=dict)
    input_tokens: int = 0
    output_tokens: int = 0


class AnthropicModel:
    """Implements ``Model`` over ``/v1/messages`` with ``stream=true``."""

    def __init__(
        self,
        provider_name: str,
        config: ProviderConfig,
        *,
        api_key: str,
        credential_env: str | None,
        http_client: httpx2.AsyncClient | None = None,
        replay: ReplayCache[list[Block]] | None = None,
    ) -> None:
        self._client: anthropic.AsyncAnthropic | anthropic.AsyncAnthropicVertex
        if config.type == "vertexai":
            vertex = vertex_settings(provider_name, config)
            self._client = anthropic.AsyncAnthropicVertex(
                region=vertex.location,
                project_id=vertex.project,
                credentials=vertex.credentials,
                base_url=config.base_url,
                max_retries=0,
                http_client=http_client,
            )
            vendor = "Anthropic on Vertex AI"
        else:
            self._client = anthropic.AsyncAnthropic(
                api_key=api_key,
                base_url=config.base_url,
                max_retries=0,
                http_client=http_client,
            )
            vendor = "Anthropic"
        self._label = ProviderLabel(provider_name, vendor, credential_env)
        self._provider_name = provider_name
        self._config = config
        self._model = config.model
        self._thinking, self._effort = thinking_setting(config)
        self._max_tokens = max_tokens_for(config, self._thinking)
        self._replay: ReplayCache[list[Block]] = replay or ReplayCache()

    @property
    def provider_name(self) -> str:
        return self._provider_name

    @property
    def model_name(self) -> str:
        return self._model

    def build_request(self, request: ModelRequest, names: ToolNameMap) -> dict[str, object]:
        """The keyword arguments of ``messages.create`` for ``request``."""
        system = "\n\n".join(m.content for m in request.messages if m.role is MessageRole.SYSTEM)
        messages, replayed = self._messages(request.messages, names)
        kwargs: dict[str, object] = {
            "model": self._model,
            "max_tokens": self._max_tokens,
            "messages": messages,
        }
        if system:
            kwargs["system"] = system
        if request.tools:
            kwargs["tools"] = [
                {
                    "name": names.wire(t.name),
                    "description": t.description,
                    "input_schema": dict(t.parameters) or {"type": "object", "properties": {}},
                }
                for t in request.tools
            ]
        if self._thinking is not None and replayed:
            kwargs["thinking"] = self._thinking
        if self._effort is not None:
            kwargs["output_config"] = {"effort": self._effort}
        return kwargs

    def _messages(
        self, messages: tuple[Message, ...], names: ToolNameMap
    ) -> tuple[list[Block], bool]:
        """Vendor messages, and whether the last tool-using turn's thinking could be replayed."""
        out: list[Block] = []
        replayed = True
        for message in messages:
            role = "assistant" if message.role is MessageRole.ASSISTANT else "user"
            blocks: list[Block]
            match message.role:
                case MessageRole.SYSTEM:
                    continue
                case MessageRole.USER:
                    blocks = [{"type": "text", "text": message.content}]
                case MessageRole.TOOL:
                    blocks = [
                        {
                            "type": "tool_result",
                            "tool_use_id": message.tool_call_id or "",
                            "content": message.content,
                        }
                    ]
                case MessageRole.ASSISTANT:
                    blocks, replayed = self._assistant_blocks(message, names)
            if out and out[-1]["role"] == role:
                cast("list[Block]", out[-1]["content"]).extend(blocks)
            else:
                out.append({"role": role, "content": blocks})
        return out, replayed

    def _assistant_blocks(self, message: Message, names: ToolNameMap) -> tuple[list[Block], bool]:
        blocks: list[Block] = []
        thinking = self._replay.get(message.tool_calls[0].id) if message.tool_calls else None
        blocks.extend(thinking or ())
        if message.content:
            blocks.append({"type": "text", "text": message.content})
        for call in message.tool_calls:
            blocks.append(
                {
                    "type": "tool_use",
                    "id": call.id,
                    "name": names.wire(call.name),
                    "input": _arguments_object(call.arguments),
                }
            )
        return blocks, not message.tool_calls or thinking is not None

    async def stream(self, request: ModelRequest) -> AsyncIterator[StreamEvent]:
        names = ToolNameMap(t.name for t in request.tools)
        kwargs = self.build_request(request, names)
        try:
            events = await self._client.messages.create(
                model=self._model,
                max_tokens=self._max_tokens,
                messages=cast("list[MessageParam]", kwargs["messages"]),
                system=cast("str", kwargs.get("system", anthropic.omit)),
                tools=cast("list[ToolParam]", kwargs.get("tools", anthropic.omit)),
                thinking=cast("ThinkingConfigParam", kwargs.get("thinking", anthropic.omit)),
                output_config=cast(
                    "anthropic.types.OutputConfigParam", kwargs.get("output_config", anthropic.omit)
                ),
                stream=True,
            )
        except anthropic.APIStatusError as exc:
            raise status_error(
                self._label, exc.status_code, _detail(exc), exc.response.headers
            ) from None
        except (anthropic.APIConnectionError, *TRANSPORT_ERRORS) as exc:
            raise transport_error(self._label, exc) from None
        except GoogleAuthError as exc:
            raise auth_error(self._provider_name, self._config, exc) from None
        turn = _Turn()
        try:
            async for event in events:
                for out in self._on_event(event, turn, names):
                    yield out
        except anthropic.APIStatusError as exc:
            if exc.status_code < 400:
                raise stream_error(self._label, str(exc.type or "error"), _detail(exc)) from None
            raise status_error(self._label, exc.status_code, _detail(exc)) from None
        except (anthropic.APIConnectionError, *TRANSPORT_ERRORS) as exc:
            raise transport_error(self._label, exc) from None
        except MALFORMED_RESPONSE as exc:
            raise malformed_response(self._label, exc) from None
        finally:
            await events.close()
        calls: list[ToolCall] = []
        for index in sorted(turn.calls):
            call_id, wire = turn.calls[index]
            name = names.canonical(wire)
            raw = "".join(turn.arguments.get(index, ()))
            calls.append(ToolCall(call_id, name, checked_arguments(self._label, name, raw)))
        if calls and turn.blocks:
            self._replay.put(calls[0].id, [turn.blocks[i] for i in sorted(turn.blocks)])
        for call in calls:
            yield ToolCallEvent(call)
        yield Usage(turn.input_tokens, turn.output_tokens)

    def _on_event(
        self, event: RawMessageStreamEvent, turn: _Turn, names: ToolNameMap
    ) -> list[StreamEvent]:
        match event.type:
            case "content_block_delta":
                delta = event.delta
                match delta.type:
                    case "text_delta":
                        return [TextDelta(delta.text)] if delta.text else []
                    case "thinking_delta":
                        block = turn.blocks.get(event.index)
                        if block is not None:
                            block["thinking"] = str(block.get("thinking", "")) + delta.thinking
                        return [ThinkingDelta(delta.thinking)] if delta.thinking else []
                    case "signature_delta":
                        block = turn.blocks.get(event.index)
                        if block is not None:
                            block["signature"] = delta.signature
                    case "input_json_delta":
                        turn.arguments.setdefault(event.index, []).append(delta.partial_json)
                    case _:
                        pass
            case "content_block_start":
                content = event.content_block
                match content.type:
                    case "tool_use":
                        turn.calls[event.index] = (content.id, content.name)
                    case "thinking":
                        turn.blocks[event.index] = {
                            "type": "thinking",
                            "thinking": content.thinking,
                            "signature": content.signature,
                        }
                    case "redacted_thinking":
                        turn.blocks[event.index] = {
                            "type": "redacted_thinking",
                            "data": content.data,
                        }
                    case "text" if content.text:
                        return [TextDelta(content.text)]
                    case _:
                        pass
            case "message_start":
                usage = event.message.usage
                turn.input_tokens = (
                    usage.input_tokens
                    + (usage.cache_read_input_tokens or 0)
                    + (usage.cache_creation_input_tokens or 0)
                )
                turn.output_tokens = usage.output_tokens
            case "message_delta":
                turn.output_tokens = event.usage.output_tokens
            case _:
                pass
        return []


def _arguments_object(arguments: str) -> object:
    try:
        value = json.loads(arguments or "{}")
    except json.JSONDecodeError:
        return {"arguments": arguments}
    return value if isinstance(value, dict) else {"arguments": value}


def _detail(exc: anthropic.APIStatusError) -> str:
    body = exc.body
    if isinstance(body, dict):
        error = body.get("error", body)
        if isinstance(error, dict) and isinstance(error.get("message"), str):
            return str(error["message"])
    return exc.message
