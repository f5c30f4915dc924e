"""``SlackNotifier`` through the real ``slack_sdk.WebClient`` against a fake Slack on 127.0.0.1:
thread lookup by fingerprint (text, attachments, 24 h window, 5 pages), thread reuse, and every
failure ending in a logged warning without the token."""

from __future__ import annotations

from collections.abc import AsyncIterator
from dataclasses import replace
from typing import Any

import pytest

from tarsy.domain.statuses import SessionStatus
from tarsy.notify import SessionNotice
from tarsy.notify.slack import SlackNotifier, SlackSettings
from tests.e2e.harness import free_port
from tests.integration.notify.fake_slack import (
    CHANNEL,
    HISTORY,
    POST,
    TOKEN,
    Failure,
    FakeSlack,
    RunningSlack,
    message,
)

DASHBOARD = "https://tarsy.example.com"


@pytest.fixture
async def slack() -> AsyncIterator[FakeSlack]:
    async with RunningSlack(FakeSlack()) as fake:
        yield fake


def notifier(url: str, **overrides: Any) -> SlackNotifier:
    settings = SlackSettings(token=TOKEN, channel=CHANNEL, dashboard_url=DASHBOARD, api_url=url)
    return SlackNotifier(replace(settings, **overrides))


def started(fingerprint: str | None = "DiskFull db-1", sid: str = "s-1") -> SessionNotice:
    return SessionNotice(sid, SessionStatus.IN_PROGRESS, "disk", fingerprint)


def finished(fingerprint: str | None = "DiskFull db-1", sid: str = "s-1") -> SessionNotice:
    return SessionNotice(
        sid, SessionStatus.COMPLETED, "disk", fingerprint, executive_summary="db-1 disk is full"
    )


async def test_the_fingerprint_in_an_attachment_fallback_finds_the_thread(
    slack: FakeSlack,
) -> None:
    target = message("", attachments=[{"fallback": "[FIRING:1]   DISKFULL\n db-1 (prod)"}])
    slack.history += [message("unrelated", age=10), target, message("older", age=300)]
    n = notifier(slack.url)
    await n.session_started(started("diskfull DB-1"))
    await n.session_finished(finished("diskfull DB-1"))
    await n.aclose()
    posts = slack.posted()
    assert [p.thread_ts for p in posts] == [target["ts"], target["ts"]]
    assert all(p.token == TOKEN and p.params["channel"] == CHANNEL for p in slack.calls)
    # The terminal notice reuses the thread the start notice found.
    assert len(slack.calls_of(HISTORY)) == 1
    assert "Processing started" in posts[0].block_text
    assert "db-1 disk is full" in posts[1].block_text
    assert f"{DASHBOARD}/sessions/s-1" in posts[1].block_text


async def test_attachment_text_matches_and_a_broadcast_reply_points_at_its_parent(
    slack: FakeSlack,
) -> None:
    slack.history.append(
        message("x", thread_ts="1700000000.000100", attachments=[{"text": "DiskFull db-1"}])
    )
    n = notifier(slack.url)
    await n.session_finished(finished())
    await n.aclose()
    assert [p.thread_ts for p in slack.posted()] == ["1700000000.000100"]


async def test_the_lookup_pages_through_the_history(slack: FakeSlack) -> None:
    slack.history += [message(f"noise {i}", age=10 + i) for i in range(450)]
    target = message("Alert: DiskFull db-1", age=1000)
    slack.history.append(target)
    n = notifier(slack.url)
    await n.session_finished(finished())
    await n.aclose()
    lookups = slack.calls_of(HISTORY)
    assert len(lookups) == 3
    assert [c.params.get("cursor") for c in lookups] == [None, "200", "400"]
    assert {c.params["limit"] for c in lookups} == {"200"}
    assert slack.posted()[0].thread_ts == target["ts"]


async def test_the_lookup_stops_after_five_pages(slack: FakeSlack) -> None:
    slack.history += [message(f"noise {i}", age=10 + i) for i in range(1000)]
    slack.history.append(message("Alert: DiskFull db-1", age=2000))
    n = notifier(slack.url)
    await n.session_finished(finished())
    await n.aclose()
    assert len(slack.calls_of(HISTORY)) == 5
    [post] = slack.posted()
    assert post.thread_ts is None  # not found: a plain channel message


async def test_messages_older_than_a_day_are_not_threaded_onto(slack: FakeSlack) -> None:
    slack.history.append(message("DiskFull db-1", age=25 * 3600))
    n = notifier(slack.url)
    await n.session_started(started())
    await n.session_finished(finished())
    await n.aclose()
    assert [p.thread_ts for p in slack.posted()] == [None, None]


async def test_no_fingerprint_means_no_start_notice_and_no_lookup(slack: FakeSlack) -> None:
    n = notifier(slack.url)
    await n.session_started(started(None))
    await n.session_started(started("   "))
    await n.session_finished(finished(None))
    await n.aclose()
    assert [c.method for c in slack.calls] == [POST]
    assert slack.posted()[0].thread_ts is None


async def test_a_slack_error_is_a_warning_naming_it_without_the_token(
    slack: FakeSlack, caplog: pytest.LogCaptureFixture
) -> None:
    body = '{"ok": false, "error": "missing_scope", "needed": "channels:history"}'
    slack.fail(HISTORY, Failure(200, body=body))
    slack.fail(POST, Failure(200, body='{"ok": false, "error": "not_in_channel"}'))
    n = notifier(slack.url)
    await n.session_finished(finished())
    await n.aclose()
    warnings = [r.getMessage() for r in caplog.records if r.levelname == "WARNING"]
    assert any("conversations.history" in w and "missing_scope" in w for w in warnings)
    assert any("channels:history" in w for w in warnings)
    assert any("chat.postMessage" in w and "not_in_channel" in w for w in warnings)
    assert TOKEN not in caplog.text


async def test_a_wrong_token_is_reported(
    slack: FakeSlack, caplog: pytest.LogCaptureFixture
) -> None:
    n = notifier(slack.url, token="xoxb-wrong")
    await n.session_finished(finished(None))
    await n.aclose()
    assert "invalid_auth" in caplog.text
    assert "xoxb-wrong" not in caplog.text


async def test_rate_limits_are_retried_after_the_delay(slack: FakeSlack) -> None:
    slack.fail(HISTORY, Failure(429, {"Retry-After": "0"}))
    slack.fail(POST, Failure(429, {"Retry-After": "0"}), Failure(429, {"Retry-After": "0"}))
    slack.history.append(message("DiskFull db-1"))
    n = notifier(slack.url)
    await n.session_finished(finished())
    await n.aclose()
    assert [c.status for c in slack.calls] == [429, 200, 429, 429, 200]
    assert slack.posted()[0].thread_ts == slack.history[0]["ts"]


async def test_a_rate_limit_longer_than_allowed_drops_the_notice(
    slack: FakeSlack, caplog: pytest.LogCaptureFixture
) -> None:
    slack.fail(POST, Failure(429, {"Retry-After": "120"}))
    n = notifier(slack.url)
    await n.session_finished(finished(None))
    await n.aclose()
    assert [c.status for c in slack.calls] == [429]
    assert "HTTP 429" in caplog.text


async def test_server_errors_are_retried_once_then_dropped(
    slack: FakeSlack, caplog: pytest.LogCaptureFixture
) -> None:
    slack.fail_always(Failure(500, body="<html>oops</html>"))
    n = notifier(slack.url)
    await n.session_started(started())
    await n.session_finished(finished())
    await n.aclose()
    once_retried = [(HISTORY, 500), (HISTORY, 500), (POST, 500), (POST, 500)]
    assert [(c.method, c.status) for c in slack.calls] == once_retried * 2
    assert "HTTP 500" in caplog.text


async def test_an_unreachable_slack_is_a_warning(caplog: pytest.LogCaptureFixture) -> None:
    n = notifier(f"http://127.0.0.1:{free_port()}/api/")
    await n.session_started(started())
    await n.session_finished(finished())
    await n.aclose()
    assert "chat.postMessage for session s-1 failed" in caplog.text


async def test_notices_after_close_are_dropped(slack: FakeSlack) -> None:
    n = notifier(slack.url)
    await n.aclose()
    await n.session_finished(finished(None))
    assert slack.calls == []
