"""Google GenAI streaming adapter (``streamGenerateContent``) for the Gemini API and Vertex AI.

Requests: system messages become ``system_instruction``; assistant tool calls become
``function_call`` parts and tool results ``function_response`` parts; tool names go out as
``server__tool``. Gemini returns call arguments as objects, so they are re-serialised; a
``MALFORMED_FUNCTION_CALL`` finish becomes a recoverable ``partial_stream_error``. Thinking
follows SPEC §2.8 (fixed budgets for Gemini 2.5, level ``high`` for Gemini 3 and later, thoughts
returned) unless the provider's ``thinking:`` block says otherwise. Thought signatures are kept
per tool call in a ``ReplayCache`` and sent back, as Gemini 3 requires; a call without one (e.g.
after a fallback from another vendor) is sent with Google's documented placeholder signature.
Native tools (google_search, url_context, code_execution) are bound only when no function tools
are, as the Gemini API allows.
"""

from __future__ import annotations

import base64
import json
import re
import uuid
from collections.abc import AsyncIterator
from dataclasses import dataclass, field

import httpx2
from google import genai
from google.auth.exceptions import GoogleAuthError
from google.genai import errors, types

from tarsy.config import ProviderConfig
from tarsy.domain.messages import Message, ToolCall
from tarsy.domain.statuses import MessageRole
from tarsy.llm.errors import LLMError
from tarsy.llm.providers.failures import (
    MALFORMED_RESPONSE,
    TRANSPORT_ERRORS,
    ProviderLabel,
    malformed_response,
    status_error,
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

PRO_BUDGET = 32_768
FLASH_BUDGET = 24_576
PLACEHOLDER_SIGNATURE = base64.urlsafe_b64decode("skip_thought_signature_validator")
_VERSION = re.compile(r"gemini-(\d+)(?:\.(\d+))?")
_BAD_KEY = ("API_KEY_INVALID", "API key not valid", "API key expired")


@dataclass(frozen=True, slots=True)
class _CallState:
    """What must be replayed with a function call: Gemini's own id and its thought signature."""

    vendor_id: str | None
    signature: bytes | None


@dataclass(slots=True)
class _Extras:
    """Native-tool output seen in a stream, reported in ``Usage.provider_details`` as JSON:
    ``google.code_execution`` (code and results) and ``google.grounding`` (queries, sources)."""

    code: list[dict[str, str]] = field(default_factory=list)
    queries: list[str] = field(default_factory=list)
    sources: list[dict[str, str]] = field(default_factory=list)

    def collect(self, response: types.GenerateContentResponse) -> None:
        for candidate in response.candidates or ():
            for part in (candidate.content.parts if candidate.content else None) or ():
                if part.executable_code is not None and part.executable_code.code:
                    self.code.append({"code": part.executable_code.code})
                if part.code_execution_result is not None:
                    self.code.append({"result": part.code_execution_result.output or ""})
            grounding = candidate.grounding_metadata
            if grounding is None:
                continue
            self.queries.extend(grounding.web_search_queries or ())
            for chunk in grounding.grounding_chunks or ():
                if chunk.web is not None and chunk.web.uri:
                    self.sources.append({"uri": chunk.web.uri, "title": chunk.web.title or ""})

    def attach(self, usage: Usage) -> Usage:
        details: dict[str, str] = {}
        if self.code:
            details["google.code_execution"] = json.dumps(self.code, ensure_ascii=False)
        if self.queries or self.sources:
            grounding = {"web_search_queries": self.queries, "sources": self.sources}
            details["google.grounding"] = json.dumps(grounding, ensure_ascii=False)
        if not details:
            return usage
        return Usage(
            usage.input_tokens, usage.output_tokens, usage.thinking_tokens, provider_details=details
        )


def gemini_version(model: str) -> float:
    found = _VERSION.search(model)
    if found is None:
        return 0.0
    return int(found.group(1)) + int(found.group(2) or 0) / 10


def thinking_setting(config: ProviderConfig) -> types.ThinkingConfig | None:
    """Gemini thinking for this provider's model and ``thinking:`` block."""
    version = gemini_version(config.model)
    wanted = config.thinking
    model = config.model.lower()
    if wanted is not None and wanted.enabled is False:
        if version >= 3:
            return types.ThinkingConfig(thinking_level=types.ThinkingLevel.LOW)
        return None if "pro" in model else types.ThinkingConfig(thinking_budget=0)
    if wanted is not None and wanted.budget_tokens is not None:
        return types.ThinkingConfig(include_thoughts=True, thinking_budget=wanted.budget_tokens)
    if version >= 3:
        level = (wanted.effort if wanted is not None else None) or "high"
        return types.ThinkingConfig(
            include_thoughts=True, thinking_level=types.ThinkingLevel(level.upper())
        )
    if version >= 2.5:
        budget = PRO_BUDGET if "pro" in model else FLASH_BUDGET
        return types.ThinkingConfig(include_thoughts=True, thinking_budget=budget)
    return None


def native_tools(config: ProviderConfig) -> list[types.Tool]:
    settings = config.native_tools
    if settings is None:
        return []
    tools: list[types.Tool] = []
    if settings.google_search:
        tools.append(types.Tool(google_search=types.GoogleSearch()))
    if settings.url_context:
        tools.append(types.Tool(url_context=types.UrlContext()))
    if settings.code_execution:
        tools.append(types.Tool(code_execution=types.ToolCodeExecution()))
    return tools


class GoogleModel:
    """Implements ``Model`` over the Google GenAI SDK's ``generate_content_stream``."""

    def __init__(
        self,
        provider_name: str,
        config: ProviderConfig,
        *,
        api_key: str,
        credential_env: str | None,
        http_client: httpx2.AsyncClient | None = None,
        replay: ReplayCache[_CallState] | None = None,
    ) -> None:
        options = types.HttpOptions(
            base_url=config.base_url,
            retry_options=types.HttpRetryOptions(attempts=1),
            httpx_async_client=http_client,
        )
        if config.type == "vertexai":
            vertex = vertex_settings(provider_name, config)
            self._client = genai.Client(
                vertexai=True,
                project=vertex.project,
                location=vertex.location,
                credentials=vertex.credentials,
                http_options=options,
            )
            vendor = "Gemini on Vertex AI"
        else:
            self._client = genai.Client(api_key=api_key, http_options=options)
            vendor = "Gemini API"
        self._label = ProviderLabel(provider_name, vendor, credential_env)
        self._provider_name = provider_name
        self._config = config
        self._model = config.model
        self._thinking = thinking_setting(config)
        self._native = native_tools(config)
        self._placeholder = gemini_version(config.model) >= 3
        self._replay: ReplayCache[_CallState] = replay or ReplayCache()

    @property
    def provider_name(self) -> str:
        return self._provider_name

    @property
    def model_name(self) -> str:
        return self._model

    def build_config(
        self, request: ModelRequest, names: ToolNameMap
    ) -> types.GenerateContentConfig:
        system = "\n\n".join(m.content for m in request.messages if m.role is MessageRole.SYSTEM)
        tools = self._native
        if request.tools:
            declarations = [
                types.FunctionDeclaration(
                    name=names.wire(t.name),
                    description=t.description,
                    parameters_json_schema=dict(t.parameters)
                    or {"type": "object", "properties": {}},
                )
                for t in request.tools
            ]
            tools = [types.Tool(function_declarations=declarations)]
        return types.GenerateContentConfig(
            system_instruction=system or None,
            tools=tools or None,
            thinking_config=self._thinking,
            automatic_function_calling=types.AutomaticFunctionCallingConfig(disable=True),
        )

    def build_contents(self, request: ModelRequest, names: ToolNameMap) -> list[types.Content]:
        contents: list[types.Content] = []
        for message in request.messages:
            if message.role is MessageRole.SYSTEM:
                continue
            role = "model" if message.role is MessageRole.ASSISTANT else "user"
            parts = self._parts(message, names)
            if not parts:
                continue
            if contents and contents[-1].role == role and contents[-1].parts is not None:
                contents[-1].parts.extend(parts)
            else:
                contents.append(types.Content(role=role, parts=parts))
        return contents

    def _parts(self, message: Message, names: ToolNameMap) -> list[types.Part]:
        match message.role:
            case MessageRole.TOOL:
                state = self._replay.get(message.tool_call_id or "")
                response = types.FunctionResponse(
                    id=state.vendor_id if state is not None else None,
                    name=names.wire(message.tool_name or ""),
                    response={"result": message.content},
                )
                return [types.Part(function_response=response)]
            case MessageRole.ASSISTANT:
                parts = [types.Part(text=message.content)] if message.content else []
                for call in message.tool_calls:
                    state = self._replay.get(call.id)
                    signature = state.signature if state is not None else None
                    if signature is None and self._placeholder:
                        signature = PLACEHOLDER_SIGNATURE
                    function_call = types.FunctionCall(
                        id=state.vendor_id if state is not None else None,
                        name=names.wire(call.name),
                        args=_arguments_object(call.arguments),
                    )
                    parts.append(
                        types.Part(function_call=function_call, thought_signature=signature)
                    )
                return parts
            case _:
                return [types.Part(text=message.content)] if message.content else []

    async def stream(self, request: ModelRequest) -> AsyncIterator[StreamEvent]:
        names = ToolNameMap(t.name for t in request.tools)
        contents = self.build_contents(request, names)
        config = self.build_config(request, names)
        calls: list[ToolCall] = []
        extras = _Extras()
        usage = Usage()
        try:
            responses = await self._client.aio.models.generate_content_stream(
                model=self._model, contents=contents, config=config
            )
            async for response in responses:
                extras.collect(response)
                for event in self._response_events(response, names, calls):
                    yield event
                meta = response.usage_metadata
                if meta is not None:
                    thoughts = meta.thoughts_token_count or 0
                    usage = Usage(
                        meta.prompt_token_count or 0,
                        (meta.candidates_token_count or 0) + thoughts,
                        thoughts,
                    )
        except errors.APIError as exc:
            raise self._api_error(exc) from None
        except TRANSPORT_ERRORS as exc:
            raise transport_error(self._label, exc) from None
        except GoogleAuthError as exc:
            raise auth_error(self._provider_name, self._config, exc) from None
        except MALFORMED_RESPONSE as exc:
            raise malformed_response(self._label, exc) from None
        for call in calls:
            yield ToolCallEvent(call)
        yield extras.attach(usage)

    def _response_events(
        self, response: types.GenerateContentResponse, names: ToolNameMap, calls: list[ToolCall]
    ) -> list[StreamEvent]:
        events: list[StreamEvent] = []
        for candidate in response.candidates or ():
            if candidate.finish_reason == types.FinishReason.MALFORMED_FUNCTION_CALL:
                raise LLMError(
                    f"{self._label} produced a malformed function call: "
                    f"{candidate.finish_message or 'no details'}",
                    code="partial_stream_error",
                )
            content = candidate.content
            for part in (content.parts if content is not None else None) or ():
                if part.function_call is not None:
                    calls.append(self._call(part, names))
                elif part.text:
                    events.append(
                        ThinkingDelta(part.text) if part.thought else TextDelta(part.text)
                    )
        return events

    def _call(self, part: types.Part, names: ToolNameMap) -> ToolCall:
        function_call = part.function_call
        assert function_call is not None
        vendor_id = function_call.id or None
        call_id = vendor_id or f"gemini_{uuid.uuid4().hex[:16]}"
        self._replay.put(call_id, _CallState(vendor_id, part.thought_signature))
        arguments = json.dumps(function_call.args or {}, ensure_ascii=False)
        return ToolCall(call_id, names.canonical(function_call.name or ""), arguments)

    def _api_error(self, exc: errors.APIError) -> LLMError:
        detail = exc.message or str(exc)
        status = exc.code
        if status == 400 and any(marker in str(exc.details) for marker in _BAD_KEY):
            status = 401
        response = exc.response
        headers = response.headers if isinstance(response, httpx2.Response) else None
        return status_error(self._label, status, detail, headers)


def _arguments_object(arguments: str) -> dict[str, object]:
    try:
        value = json.loads(arguments or "{}")
    except json.JSONDecodeError:
        return {"arguments": arguments}
    return value if isinstance(value, dict) else {"arguments": value}
