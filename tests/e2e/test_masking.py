"""Data masking end to end: a leak corpus goes through a tool, and no secret comes out anywhere.

The investigating agent fetches every sample of ``tests/fixtures/masking/corpus.yaml`` (kubectl
Secrets in YAML and JSON, lists, last-applied annotations, kubeconfigs, env dumps, tokens, PEM
and ssh keys, URLs and connection strings) through an in-process MCP server whose
``data_masking`` is the ``all`` group plus a custom pattern; some samples come back as tool
errors, one is large enough to be summarized. The alert itself carries credentials for the
system group (``security``). Afterwards none of the secret values, nor the first or last 12
characters of a long one, appears in any database row, in any request the model received, in any
event published on the bus (the WebSocket feed) or in the captured ``tarsy`` logs.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

import pytest
import yaml
from sqlalchemy import select

from tarsy.config import ResolvedAgentConfig, Settings, TarsyConfig, load_config
from tarsy.db.tables import Base
from tarsy.domain.messages import ToolCall
from tarsy.domain.statuses import MessageRole
from tarsy.domain.tools import ToolDef, ToolResult
from tarsy.events.bus import Payload
from tarsy.llm.model import Model
from tarsy.llm.scripted import FunctionModel
from tarsy.llm.types import ModelRequest, StreamEvent, TextDelta, ToolCallEvent, Usage
from tarsy.masking import Masker, Scanner
from tarsy.pipeline.ports import ModelHooks
from tarsy.services.alerts import AlertService
from tests.e2e.harness import running_app
from tests.e2e.test_first_investigation import FAST_QUEUE

CORPUS = Path(__file__).parents[1] / "fixtures" / "masking"
SERVER = "leaky"
BATCH = 8  # tool calls per model turn
ALERT_PASSWORD = "Al3rtPassw0rd-9f2c"
ALERT_TOKEN = "alrt0k3nQ8vN2mZ7xY4wB6cD1eF5gH9j"
ALERT = (
    "Pod payments-7f9c CrashLoopBackOff in prod; the last deploy set "
    f"DATABASE_URL=postgres://payments:{ALERT_PASSWORD}@db.prod.svc:5432/payments and "
    f"token: {ALERT_TOKEN}"
)

PROVIDERS_YAML = "llm_providers:\n  scripted:\n    type: scripted\n    model: scripted-test\n"
TARSY_YAML = f"""\
defaults:
  llm_provider: scripted
  max_iterations: 30
mcp_servers:
  {SERVER}:
    transport: {{type: stdio, command: "true"}}
    data_masking:
      enabled: true
      pattern_groups: [all]
      custom_patterns:
        - pattern: "INTERNAL_[A-Z0-9]{{16}}"
          replacement: "[MASKED_INTERNAL_ID]"
          description: internal identifiers
agents:
  LeakAgent:
    description: reads everything it can
    mcp_servers: [{SERVER}]
agent_chains:
  leak-chain:
    alert_types: [leak]
    stages:
      - name: look
        agents: [{{name: LeakAgent}}]
"""


@dataclass(frozen=True, slots=True)
class Sample:
    id: str
    text: str
    error: bool
    secrets: tuple[str, ...]

    @property
    def tool(self) -> str:
        return f"{SERVER}.{self.id}"


def load_corpus() -> list[Sample]:
    index = yaml.safe_load((CORPUS / "corpus.yaml").read_text())
    return [
        Sample(
            item["id"],
            (CORPUS / item["file"]).read_text(),
            bool(item["error"]),
            tuple(item["secrets"]),
        )
        for item in index["samples"]
    ]


SAMPLES = load_corpus()


def forbidden() -> dict[str, str]:
    """Every secret and the ends of the long random ones (a partial leak is a leak), by
    origin. E-mail addresses are not random: their ends (``.example.net``) are no secret."""
    values: dict[str, str] = {ALERT_PASSWORD: "alert", ALERT_TOKEN: "alert"}
    for sample in SAMPLES:
        for secret in sample.secrets:
            values[secret] = sample.id
            if len(secret) >= 24 and "@" not in secret:
                values.setdefault(secret[:12], f"{sample.id} (start)")
                values.setdefault(secret[-12:], f"{sample.id} (end)")
    return values


class CorpusTools:
    """Implements ``Toolset``: one tool per sample, answering with the sample's text."""

    def __init__(self, samples: Sequence[Sample]) -> None:
        self._samples = {s.tool: s for s in samples}
        self.called: list[str] = []

    async def list_tools(self) -> Sequence[ToolDef]:
        return [ToolDef(name, f"Fetch sample {name}") for name in self._samples]

    async def call_tool(self, name: str, arguments: str) -> ToolResult:
        sample = self._samples[name.replace("__", ".", 1)]
        self.called.append(sample.id)
        return ToolResult(sample.text, is_error=sample.error)


class CorpusModel:
    """The model: fetch every sample (``BATCH`` per turn), then quote what the tools said.

    Every request it is sent is kept as text. The summarizer and the executive summary quote
    their input back, so that echoes of tool output reach the database and the events too.
    """

    def __init__(self) -> None:
        self.requests: list[str] = []
        self.agents: list[str] = []

    async def __call__(self, request: ModelRequest) -> Sequence[StreamEvent]:
        self.requests.append(request_text(request))
        self.agents.append(request.agent_name)
        results = [m.content for m in request.messages if m.role is MessageRole.TOOL]
        if request.agent_name != "LeakAgent":
            return [TextDelta(f"Summary of: {request.messages[-1].content[:2000]}"), Usage(50, 20)]
        if len(results) < len(SAMPLES):
            batch = SAMPLES[len(results) : len(results) + BATCH]
            calls: list[StreamEvent] = [
                ToolCallEvent(ToolCall(f"call-{s.id}", s.tool, "{}")) for s in batch
            ]
            return [*calls, Usage(100, 20)]
        quoted = "\n".join(r[:300] for r in results)
        return [TextDelta("Root cause: see the tool output.\n"), TextDelta(quoted), Usage(100, 50)]


def request_text(request: ModelRequest) -> str:
    parts = [request.agent_name]
    for message in request.messages:
        parts.append(message.content)
        parts += [f"{c.name} {c.arguments}" for c in message.tool_calls]
    parts += [f"{t.name} {t.description} {json.dumps(t.parameters)}" for t in request.tools]
    return "\n".join(parts)


def config(tmp_path: Path) -> TarsyConfig:
    directory = tmp_path / "cfg"
    directory.mkdir()
    (directory / "tarsy.yaml").write_text(TARSY_YAML)
    (directory / "llm-providers.yaml").write_text(PROVIDERS_YAML)
    return load_config(directory, env={})


def text_of(value: Any) -> str:
    return value if isinstance(value, str) else json.dumps(value, default=str, ensure_ascii=False)


def leaks(where: str, texts: Iterable[str], values: dict[str, str]) -> list[str]:
    found = []
    for text in texts:
        for value, origin in values.items():
            if value in text:
                found.append(f"{where}: {origin}: {value!r}")
    return found


async def test_no_secret_of_the_leak_corpus_reaches_db_model_events_or_logs(
    settings: Settings,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    caplog: pytest.LogCaptureFixture,
) -> None:
    caplog.set_level(logging.DEBUG, logger="tarsy")
    assert len(SAMPLES) >= 50
    behaviour = CorpusModel()
    model = FunctionModel(behaviour, model_name="corpus-reader")

    def models(agent: ResolvedAgentConfig, hooks: ModelHooks) -> Model:
        return model

    tools = CorpusTools(SAMPLES)
    published: list[str] = []
    async with running_app(
        settings, config(tmp_path), models=models, queue=FAST_QUEUE, toolsets={SERVER: tools}
    ) as app:
        publish = app.container.bus.publish

        async def recording(channel: str, payload: Payload, **options: Any) -> None:
            published.append(f"{channel} {text_of(payload)}")
            await publish(channel, payload, **options)

        monkeypatch.setattr(app.container.bus, "publish", recording)
        sid = await app.submit(ALERT, alert_type="leak")
        status = await app.wait_status(sid, timeout=90)
        rows: list[str] = []
        async with app.container.db.sessions() as session:
            for table in Base.metadata.sorted_tables:
                for row in (await session.execute(select(table))).all():
                    rows += [text_of(value) for value in row if value is not None]

    assert status["status"] == "completed", status
    assert sorted(tools.called) == sorted(s.id for s in SAMPLES)
    assert "ToolResultSummarizer" in behaviour.agents  # the large sample was summarized
    assert published and rows and caplog.records

    values = forbidden()
    found = [
        *leaks("database row", rows, values),
        *leaks("model request", behaviour.requests, values),
        *leaks("published event", published, values),
        *leaks("log", [caplog.text, *(r.getMessage() for r in caplog.records)], values),
    ]
    assert not found, "\n".join(found[:40])

    everything = "\n".join(rows)
    for marker in ("[MASKED_SECRET_DATA]", "[MASKED_INTERNAL_ID]", "[MASKED_PASSWORD]"):
        assert marker in everything, marker
    assert "[MASKED_TOKEN]" in next(r for r in rows if "CrashLoopBackOff" in r)
    assert all("[REDACTED" not in r for r in behaviour.requests)  # no masking failed


async def test_alert_masking_fails_open_and_logs_no_alert_text(
    settings: Settings,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    caplog: pytest.LogCaptureFixture,
) -> None:
    """As in the reference, an alert whose masking fails is stored as sent (and said so)."""
    caplog.set_level(logging.DEBUG, logger="tarsy")

    def broken(self: AlertService) -> Masker:
        return BrokenMasker()

    monkeypatch.setattr(AlertService, "_alert_masker", broken)
    queue = replace(FAST_QUEUE, worker_count=0)
    async with running_app(settings, config(tmp_path), queue=queue) as app:
        sid = await app.submit(ALERT, alert_type="leak")
        detail = (await app.client.get(f"/api/v1/sessions/{sid}")).json()
    assert detail["alert_data"] == ALERT
    warning = next(r for r in caplog.records if "alert masking failed" in r.getMessage())
    assert "RuntimeError" in warning.getMessage() and ALERT_PASSWORD not in caplog.text


class BrokenMasker(Masker):
    def __init__(self) -> None:
        super().__init__(Scanner(["password"]))

    def mask(self, text: str) -> str:
        raise RuntimeError(f"cannot mask {text}")
