"""Slack message building: the Block Kit blocks of each notice, and fingerprint matching.

Pure functions, no I/O. Texts are escaped for Slack's mrkdwn (``&``, ``<``, ``>``) and cut to
``MAX_TEXT`` characters so that a section stays under Slack's 3,000-character limit.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from tarsy.domain.statuses import SessionStatus
from tarsy.notify.notifier import SessionNotice

Block = dict[str, object]

MAX_TEXT = 2900
TRUNCATED = "\n\n_… (truncated — view full analysis in dashboard)_"

HEADERS: Mapping[SessionStatus, tuple[str, str]] = {
    SessionStatus.COMPLETED: (":white_check_mark:", "Analysis Complete"),
    SessionStatus.FAILED: (":x:", "Analysis Failed"),
    SessionStatus.TIMED_OUT: (":hourglass:", "Analysis Timed Out"),
    SessionStatus.CANCELLED: (":no_entry_sign:", "Analysis Cancelled"),
}
STARTED = "Processing started — this may take a few minutes."
_PARTIAL_ENTITY = re.compile(r"&[a-z]{0,3}$")


@dataclass(frozen=True, slots=True)
class SlackMessage:
    """What ``chat.postMessage`` sends: ``text`` is the notification fallback for ``blocks``."""

    text: str
    blocks: tuple[Block, ...]


def session_url(dashboard_url: str, session_id: str) -> str:
    return f"{dashboard_url.rstrip('/')}/sessions/{session_id}"


def escape(text: str) -> str:
    """Escape the three characters Slack's mrkdwn treats as control characters."""
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def truncate(text: str, limit: int = MAX_TEXT) -> str:
    """``text`` escaped and cut to ``limit`` characters (never in the middle of an entity), with
    a pointer to the dashboard when anything was cut."""
    escaped = escape(text)
    if len(escaped) <= limit:
        return escaped
    return _PARTIAL_ENTITY.sub("", escaped[:limit]) + TRUNCATED


def started_message(session_id: str, dashboard_url: str) -> SlackMessage:
    url = session_url(dashboard_url, session_id)
    body = (
        ":arrows_counterclockwise: *Processing started* — this may take a few minutes.\n"
        f"<{url}|View in Dashboard>"
    )
    return SlackMessage(STARTED, (_section(body),))


def terminal_message(notice: SessionNotice, dashboard_url: str) -> SlackMessage:
    """Header emoji and label; the executive summary (else the final analysis) of a completed
    session, the error of any other; a button to the session in the dashboard."""
    emoji, label = HEADERS.get(notice.status, (":question:", f"Analysis {notice.status.value}"))
    blocks: list[Block] = [_section(f"{emoji} *{label}*")]
    completed = notice.status is SessionStatus.COMPLETED
    if completed:
        content = notice.executive_summary or notice.final_analysis
        if content:
            blocks.append(_section(truncate(content)))
    elif notice.error_message:
        blocks.append(_section("*Error:*\n" + truncate(notice.error_message)))
    button = "View Full Analysis" if completed else "View Details"
    blocks.append(
        {
            "type": "actions",
            "elements": [
                {
                    "type": "button",
                    "text": {"type": "plain_text", "text": button},
                    "url": session_url(dashboard_url, notice.session_id),
                }
            ],
        }
    )
    return SlackMessage(f"{emoji} {label}", tuple(blocks))


def _section(mrkdwn: str) -> Block:
    return {"type": "section", "text": {"type": "mrkdwn", "text": mrkdwn}}


def normalise(text: str) -> str:
    """Lowercase with every run of whitespace collapsed to one space."""
    return " ".join(text.lower().split())


def message_text(message: Mapping[str, object]) -> str:
    """A history message's own text plus its attachments' ``text`` and ``fallback``."""
    parts = [message.get("text")]
    attachments = message.get("attachments")
    if isinstance(attachments, Sequence) and not isinstance(attachments, str):
        for attachment in attachments:
            if isinstance(attachment, Mapping):
                parts += [attachment.get("text"), attachment.get("fallback")]
    return "\n".join(p for p in parts if isinstance(p, str))


def find_thread(messages: Sequence[object], fingerprint: str) -> str | None:
    """The thread parent ``ts`` of the first message whose text contains ``fingerprint``
    (both normalised); None when none does or the fingerprint is blank."""
    wanted = normalise(fingerprint)
    if not wanted:
        return None
    for message in messages:
        if not isinstance(message, Mapping):
            continue
        ts = message.get("thread_ts") or message.get("ts")
        if isinstance(ts, str) and wanted in normalise(message_text(message)):
            return ts
    return None
