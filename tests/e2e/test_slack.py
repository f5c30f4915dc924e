"""Slack notifications end to end: the whole app with ``system.slack`` enabled, against a fake
Slack Web API on 127.0.0.1 (through the real ``slack_sdk`` client).

With a fingerprint, the start and terminal notices are replies in the thread of the alert's
message; without one, a single channel message. Slack failing (500s, rate limits, unreachable)
never changes a session's outcome."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Callable
from dataclasses import replace
from pathlib import Path
from typing import Any

import pytest

from tarsy.config import ResolvedAgentConfig, Settings, TarsyConfig, load_config
from tarsy.llm.model import Model
from tarsy.llm.scripted import ScriptedModel, Turn
from tarsy.pipeline.ports import ModelFactory, ModelHooks
from tests.e2e.harness import RunningApp, free_port, running_app
from tests.e2e.test_first_investigation import FAST_QUEUE, wait_for_active_execution
from tests.integration.notify.fake_slack import (
    CHANNEL,
    HISTORY,
    POST,
    TOKEN,
    Call,
    Failure,
    FakeSlack,
    RunningSlack,
    message,
)

DASHBOARD = "https://tarsy.example.com"
ANALYSIS = "Root cause: the db-1 data volume is full."
SUMMARY = "db-1 disk full; expand the volume."
FINGERPRINT = "[FIRING:1] DiskFull db-1"

TARSY_YAML = """\
system:
  dashboard_url: {dashboard}
  slack:
    enabled: true
    channel: {channel}
    api_url: {api_url}
defaults:
  llm_provider: scripted
  max_iterations: 2
agents:
  DiskAgent:
    description: disk investigator
    custom_instructions: You investigate disks.
agent_chains:
  disk:
    alert_types: [disk]
    stages:
      - name: investigate
        agents: [{{name: DiskAgent}}]
"""
PROVIDERS_YAML = "llm_providers:\n  scripted:\n    type: scripted\n    model: scripted-test\n"


def slack_config(tmp_path: Path, api_url: str) -> TarsyConfig:
    cfg = tmp_path / "cfg"
    cfg.mkdir(exist_ok=True)
    yaml = TARSY_YAML.format(dashboard=DASHBOARD, channel=CHANNEL, api_url=api_url)
    (cfg / "tarsy.yaml").write_text(yaml)
    (cfg / "llm-providers.yaml").write_text(PROVIDERS_YAML)
    return load_config(cfg, env={"SLACK_BOT_TOKEN": TOKEN})


def models(disk_agent: Callable[[], list[Turn]]) -> ModelFactory:
    def factory(agent: ResolvedAgentConfig, hooks: ModelHooks) -> Model:
        if agent.agent_name == "ExecSummaryAgent":
            return ScriptedModel([Turn.text(SUMMARY)])
        return ScriptedModel(disk_agent())

    return factory


ANSWERS = models(lambda: [Turn.text(ANALYSIS)])


@pytest.fixture(autouse=True)
def slack_token(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SLACK_BOT_TOKEN", TOKEN)


@pytest.fixture
async def slack() -> AsyncIterator[FakeSlack]:
    async with RunningSlack(FakeSlack()) as fake:
        yield fake


async def submit(app: RunningApp, fingerprint: str | None = None) -> str:
    extra = {"slack_message_fingerprint": fingerprint} if fingerprint else {}
    return await app.submit("DiskFull: db-1 /data at 98%", alert_type="disk", **extra)


def link(sid: str) -> str:
    return f"{DASHBOARD}/sessions/{sid}"


async def test_notices_are_threaded_onto_the_alert_message(
    settings: Settings, tmp_path: Path, slack: FakeSlack
) -> None:
    # The alert's message is on the second page of the channel's history.
    slack.history += [message(f"chatter {i}", age=5 + i) for i in range(230)]
    alert = message("[FIRING:1]  DiskFull\n  db-1 /data at 98%", age=600)
    slack.history.append(alert)
    async with running_app(
        settings, slack_config(tmp_path, slack.url), models=ANSWERS, queue=FAST_QUEUE
    ) as app:
        sid = await submit(app, FINGERPRINT)
        status = await app.wait_status(sid)
        await slack.wait_for(POST, 2)
    assert status["status"] == "completed", status
    posts = slack.calls_of(POST)
    assert len(posts) == 2  # nothing more arrived by the end of shutdown
    start, terminal = posts
    assert [start.thread_ts, terminal.thread_ts] == [alert["ts"], alert["ts"]]
    assert {(p.token, p.params["channel"]) for p in slack.calls} == {(TOKEN, CHANNEL)}
    assert "Processing started" in start.block_text and link(sid) in start.block_text
    assert "Analysis Complete" in terminal.block_text
    assert SUMMARY in terminal.block_text and ANALYSIS not in terminal.block_text
    assert "View Full Analysis" in terminal.block_text and link(sid) in terminal.block_text
    # One lookup (two pages) for the start notice; the terminal notice reuses its thread.
    assert len(slack.calls_of(HISTORY)) == 2


async def test_without_a_fingerprint_one_channel_message(
    sqlite_settings: Settings, tmp_path: Path, slack: FakeSlack
) -> None:
    slack.history.append(message(FINGERPRINT))
    async with running_app(
        sqlite_settings, slack_config(tmp_path, slack.url), models=ANSWERS, queue=FAST_QUEUE
    ) as app:
        sid = await submit(app)
        assert (await app.wait_status(sid))["status"] == "completed"
        await slack.wait_for(POST, 1)
    [post] = slack.calls
    assert post.method == POST and post.thread_ts is None
    assert SUMMARY in post.block_text and link(sid) in post.block_text


async def test_a_failed_session_reports_its_error(
    sqlite_settings: Settings, tmp_path: Path, slack: FakeSlack
) -> None:
    alert = message(FINGERPRINT)
    slack.history.append(alert)
    failing = models(lambda: [Turn.fail("LLM quota exceeded")] * 10)
    async with running_app(
        sqlite_settings, slack_config(tmp_path, slack.url), models=failing, queue=FAST_QUEUE
    ) as app:
        sid = await submit(app, FINGERPRINT)
        assert (await app.wait_status(sid))["status"] == "failed"
        await slack.wait_for(POST, 2)
    terminal = slack.calls_of(POST)[-1]
    assert terminal.thread_ts == alert["ts"]
    assert "Analysis Failed" in terminal.block_text
    assert "LLM quota exceeded" in terminal.block_text
    assert "View Details" in terminal.block_text and link(sid) in terminal.block_text


def blocked_under_alert(slack: FakeSlack) -> tuple[dict[str, Any], asyncio.Event, ModelFactory]:
    """The alert's message in the channel, and models whose calls wait for the event."""
    alert = message(FINGERPRINT)
    slack.history.append(alert)
    release = asyncio.Event()
    return alert, release, models(lambda: [Turn((), block=release)] * 5)


async def test_a_cancelled_session_says_so(
    sqlite_settings: Settings, tmp_path: Path, slack: FakeSlack
) -> None:
    alert, release, blocked = blocked_under_alert(slack)
    async with running_app(
        sqlite_settings, slack_config(tmp_path, slack.url), models=blocked, queue=FAST_QUEUE
    ) as app:
        sid = await submit(app, FINGERPRINT)
        await wait_for_active_execution(app, sid)
        assert (await app.client.post(f"/api/v1/sessions/{sid}/cancel")).status_code == 200
        assert (await app.wait_status(sid))["status"] == "cancelled"
        await slack.wait_for(POST, 2)
        release.set()
    start, terminal = slack.calls_of(POST)
    assert "Processing started" in start.block_text
    assert terminal.thread_ts == alert["ts"]
    assert "Analysis Cancelled" in terminal.block_text
    assert "Cancelled by user" in terminal.block_text


async def test_a_session_cancelled_before_it_started_gets_its_terminal_notice(
    sqlite_settings: Settings, tmp_path: Path, slack: FakeSlack
) -> None:
    alert, release, blocked = blocked_under_alert(slack)
    one_at_a_time = replace(FAST_QUEUE, max_concurrent_sessions=1)
    async with running_app(
        sqlite_settings, slack_config(tmp_path, slack.url), models=blocked, queue=one_at_a_time
    ) as app:
        running = await submit(app)  # no fingerprint: its notices go to the channel
        await wait_for_active_execution(app, running)
        queued = await submit(app, FINGERPRINT)
        try:
            cancel = await app.client.post(f"/api/v1/sessions/{queued}/cancel")
            assert cancel.status_code == 200
            assert (await app.wait_status(queued))["status"] == "cancelled"
            await slack.wait_for(POST, 1)
        finally:
            release.set()
        await app.wait_status(running)
        await slack.wait_for(POST, 2)
    threaded = [p for p in slack.calls_of(POST) if p.thread_ts == alert["ts"]]
    assert len(threaded) == 1  # never started: no start notice
    assert "Analysis Cancelled" in threaded[0].block_text
    assert "Cancelled before processing started" in threaded[0].block_text
    assert link(queued) in threaded[0].block_text


async def test_slack_answering_500_does_not_touch_the_session(
    sqlite_settings: Settings, tmp_path: Path, slack: FakeSlack
) -> None:
    slack.fail_always(Failure(500, body="<html>Internal Server Error</html>"))
    async with running_app(
        sqlite_settings, slack_config(tmp_path, slack.url), models=ANSWERS, queue=FAST_QUEUE
    ) as app:
        sid = await submit(app, FINGERPRINT)
        status = await app.wait_status(sid)
        await slack.wait_for(POST, 4)  # each notice: tried, retried once, dropped
    assert status["status"] == "completed"
    assert status["executive_summary"] == SUMMARY
    assert slack.posted() == []


async def test_rate_limited_notices_are_posted_after_the_wait(
    sqlite_settings: Settings, tmp_path: Path, slack: FakeSlack
) -> None:
    alert = message(FINGERPRINT)
    slack.history.append(alert)
    limited = Failure(429, {"Retry-After": "1"}, '{"ok": false, "error": "ratelimited"}')
    slack.fail(HISTORY, limited)
    slack.fail(POST, limited, limited)
    async with running_app(
        sqlite_settings, slack_config(tmp_path, slack.url), models=ANSWERS, queue=FAST_QUEUE
    ) as app:
        sid = await submit(app, FINGERPRINT)
        assert (await app.wait_status(sid))["status"] == "completed"
        await slack.wait_for(POST, 4)  # two 429s, then both notices
    posted: list[Call] = slack.posted()
    assert [p.thread_ts for p in posted] == [alert["ts"], alert["ts"]]
    assert "Processing started" in posted[0].block_text
    assert SUMMARY in posted[1].block_text
    assert [c.status for c in slack.calls_of(HISTORY)] == [429, 200]


async def test_an_unreachable_slack_does_not_touch_the_session(
    sqlite_settings: Settings, tmp_path: Path
) -> None:
    closed = f"http://127.0.0.1:{free_port()}/api/"
    async with running_app(
        sqlite_settings, slack_config(tmp_path, closed), models=ANSWERS, queue=FAST_QUEUE
    ) as app:
        sid = await submit(app, FINGERPRINT)
        status = await app.wait_status(sid)
        other = await submit(app)
        assert (await app.wait_status(other))["status"] == "completed"
    assert status["status"] == "completed"
    assert status["final_analysis"] == ANALYSIS
