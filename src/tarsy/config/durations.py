"""Go-style duration strings (``90s``, ``5m``, ``1h30m``, ``500ms``) as ``timedelta`` values.

``GoDuration`` is the pydantic field type for the reference's ``time.Duration`` keys: it accepts a
duration string only (a bare number is ambiguous and rejected, as the reference does).
``SecondsOrDuration`` is for keys the reference writes as integer seconds (MCP transport
``timeout``); it also accepts a duration string.
"""

from __future__ import annotations

import re
from datetime import timedelta
from fractions import Fraction
from typing import Annotated

from pydantic import BeforeValidator, PlainSerializer

_UNIT_NS: dict[str, int] = {
    "ns": 1,
    "us": 1_000,
    "µs": 1_000,  # U+00B5 micro sign
    "μs": 1_000,  # U+03BC greek mu
    "ms": 1_000_000,
    "s": 1_000_000_000,
    "m": 60 * 1_000_000_000,
    "h": 3600 * 1_000_000_000,
}
_COMPONENT = re.compile(r"(\d+\.?\d*|\.\d+)(ns|us|µs|μs|ms|s|m|h)")
_HINT = "expected a duration such as '90s', '5m', '1h30m' or '500ms'"


def parse_go_duration(text: str) -> timedelta:
    """Parse a Go ``time.ParseDuration`` string. Raises ``ValueError`` with a hint when invalid."""
    s = text.strip()
    if not s:
        raise ValueError(f"empty duration: {_HINT}")
    sign = 1
    if s[0] in "+-":
        sign = -1 if s[0] == "-" else 1
        s = s[1:]
    if s == "0":
        return timedelta(0)
    total_ns = Fraction(0)
    pos = 0
    while pos < len(s):
        match = _COMPONENT.match(s, pos)
        if match is None:
            raise ValueError(f"invalid duration {text!r}: {_HINT}")
        total_ns += Fraction(match.group(1)) * _UNIT_NS[match.group(2)]
        pos = match.end()
    if pos == 0:
        raise ValueError(f"invalid duration {text!r}: {_HINT}")
    return timedelta(microseconds=round(sign * total_ns / 1000))


def format_go_duration(value: timedelta) -> str:
    """Render a ``timedelta`` the way Go prints durations (``1h30m0s``, ``500ms``, ``0s``)."""
    micros = (value.days * 86_400 + value.seconds) * 1_000_000 + value.microseconds
    if micros == 0:
        return "0s"
    sign = "-" if micros < 0 else ""
    micros = abs(micros)
    if micros < 1_000:
        return f"{sign}{micros}µs"
    if micros < 1_000_000:
        return f"{sign}{_trim(Fraction(micros, 1_000))}ms"
    hours, rest = divmod(micros, 3_600_000_000)
    minutes, rest = divmod(rest, 60_000_000)
    seconds = _trim(Fraction(rest, 1_000_000))
    out = sign
    if hours:
        out += f"{hours}h"
    if hours or minutes:
        out += f"{minutes}m"
    return f"{out}{seconds}s"


def _trim(value: Fraction) -> str:
    if value.denominator == 1:
        return str(value.numerator)
    return f"{float(value):.6f}".rstrip("0").rstrip(".")


def _duration_input(value: object) -> object:
    if isinstance(value, timedelta):
        return value
    if isinstance(value, str):
        return parse_go_duration(value)
    raise ValueError(f"{_HINT} (a quoted or plain string), got {value!r}")


def _seconds_input(value: object) -> object:
    if isinstance(value, timedelta):
        return value
    if isinstance(value, bool):
        raise ValueError(f"expected a number of seconds or a duration, got {value!r}")
    if isinstance(value, int | float):
        return timedelta(seconds=value)
    if isinstance(value, str):
        stripped = value.strip()
        if re.fullmatch(r"\d+(\.\d+)?", stripped):
            return timedelta(seconds=float(stripped))
        return parse_go_duration(stripped)
    raise ValueError(f"expected a number of seconds or a duration, got {value!r}")


GoDuration = Annotated[
    timedelta,
    BeforeValidator(_duration_input),
    PlainSerializer(format_go_duration, return_type=str, when_used="json"),
]
SecondsOrDuration = Annotated[
    timedelta,
    BeforeValidator(_seconds_input),
    PlainSerializer(format_go_duration, return_type=str, when_used="json"),
]
