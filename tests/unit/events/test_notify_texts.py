"""What a NOTIFY carries: whole events under the limit, split chunks, stubs for the rest."""

from __future__ import annotations

import json

from hypothesis import given
from hypothesis import strategies as st

from tarsy.events.pg import NOTIFY_LIMIT, notify_texts, pg_channel


def test_a_small_event_is_one_text_with_its_id() -> None:
    [text] = notify_texts({"type": "session.status", "session_id": "s", "status": "x"}, 7)
    assert json.loads(text) == {
        "type": "session.status",
        "session_id": "s",
        "status": "x",
        "db_event_id": 7,
    }


@given(st.text(min_size=0, max_size=30_000))
def test_a_chunk_of_any_size_is_split_under_the_limit_and_adds_up(delta: str) -> None:
    event = {"type": "stream.chunk", "session_id": "s", "event_id": "e", "delta": delta}
    texts = notify_texts(event, None, limit=2000)
    assert all(len(t.encode()) <= 2000 for t in texts)
    parts = [json.loads(t) for t in texts]
    assert "".join(p["delta"] for p in parts) == delta
    assert all(p["event_id"] == "e" for p in parts)


def test_any_other_oversized_event_becomes_a_stub() -> None:
    event = {
        "type": "timeline_event.completed",
        "session_id": "s",
        "event_id": "e",
        "content": "x" * (NOTIFY_LIMIT * 2),
    }
    [text] = notify_texts(event, 42)
    assert json.loads(text) == {
        "type": "timeline_event.completed",
        "session_id": "s",
        "event_id": "e",
        "db_event_id": 42,
        "truncated": True,
    }


def test_channels_of_a_schema_are_prefixed_and_fit_an_identifier() -> None:
    assert pg_channel(None, "sessions") == "sessions"
    name = pg_channel("tarsy_t_0123456789ab", "session:" + "0" * 36)
    assert name.endswith("/session:" + "0" * 36) and len(name.encode()) <= 63
    assert pg_channel("a", "sessions") != pg_channel("b", "sessions")
