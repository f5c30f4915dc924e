"""Requests to a model and the kind-tagged events its response stream yields."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Literal

from tarsy.domain.messages import Message, ToolCall
from tarsy.domain.tools import ToolDef


@dataclass(frozen=True, slots=True)
class ModelRequest:
    """One call to a model: the whole conversation so far plus the tools it may call."""

    messages: tuple[Message, ...]
    tools: tuple[ToolDef, ...] = ()
    agent_name: str = ""
    session_id: str = ""
    execution_id: str = ""


@dataclass(frozen=True, slots=True)
class TextDelta:
    text: str
    kind: Literal["text"] = "text"


@dataclass(frozen=True, slots=True)
class ThinkingDelta:
    text: str
    kind: Literal["thinking"] = "thinking"


@dataclass(frozen=True, slots=True)
class ToolCallEvent:
    call: ToolCall
    kind: Literal["tool_call"] = "tool_call"


@dataclass(frozen=True, slots=True)
class Usage:
    input_tokens: int = 0
    output_tokens: int = 0
    thinking_tokens: int = 0
    kind: Literal["usage"] = "usage"
    provider_details: dict[str, str] = field(default_factory=dict)


StreamEvent = TextDelta | ThinkingDelta | ToolCallEvent | Usage
