"""Process-wide logging set-up: human-readable text or one JSON object per line, with the ids
of the session and execution a line belongs to, and secrets redacted from every line.

- ``log_context(**ids)`` binds ids (``session_id``, ``execution_id``...) for the code inside it
  and for the asyncio tasks created there (they copy the context).
- Redaction runs last, on the whole record (message, fields and formatted traceback):
  registered secret values (``register_secrets``: the credentials the configuration names) and
  well-known token shapes (Bearer credentials, OpenAI/Anthropic, Google, GitHub and Slack keys,
  passwords in URLs) become ``[REDACTED]``.
"""

from __future__ import annotations

import logging
import re
import sys
from collections.abc import Iterable, Iterator, MutableMapping
from contextlib import contextmanager
from typing import Any, Literal

import structlog

LogFormat = Literal["text", "json"]
REDACTED = "[REDACTED]"

_TOKEN_SHAPES = re.compile(
    r"(?P<bearer>\b(?:Bearer|Basic)\s+)[A-Za-z0-9._~+/=-]{8,}"
    r"|\bsk-(?:ant-)?[A-Za-z0-9_-]{16,}"
    r"|\bAIza[0-9A-Za-z_-]{30,}"
    r"|\b(?:gh[pousr]_[A-Za-z0-9]{20,}|github_pat_[A-Za-z0-9_]{20,})"
    r"|\bxox[abposr]-[A-Za-z0-9-]{10,}"
    r"|(?P<userinfo>://[^/\s:@]+:)[^/\s@]+(?=@)",
    re.IGNORECASE,
)


class _Secrets:
    """The registered secret values and the one pattern that finds them all."""

    def __init__(self) -> None:
        self.values: set[str] = set()
        self.pattern: re.Pattern[str] | None = None

    def add(self, values: Iterable[str]) -> None:
        self.values.update(v for v in values if v)
        ordered = sorted(self.values, key=len, reverse=True)  # longest first: no leftovers
        self.pattern = re.compile("|".join(map(re.escape, ordered))) if ordered else None

    def clear(self) -> None:
        self.values.clear()
        self.pattern = None


_SECRETS = _Secrets()


def register_secrets(values: Iterable[str]) -> None:
    """Redact these exact values from every later log line (empty values are ignored)."""
    _SECRETS.add(values)


def redact(text: str) -> str:
    """``text`` with registered secrets and token-shaped strings replaced by ``[REDACTED]``."""
    if _SECRETS.pattern is not None:
        text = _SECRETS.pattern.sub(REDACTED, text)
    return _TOKEN_SHAPES.sub(_keep_prefix, text)


def _keep_prefix(match: re.Match[str]) -> str:
    prefix = match.group("bearer") or match.group("userinfo") or ""
    return prefix + REDACTED


def _redact_value(value: object) -> object:
    if isinstance(value, str):
        return redact(value)
    if isinstance(value, dict):
        return {k: _redact_value(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_redact_value(v) for v in value]
    return value


def redact_record(
    _logger: object, _method: str, event_dict: MutableMapping[str, Any]
) -> MutableMapping[str, Any]:
    """structlog processor: redact every string of the record."""
    for key, value in event_dict.items():
        event_dict[key] = _redact_value(value)
    return event_dict


@contextmanager
def log_context(**ids: str) -> Iterator[None]:
    """Add ``ids`` to every log line inside, and in tasks created inside."""
    with structlog.contextvars.bound_contextvars(**ids):
        yield


def configure_logging(level: str = "info", fmt: LogFormat = "text") -> None:
    """Route stdlib and structlog records through one renderer on stderr."""
    renderer: structlog.types.Processor = (
        structlog.processors.JSONRenderer()
        if fmt == "json"
        else structlog.dev.ConsoleRenderer(colors=sys.stderr.isatty())
    )
    shared: list[structlog.types.Processor] = [
        structlog.contextvars.merge_contextvars,
        structlog.stdlib.add_log_level,
        structlog.stdlib.add_logger_name,
        structlog.processors.TimeStamper(fmt="iso", utc=True),
    ]
    structlog.configure(
        processors=[*shared, structlog.stdlib.ProcessorFormatter.wrap_for_formatter],
        logger_factory=structlog.stdlib.LoggerFactory(),
        cache_logger_on_first_use=True,
    )
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(
        structlog.stdlib.ProcessorFormatter(
            foreign_pre_chain=shared,
            processors=[
                structlog.stdlib.ProcessorFormatter.remove_processors_meta,
                # Tracebacks become text first, so that redaction sees them too.
                structlog.processors.format_exc_info,
                redact_record,
                renderer,
            ],
        )
    )
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(level.upper())
    for noisy in ("uvicorn.access", "sqlalchemy.engine", "aiosqlite", "asyncio"):
        logging.getLogger(noisy).setLevel(max(logging.WARNING, root.level))
