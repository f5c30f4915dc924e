"""Prompt composition: the calendar context (Tier 0) and the orchestrator and sub-agent parts."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from tarsy.agent.prompts import (
    PromptInputs,
    SubAgentInfo,
    exec_summary_system_prompt,
    sub_agent_system_prompt,
    system_prompt,
)

HOLIDAYS = {"12-25": "Christmas Day", "01-01": "New Year's Day"}


def inputs(now: datetime, **extra: object) -> PromptInputs:
    return PromptInputs("kubernetes", "pod down", now, holidays=HOLIDAYS, **extra)  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("day", "kind", "staffing"),
    [
        (datetime(2026, 12, 25, 9, tzinfo=UTC), "GLOBAL_HOLIDAY (Christmas Day)", "reduced"),
        (datetime(2026, 12, 26, 9, tzinfo=UTC), "WEEKEND", "reduced"),  # a Saturday
        (datetime(2026, 12, 1, 9, tzinfo=UTC), "WEEKDAY", "normal"),  # a Tuesday
    ],
)
def test_calendar_context(day: datetime, kind: str, staffing: str) -> None:
    prompt = system_prompt(inputs(day))
    assert f"({day.strftime('%A')}, {kind})" in prompt
    assert f"Expect {staffing} staffing." in prompt
    assert kind in exec_summary_system_prompt(day, HOLIDAYS)


def test_holiday_outranks_weekend() -> None:
    saturday_new_year = datetime(2028, 1, 1, tzinfo=UTC)
    assert "GLOBAL_HOLIDAY (New Year's Day)" in system_prompt(inputs(saturday_new_year))


def test_orchestrator_prompt_lists_the_catalog_and_sub_agents_get_their_note() -> None:
    now = datetime(2026, 12, 1, tzinfo=UTC)
    catalog = (SubAgentInfo("LogReader", "reads logs", ("loki",)), SubAgentInfo("Web", "searches"))
    orchestrator = system_prompt(inputs(now, sub_agents=catalog))
    assert "- LogReader: reads logs (tools: loki)" in orchestrator
    assert "- Web: searches" in orchestrator
    assert "dispatch_agent" in orchestrator
    plain = system_prompt(inputs(now))
    assert "dispatch_agent" not in plain
    sub = sub_agent_system_prompt(inputs(now))
    assert "You are a sub-agent" in sub and "pod down" not in sub
