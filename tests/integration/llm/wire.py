"""Each vendor's streaming wire format, as the real APIs send it, for the fake servers.

OpenAI: ``data: {chat.completion.chunk}`` frames ending with ``data: [DONE]``; the usage chunk
has empty ``choices`` (``stream_options.include_usage``). Anthropic: named SSE events
(``message_start``, ``content_block_start|delta|stop``, ``message_delta``, ``message_stop``,
``ping``, ``error``). Gemini (``alt=sse``): ``data: {GenerateContentResponse}`` frames separated
by CRLF pairs, camelCase fields, cumulative ``usageMetadata``.
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence

from tests.integration.llm.fake_server import Reply

# --- OpenAI ---------------------------------------------------------------------------------


def _oa_chunk(choices: list[object], usage: object = None) -> str:
    chunk = {
        "id": "chatcmpl-B9x",
        "object": "chat.completion.chunk",
        "created": 1763900000,
        "model": "gpt-5-2025-08-07",
        "service_tier": "default",
        "system_fingerprint": None,
        "choices": choices,
        "usage": usage,
    }
    return f"data: {json.dumps(chunk)}\n\n"


def _oa_delta(delta: Mapping[str, object], finish: str | None = None) -> str:
    return _oa_chunk([{"index": 0, "delta": delta, "logprobs": None, "finish_reason": finish}])


def openai_stream(
    texts: Sequence[str] = (),
    *,
    reasoning: Sequence[str] = (),
    calls: Sequence[tuple[str, str, Sequence[str]]] = (),
    usage: tuple[int, int, int] = (120, 40, 16),
) -> Reply:
    """``calls`` are (id, wire name, argument fragments)."""
    frames = [_oa_delta({"role": "assistant", "content": "", "refusal": None})]
    frames += [_oa_delta({"reasoning_content": part}) for part in reasoning]
    frames += [_oa_delta({"content": text}) for text in texts]
    for index, (call_id, name, fragments) in enumerate(calls):
        head = {"index": index, "id": call_id, "type": "function"}
        frames.append(
            _oa_delta({"tool_calls": [head | {"function": {"name": name, "arguments": ""}}]})
        )
        frames += [
            _oa_delta({"tool_calls": [{"index": index, "function": {"arguments": part}}]})
            for part in fragments
        ]
    frames.append(_oa_delta({}, "tool_calls" if calls else "stop"))
    prompt, completion, reasoning_tokens = usage
    frames.append(
        _oa_chunk(
            [],
            {
                "prompt_tokens": prompt,
                "completion_tokens": completion,
                "total_tokens": prompt + completion,
                "prompt_tokens_details": {"cached_tokens": 0, "audio_tokens": 0},
                "completion_tokens_details": {
                    "reasoning_tokens": reasoning_tokens,
                    "audio_tokens": 0,
                    "accepted_prediction_tokens": 0,
                    "rejected_prediction_tokens": 0,
                },
            },
        )
    )
    frames.append("data: [DONE]\n\n")
    return Reply(frames)


def openai_error(
    status: int, message: str, *, kind: str, code: str | None, headers: dict[str, str] | None = None
) -> Reply:
    body = {"error": {"message": message, "type": kind, "param": None, "code": code}}
    return Reply(status=status, body=body, headers=headers or {})


# --- Anthropic ------------------------------------------------------------------------------


def _an(event: str, data: Mapping[str, object]) -> str:
    return f"event: {event}\ndata: {json.dumps(data)}\n\n"


def anthropic_stream(
    texts: Sequence[str] = (),
    *,
    thinking: Sequence[str] = (),
    signature: str = "EqQBCkYIBRgCKkBsig",
    calls: Sequence[tuple[str, str, Sequence[str]]] = (),
    usage: tuple[int, int] = (472, 89),
    model: str = "claude-sonnet-4-5-20250929",
) -> Reply:
    message: dict[str, object] = {
        "id": "msg_01XFDUDYJgAACzvnptvVoYEL",
        "type": "message",
        "role": "assistant",
        "model": model,
        "content": [],
        "stop_reason": None,
        "stop_sequence": None,
        "usage": {
            "input_tokens": usage[0],
            "cache_creation_input_tokens": 0,
            "cache_read_input_tokens": 0,
            "output_tokens": 1,
        },
    }
    frames = [_an("message_start", {"type": "message_start", "message": message})]
    frames.append(_an("ping", {"type": "ping"}))
    index = 0
    if thinking:
        block = {"type": "thinking", "thinking": "", "signature": ""}
        frames.append(_block_start(index, block))
        for part in thinking:
            frames.append(_block_delta(index, {"type": "thinking_delta", "thinking": part}))
        frames.append(_block_delta(index, {"type": "signature_delta", "signature": signature}))
        frames.append(_an("content_block_stop", {"type": "content_block_stop", "index": index}))
        index += 1
    if texts:
        frames.append(_block_start(index, {"type": "text", "text": ""}))
        frames += [_block_delta(index, {"type": "text_delta", "text": t}) for t in texts]
        frames.append(_an("content_block_stop", {"type": "content_block_stop", "index": index}))
        index += 1
    for call_id, name, fragments in calls:
        frames.append(
            _block_start(index, {"type": "tool_use", "id": call_id, "name": name, "input": {}})
        )
        frames.append(_block_delta(index, {"type": "input_json_delta", "partial_json": ""}))
        frames += [
            _block_delta(index, {"type": "input_json_delta", "partial_json": part})
            for part in fragments
        ]
        frames.append(_an("content_block_stop", {"type": "content_block_stop", "index": index}))
        index += 1
    frames.append(
        _an(
            "message_delta",
            {
                "type": "message_delta",
                "delta": {
                    "stop_reason": "tool_use" if calls else "end_turn",
                    "stop_sequence": None,
                },
                "usage": {"output_tokens": usage[1]},
            },
        )
    )
    frames.append(_an("message_stop", {"type": "message_stop"}))
    return Reply(frames)


def _block_start(index: int, block: Mapping[str, object]) -> str:
    return _an(
        "content_block_start",
        {"type": "content_block_start", "index": index, "content_block": block},
    )


def _block_delta(index: int, delta: Mapping[str, object]) -> str:
    return _an(
        "content_block_delta", {"type": "content_block_delta", "index": index, "delta": delta}
    )


def anthropic_error(
    status: int, kind: str, message: str, headers: dict[str, str] | None = None
) -> Reply:
    body = {
        "type": "error",
        "error": {"type": kind, "message": message},
        "request_id": "req_011CSHoEeqs5C35K2UUqR7Fy",
    }
    return Reply(status=status, body=body, headers=headers or {})


def anthropic_midstream_error(kind: str, message: str) -> str:
    return _an("error", {"type": "error", "error": {"type": kind, "message": message}})


# --- Gemini ---------------------------------------------------------------------------------


def _gm(payload: Mapping[str, object]) -> str:
    return f"data: {json.dumps(payload)}\r\n\r\n"


def gemini_stream(
    texts: Sequence[str] = (),
    *,
    thoughts: Sequence[str] = (),
    calls: Sequence[tuple[str, dict[str, object], str | None]] = (),
    usage: tuple[int, int, int] = (300, 50, 120),
    finish: str = "STOP",
    model: str = "gemini-2.5-flash",
    extra_parts: Sequence[dict[str, object]] = (),
    grounding: Mapping[str, object] | None = None,
) -> Reply:
    """``calls`` are (wire name, args, thought signature in base64 or None); ``extra_parts``
    (e.g. ``executableCode``) follow the text; ``grounding`` goes on the last candidate."""
    prompt, candidates, thought_tokens = usage
    partial_usage: dict[str, object] = {"promptTokenCount": prompt, "totalTokenCount": prompt}
    parts: list[dict[str, object]] = [{"text": t, "thought": True} for t in thoughts]
    parts += [{"text": t} for t in texts]
    parts += extra_parts
    for name, args, signature in calls:
        part: dict[str, object] = {"functionCall": {"name": name, "args": args}}
        if signature:
            part["thoughtSignature"] = signature
        parts.append(part)
    frames = []
    for i, part in enumerate(parts):
        last = i == len(parts) - 1
        candidate: dict[str, object] = {"content": {"parts": [part], "role": "model"}, "index": 0}
        meta: dict[str, object] = partial_usage
        if last:
            candidate["finishReason"] = finish
            if grounding is not None:
                candidate["groundingMetadata"] = grounding
            meta = {
                "promptTokenCount": prompt,
                "candidatesTokenCount": candidates,
                "totalTokenCount": prompt + candidates + thought_tokens,
                "promptTokensDetails": [{"modality": "TEXT", "tokenCount": prompt}],
                "thoughtsTokenCount": thought_tokens,
            }
        frames.append(
            _gm(
                {
                    "candidates": [candidate],
                    "usageMetadata": meta,
                    "modelVersion": model,
                    "responseId": "mOQjaf2xKPqEz7IPq5ap8Q4",
                }
            )
        )
    return Reply(frames)


def gemini_malformed_call(model: str = "gemini-2.5-flash") -> Reply:
    payload = {
        "candidates": [
            {
                "finishReason": "MALFORMED_FUNCTION_CALL",
                "finishMessage": "Malformed function call: print(default_api.k8s__pods_list(",
                "index": 0,
            }
        ],
        "usageMetadata": {"promptTokenCount": 300, "totalTokenCount": 300},
        "modelVersion": model,
        "responseId": "nOQjaf2xKPqEz7IPq5ap8Q5",
    }
    return Reply([_gm(payload)])


def gemini_error(
    status: int,
    message: str,
    state: str,
    *,
    reason: str | None = None,
    headers: dict[str, str] | None = None,
) -> Reply:
    error: dict[str, object] = {"code": status, "message": message, "status": state}
    if reason:
        error["details"] = [
            {
                "@type": "type.googleapis.com/google.rpc.ErrorInfo",
                "reason": reason,
                "domain": "googleapis.com",
                "metadata": {"service": "generativelanguage.googleapis.com"},
            }
        ]
    return Reply(status=status, body={"error": error}, headers=headers or {})
