"""Tool definitions, tool results and the ``Toolset`` contract consumed by the agent loop.

Tool names are canonical ``server.tool`` inside TARSy (plain names for built-ins). Tool failures
are returned as results with ``is_error=True`` so the model can react; a Toolset never raises for
a failing tool.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Protocol

JsonValue = str | int | float | bool | None | list["JsonValue"] | dict[str, "JsonValue"]


@dataclass(frozen=True, slots=True)
class ToolDef:
    """A tool the model may call: canonical name, description and JSON-schema of its arguments."""

    name: str
    description: str
    parameters: Mapping[str, JsonValue] = field(default_factory=dict)

    @property
    def server(self) -> str:
        """The MCP server part of ``server.tool`` names; empty for built-ins."""
        return self.name.split(".", 1)[0] if "." in self.name else ""

    @property
    def tool(self) -> str:
        return self.name.split(".", 1)[1] if "." in self.name else self.name


@dataclass(frozen=True, slots=True)
class ToolResult:
    """What a tool call produced. ``content`` is what the model sees.

    ``raw`` is the tool's own output when ``content`` is a stand-in for it (a summary): the
    timeline and the trace keep ``raw``; the model gets ``content``.
    """

    content: str
    is_error: bool = False
    raw: str | None = None

    @property
    def output(self) -> str:
        """What the tool returned, as the timeline and trace keep it."""
        return self.content if self.raw is None else self.raw


class Toolset(Protocol):
    """A source of tools for one agent execution."""

    async def list_tools(self) -> Sequence[ToolDef]: ...

    async def call_tool(self, name: str, arguments: str) -> ToolResult:
        """Run ``name`` with the model's raw ``arguments`` text. Never raises for tool failures."""
        ...


class StaticToolset:
    """An in-process Toolset over fixed text answers; used by demos and tests."""

    def __init__(self, tools: Sequence[tuple[ToolDef, str]]) -> None:
        self._defs = [t for t, _ in tools]
        self._answers = {t.name: answer for t, answer in tools}

    async def list_tools(self) -> Sequence[ToolDef]:
        return list(self._defs)

    async def call_tool(self, name: str, arguments: str) -> ToolResult:
        canonical = name if "." in name else name.replace("__", ".", 1)
        answer = self._answers.get(canonical)
        if answer is None:
            known = ", ".join(sorted(self._answers)) or "none"
            return ToolResult(f"Error: unknown tool '{name}'. Available tools: {known}", True)
        return ToolResult(answer)
