"""Go-style durations: parsing, printing and the pydantic field types."""

from __future__ import annotations

from datetime import timedelta

import pytest
from pydantic import BaseModel, ValidationError

from tarsy.config.durations import (
    GoDuration,
    SecondsOrDuration,
    format_go_duration,
    parse_go_duration,
)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("90s", timedelta(seconds=90)),
        ("5m", timedelta(minutes=5)),
        ("1h30m", timedelta(hours=1, minutes=30)),
        ("500ms", timedelta(milliseconds=500)),
        ("1.5h", timedelta(minutes=90)),
        (".5s", timedelta(milliseconds=500)),
        ("2h45m30.5s", timedelta(hours=2, minutes=45, seconds=30.5)),
        ("10us", timedelta(microseconds=10)),
        ("10µs", timedelta(microseconds=10)),
        ("1500ns", timedelta(microseconds=2)),
        ("0", timedelta(0)),
        ("-5m", timedelta(minutes=-5)),
        ("+3s", timedelta(seconds=3)),
    ],
)
def test_parse(text: str, expected: timedelta) -> None:
    assert parse_go_duration(text) == expected


@pytest.mark.parametrize("text", ["", "5", "5 minutes", "1d", "m", "1.2.3s", "s5"])
def test_parse_rejects(text: str) -> None:
    with pytest.raises(ValueError, match="duration"):
        parse_go_duration(text)


@pytest.mark.parametrize(
    ("value", "text"),
    [
        (timedelta(0), "0s"),
        (timedelta(milliseconds=500), "500ms"),
        (timedelta(seconds=90), "1m30s"),
        (timedelta(hours=1, minutes=30), "1h30m0s"),
        (timedelta(seconds=1.5), "1.5s"),
        (timedelta(microseconds=7), "7µs"),
        (timedelta(minutes=-5), "-5m0s"),
    ],
)
def test_format_like_go(value: timedelta, text: str) -> None:
    assert format_go_duration(value) == text
    assert parse_go_duration(text) == value


class _Model(BaseModel):
    every: GoDuration
    timeout: SecondsOrDuration | None = None


def test_go_duration_field_rejects_bare_numbers() -> None:
    assert _Model(every="5m").every == timedelta(minutes=5)
    with pytest.raises(ValidationError, match="expected a duration"):
        _Model(every=5)


def test_seconds_field_accepts_integers_and_durations() -> None:
    assert _Model(every="1s", timeout=30).timeout == timedelta(seconds=30)
    assert _Model(every="1s", timeout="2m").timeout == timedelta(minutes=2)
    assert _Model(every="1s", timeout="45").timeout == timedelta(seconds=45)
    with pytest.raises(ValidationError):
        _Model(every="1s", timeout=True)


def test_json_dump_uses_go_strings() -> None:
    dumped = _Model(every="90s", timeout=30).model_dump(mode="json")
    assert dumped == {"every": "1m30s", "timeout": "30s"}
