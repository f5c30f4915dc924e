"""``SummarizingToolset``: what passes through untouched and what the model gets summarized."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

from tarsy.agent.sink import LLMCallRecord
from tarsy.domain.messages import Message
from tarsy.domain.tools import StaticToolset, ToolDef, ToolResult
from tarsy.llm.scripted import ScriptedModel, Turn
from tarsy.pipeline.summarizing import SummarizingToolset, SummaryPolicy, estimate_tokens


@dataclass
class Sink:
    conversation: Sequence[Message] = field(default_factory=lambda: [Message.user("alert")])
    started: list[tuple[str, str, int]] = field(default_factory=list)
    deltas: list[str] = field(default_factory=list)
    done: list[LLMCallRecord] = field(default_factory=list)

    async def summary_started(self, server: str, tool: str, original_tokens: int) -> None:
        self.started.append((server, tool, original_tokens))

    async def summary_delta(self, text: str) -> None:
        self.deltas.append(text)

    async def summary_done(self, record: LLMCallRecord) -> None:
        self.done.append(record)


class Failing(StaticToolset):
    async def call_tool(self, name: str, arguments: str) -> ToolResult:
        return ToolResult("Error executing tool s.big: " + "x" * 10_000, True)


def wrap(model: ScriptedModel, inner: StaticToolset, sink: Sink) -> SummarizingToolset:
    return SummarizingToolset(inner, {"s": SummaryPolicy(100, 50, lambda: model)}, sink)


def test_estimate_is_a_token_per_four_bytes_rounded_up() -> None:
    assert estimate_tokens("") == 0
    assert estimate_tokens("abcd") == 1
    assert estimate_tokens("abcde") == 2
    assert estimate_tokens("é" * 2) == 1  # bytes, not characters


async def test_threshold_is_exclusive_and_other_servers_pass_through() -> None:
    at_threshold = "y" * 400  # exactly 100 tokens
    inner = StaticToolset(
        [(ToolDef("s.edge", ""), at_threshold), (ToolDef("other.big", ""), "z" * 10_000)]
    )
    model, sink = ScriptedModel(), Sink()
    tools = wrap(model, inner, sink)
    assert await tools.call_tool("s.edge", "{}") == ToolResult(at_threshold)
    assert await tools.call_tool("other__big", "{}") == ToolResult("z" * 10_000)
    assert model.requests == [] and sink.started == []


async def test_error_results_are_never_summarized() -> None:
    model, sink = ScriptedModel(), Sink()
    result = await wrap(model, Failing([(ToolDef("s.big", ""), "")]), sink).call_tool("s.big", "")
    assert result.is_error and result.raw is None
    assert model.requests == []


async def test_summary_streams_to_the_sink_and_keeps_the_raw_output() -> None:
    raw = "line\n" * 1000
    model = ScriptedModel([Turn.text("1000 identical lines")])
    sink = Sink()
    result = await wrap(model, StaticToolset([(ToolDef("s.big", ""), raw)]), sink).call_tool(
        "s__big", "{}"
    )
    assert result.raw == raw and result.output == raw and not result.is_error
    assert result.content.endswith("1000 identical lines")
    assert sink.started == [("s", "big", 1250)]
    assert "".join(sink.deltas) == "1000 identical lines"
    [record] = sink.done
    assert record.kind == "summarization" and record.error is None
    assert record.input_tokens == 100 and record.output_tokens == 50
    [request] = model.requests
    assert request.tools == () and "[user] alert" in request.messages[1].content


async def test_empty_summary_fails_open() -> None:
    raw = "line\n" * 1000
    model, sink = ScriptedModel([Turn.text("   ")]), Sink()
    result = await wrap(model, StaticToolset([(ToolDef("s.big", ""), raw)]), sink).call_tool(
        "s.big", "{}"
    )
    assert result == ToolResult(raw)
    assert sink.done[0].error == "the summarizer returned an empty summary"
