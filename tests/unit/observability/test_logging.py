"""Logging: JSON lines carry the ids bound around them, and secrets never reach the output."""

from __future__ import annotations

import asyncio
import json
import logging
from collections.abc import Iterator
from typing import Any, Literal

import pytest
import structlog

from tarsy.observability import logging as tarsy_logging
from tarsy.observability.logging import (
    configure_logging,
    log_context,
    redact,
    register_secrets,
)

API_KEY = "sk-proj-Zx81LmQ0vTq9WnRk2HsY"
CUSTOM = "plain-secret-value-without-shape"


class Captured:
    """Logging configured onto pytest's captured stderr (configure inside the test: during
    fixture set-up, stderr is not yet the test's)."""

    def __init__(self, capsys: pytest.CaptureFixture[str]) -> None:
        self._capsys = capsys

    def start(self, fmt: Literal["text", "json"] = "json") -> None:
        configure_logging("debug", fmt)

    def text(self) -> str:
        return self._capsys.readouterr().err

    def lines(self) -> list[dict[str, Any]]:
        return [json.loads(line) for line in self.text().splitlines()]


@pytest.fixture
def logs(capsys: pytest.CaptureFixture[str]) -> Iterator[Captured]:
    root = logging.getLogger()
    handlers, level = root.handlers[:], root.level
    yield Captured(capsys)
    root.handlers[:] = handlers
    root.setLevel(level)
    structlog.reset_defaults()
    tarsy_logging._SECRETS.clear()


def test_lines_carry_the_bound_ids_and_tasks_inherit_them(logs: Captured) -> None:
    logs.start()
    log = logging.getLogger("tarsy.test")

    async def main() -> None:
        with log_context(session_id="s-1"):
            log.info("claimed")
            with log_context(execution_id="e-1", agent="KubernetesAgent"):
                await asyncio.create_task(_log_in_task(log))
            log.info("finished")
        log.info("idle")

    asyncio.run(main())
    claimed, in_task, finished, idle = logs.lines()
    assert claimed["event"] == "claimed" and claimed["session_id"] == "s-1"
    assert claimed["level"] == "info" and claimed["logger"] == "tarsy.test"
    assert "timestamp" in claimed and "execution_id" not in claimed
    assert in_task["session_id"] == "s-1" and in_task["execution_id"] == "e-1"
    assert in_task["agent"] == "KubernetesAgent"
    assert "execution_id" not in finished and finished["session_id"] == "s-1"
    assert "session_id" not in idle


async def _log_in_task(log: logging.Logger) -> None:
    log.warning("tool failed")


def test_secrets_are_redacted_from_messages_fields_and_tracebacks(logs: Captured) -> None:
    logs.start()
    register_secrets([CUSTOM, ""])
    log = logging.getLogger("tarsy.test")
    log.warning("calling the vendor with key %s", API_KEY)
    log.info("header Authorization: Bearer abc.def-ghi_jkl and %s", CUSTOM)
    log.info("database postgresql+asyncpg://tarsy:pg-pass-123@db:5432/tarsy")
    try:
        raise RuntimeError(f"vendor said: invalid key {CUSTOM}")
    except RuntimeError:
        log.exception("call failed")
    structlog.get_logger("tarsy.test").info(
        "structured", token=CUSTOM, nested={"slack": "xoxb-1234567890-abcdefghij"}
    )
    lines = logs.lines()
    text = json.dumps(lines)
    for secret in (API_KEY, CUSTOM, "abc.def-ghi_jkl", "pg-pass-123", "xoxb-1234567890"):
        assert secret not in text
    assert lines[0]["event"] == "calling the vendor with key [REDACTED]"
    assert lines[1]["event"] == "header Authorization: Bearer [REDACTED] and [REDACTED]"
    assert lines[2]["event"] == "database postgresql+asyncpg://tarsy:[REDACTED]@db:5432/tarsy"
    assert "RuntimeError: vendor said: invalid key [REDACTED]" in lines[3]["exception"]
    assert lines[4]["token"] == "[REDACTED]"
    assert lines[4]["nested"] == {"slack": "[REDACTED]"}


def test_text_format_redacts_too(logs: Captured) -> None:
    logs.start("text")
    logging.getLogger("tarsy.test").warning("key %s", API_KEY)
    err = logs.text()
    assert API_KEY not in err and "key [REDACTED]" in err


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("ghp_" + "a" * 36, "[REDACTED]"),
        ("github_pat_" + "B" * 30, "[REDACTED]"),
        ("AIza" + "c" * 35, "[REDACTED]"),
        ("sk-ant-api03-" + "d" * 20, "[REDACTED]"),
        (
            "https://u:p4ss@host/x and https://host/y",
            "https://u:[REDACTED]@host/x and https://host/y",
        ),
        # Ordinary text is left alone.
        ("session 01J9 claimed by pod tarsy-0", "session 01J9 claimed by pod tarsy-0"),
        ("token validation failed for skeleton-key", "token validation failed for skeleton-key"),
    ],
)
def test_token_shapes(text: str, expected: str) -> None:
    assert redact(text) == expected
