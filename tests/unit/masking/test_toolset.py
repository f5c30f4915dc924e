"""``MaskedToolset``: results and errors masked per server, fail-closed, nothing in the log."""

from __future__ import annotations

import logging
from collections.abc import Sequence

import pytest

from tarsy.domain.tools import StaticToolset, ToolDef, ToolResult
from tarsy.masking import (
    NULL_MASKER,
    MaskedToolset,
    Masker,
    MaskingRules,
    Scanner,
    build_masker,
    redaction_notice,
)

BASIC = build_masker(MaskingRules(groups=("basic",)))
LEAK = "password: hunter22"


class Tools:
    """A toolset whose answers and error flags are given per tool."""

    def __init__(self, answers: dict[str, ToolResult]) -> None:
        self.answers = answers
        self.calls: list[tuple[str, str]] = []

    async def list_tools(self) -> Sequence[ToolDef]:
        return [ToolDef(name, "a tool") for name in self.answers]

    async def call_tool(self, name: str, arguments: str) -> ToolResult:
        self.calls.append((name, arguments))
        return self.answers[name.replace("__", ".", 1)]


class Broken(Masker):
    def __init__(self) -> None:
        super().__init__(Scanner(["password"]))

    def mask(self, text: str) -> str:
        raise RuntimeError(f"cannot mask {text}")


async def test_content_raw_and_errors_are_masked() -> None:
    inner = Tools(
        {
            "k8s.get": ToolResult(f"ok {LEAK}"),
            "k8s.fail": ToolResult(f"Error: {LEAK}", is_error=True),
            "k8s.summary": ToolResult("summary", raw=f"raw {LEAK}"),
        }
    )
    tools = MaskedToolset(inner, BASIC)
    assert await tools.list_tools() == await inner.list_tools()
    assert await tools.call_tool("k8s.get", "{}") == ToolResult("ok password: [MASKED_PASSWORD]")
    failed = await tools.call_tool("k8s__fail", "{}")
    assert failed == ToolResult("Error: password: [MASKED_PASSWORD]", is_error=True)
    summary = await tools.call_tool("k8s.summary", "{}")
    assert summary.raw == "raw password: [MASKED_PASSWORD]" and summary.content == "summary"
    assert inner.calls[1] == ("k8s__fail", "{}")


async def test_each_server_gets_its_own_masker() -> None:
    inner = StaticToolset([(ToolDef("a.get", ""), LEAK), (ToolDef("b.get", ""), LEAK)])
    tools = MaskedToolset(inner, by_server={"a": BASIC, "b": NULL_MASKER})
    assert tools.active
    assert (await tools.call_tool("a.get", "")).content == "password: [MASKED_PASSWORD]"
    assert (await tools.call_tool("b.get", "")).content == LEAK
    assert (await tools.call_tool("b__get", "")).content == LEAK
    assert not MaskedToolset(inner).active


async def test_a_masking_failure_withholds_the_result_and_logs_no_text(
    caplog: pytest.LogCaptureFixture,
) -> None:
    caplog.set_level(logging.DEBUG, logger="tarsy")
    tools = MaskedToolset(StaticToolset([(ToolDef("k8s.get", ""), LEAK)]), Broken())
    result = await tools.call_tool("k8s.get", "{}")
    assert result == ToolResult(redaction_notice("k8s.get"), is_error=True)
    assert result.content.startswith("[REDACTED: data masking failure for k8s.get")
    assert "hunter22" not in caplog.text
    assert "RuntimeError" in caplog.text and "k8s.get" in caplog.text
