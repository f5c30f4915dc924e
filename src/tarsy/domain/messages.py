"""The linear LLM conversation: roles, messages and the tool calls an assistant turn makes."""

from __future__ import annotations

from dataclasses import dataclass, field

from tarsy.domain.statuses import MessageRole


@dataclass(frozen=True, slots=True)
class ToolCall:
    """One tool call requested by the model; ``arguments`` is the JSON text the model produced."""

    id: str
    name: str
    arguments: str


@dataclass(frozen=True, slots=True)
class Message:
    """One message of the conversation sent to the model (stored exactly once)."""

    role: MessageRole
    content: str
    tool_calls: tuple[ToolCall, ...] = field(default=())
    tool_call_id: str | None = None
    tool_name: str | None = None

    @staticmethod
    def system(content: str) -> Message:
        return Message(MessageRole.SYSTEM, content)

    @staticmethod
    def user(content: str) -> Message:
        return Message(MessageRole.USER, content)

    @staticmethod
    def assistant(content: str, tool_calls: tuple[ToolCall, ...] = ()) -> Message:
        return Message(MessageRole.ASSISTANT, content, tool_calls=tool_calls)

    @staticmethod
    def tool(call: ToolCall, content: str) -> Message:
        return Message(MessageRole.TOOL, content, tool_call_id=call.id, tool_name=call.name)
