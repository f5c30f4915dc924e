"""Slack message building: labels per status, what the body shows, truncation and escaping, the
dashboard link, and fingerprint normalisation and matching."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from tarsy.domain.statuses import SessionStatus
from tarsy.notify import SessionNotice
from tarsy.notify.slack_blocks import (
    MAX_TEXT,
    TRUNCATED,
    escape,
    find_thread,
    message_text,
    normalise,
    started_message,
    terminal_message,
    truncate,
)

DASHBOARD = "https://tarsy.example.com/"


def notice(status: SessionStatus, **fields: str | None) -> SessionNotice:
    return SessionNotice("s-1", status, "disk", **fields)  # type: ignore[arg-type]


def texts(blocks: tuple[dict[str, object], ...]) -> list[str]:
    return [b["text"]["text"] for b in blocks if "text" in b]  # type: ignore[index]


def button(blocks: tuple[dict[str, object], ...]) -> dict[str, object]:
    [actions] = [b for b in blocks if b["type"] == "actions"]
    [element] = actions["elements"]  # type: ignore[misc]
    return element  # type: ignore[no-any-return]


@pytest.mark.parametrize(
    ("status", "header"),
    [
        (SessionStatus.COMPLETED, ":white_check_mark: *Analysis Complete*"),
        (SessionStatus.FAILED, ":x: *Analysis Failed*"),
        (SessionStatus.TIMED_OUT, ":hourglass: *Analysis Timed Out*"),
        (SessionStatus.CANCELLED, ":no_entry_sign: *Analysis Cancelled*"),
    ],
)
def test_each_terminal_status_has_its_header_and_fallback_text(
    status: SessionStatus, header: str
) -> None:
    message = terminal_message(notice(status), DASHBOARD)
    assert texts(message.blocks)[0] == header
    assert message.text == header.replace("*", "")


def test_completed_shows_the_summary_else_the_analysis_else_the_header_only() -> None:
    both = notice(SessionStatus.COMPLETED, executive_summary="short", final_analysis="long")
    assert texts(terminal_message(both, DASHBOARD).blocks)[1:] == ["short"]
    analysis = notice(SessionStatus.COMPLETED, final_analysis="long", error_message="ignored")
    assert texts(terminal_message(analysis, DASHBOARD).blocks)[1:] == ["long"]
    bare = notice(SessionStatus.COMPLETED)
    assert len(texts(terminal_message(bare, DASHBOARD).blocks)) == 1


def test_other_statuses_show_the_error_and_a_details_button() -> None:
    failed = notice(SessionStatus.FAILED, final_analysis="partial", error_message="LLM quota")
    message = terminal_message(failed, DASHBOARD)
    assert texts(message.blocks)[1:] == ["*Error:*\nLLM quota"]
    assert button(message.blocks) == {
        "type": "button",
        "text": {"type": "plain_text", "text": "View Details"},
        "url": "https://tarsy.example.com/sessions/s-1",
    }
    assert len(texts(terminal_message(notice(SessionStatus.CANCELLED), DASHBOARD).blocks)) == 1


def test_completed_links_to_the_full_analysis() -> None:
    message = terminal_message(notice(SessionStatus.COMPLETED, final_analysis="x"), DASHBOARD)
    assert button(message.blocks)["text"] == {"type": "plain_text", "text": "View Full Analysis"}
    assert button(message.blocks)["url"] == "https://tarsy.example.com/sessions/s-1"


def test_the_start_notice_says_it_may_take_a_while_and_links_the_session() -> None:
    message = started_message("s-1", "https://tarsy.example.com")
    [body] = texts(message.blocks)
    assert "Processing started" in body and "may take a few minutes" in body
    assert "<https://tarsy.example.com/sessions/s-1|View in Dashboard>" in body
    assert "Processing started" in message.text


def test_long_texts_are_cut_with_a_pointer_to_the_dashboard() -> None:
    long = "a" * 5000
    cut = truncate(long)
    assert cut == "a" * MAX_TEXT + TRUNCATED
    assert "view full analysis in dashboard" in cut
    assert truncate("a" * MAX_TEXT) == "a" * MAX_TEXT
    summary = notice(SessionStatus.COMPLETED, executive_summary=long)
    section = texts(terminal_message(summary, DASHBOARD).blocks)[1]
    assert len(section) < 3000  # Slack's limit for a section's text
    error = notice(SessionStatus.FAILED, error_message=long)
    assert texts(terminal_message(error, DASHBOARD).blocks)[1].endswith(TRUNCATED)


def test_mrkdwn_control_characters_are_escaped() -> None:
    assert escape("a < b && c > d") == "a &lt; b &amp;&amp; c &gt; d"
    message = terminal_message(
        notice(SessionStatus.COMPLETED, executive_summary="<!channel> pod <none>"), DASHBOARD
    )
    assert texts(message.blocks)[1] == "&lt;!channel&gt; pod &lt;none&gt;"


@given(st.text(alphabet="a<>& ", max_size=4000))
def test_truncation_never_splits_an_entity_and_stays_under_slacks_limit(text: str) -> None:
    cut = truncate(text)
    body = cut.removesuffix(TRUNCATED)
    assert len(cut) <= MAX_TEXT + len(TRUNCATED)
    # Every & starts a whole entity.
    assert body.replace("&amp;", "").replace("&lt;", "").replace("&gt;", "").count("&") == 0


def test_normalise_lowercases_and_collapses_whitespace() -> None:
    assert normalise("  [FIRING:1]\tDiskFull \n\n db-1  ") == "[firing:1] diskfull db-1"


def test_message_text_includes_attachments_text_and_fallback() -> None:
    msg = {
        "text": "top",
        "attachments": [{"text": "inner", "fallback": "plain"}, {"title": "ignored"}, "junk"],
    }
    assert message_text(msg) == "top\ninner\nplain"
    assert message_text({"attachments": None}) == ""


def test_the_first_matching_message_is_the_thread_parent() -> None:
    messages: list[object] = [
        {"ts": "3.0", "text": "something else"},
        {"ts": "2.0", "text": "", "attachments": [{"fallback": "DiskFull   on\nDB-1"}]},
        {"ts": "1.0", "text": "diskfull on db-1"},
    ]
    assert find_thread(messages, "diskfull on db-1") == "2.0"
    assert find_thread(messages, "DISKFULL ON DB-1 ") == "2.0"
    assert find_thread(messages, "disk full") is None
    assert find_thread(messages, "   ") is None
    broadcast = [{"ts": "5.0", "thread_ts": "4.0", "text": "DiskFull on db-1"}]
    assert find_thread(broadcast, "diskfull") == "4.0"
    assert find_thread([{"text": "diskfull"}, "junk"], "diskfull") is None
