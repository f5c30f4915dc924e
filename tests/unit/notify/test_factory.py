"""``build_notifier``: Slack only when ``system.slack`` is enabled with a channel and a token."""

from __future__ import annotations

import pytest

from tarsy.config.schema_tarsy import SystemConfig
from tarsy.notify import NullNotifier, build_notifier
from tarsy.notify.slack import SlackNotifier


def system(**slack: object) -> SystemConfig:
    return SystemConfig.model_validate({"slack": slack})


async def test_disabled_by_default() -> None:
    notifier = build_notifier(SystemConfig(), {"SLACK_BOT_TOKEN": "xoxb-1"})
    assert isinstance(notifier, NullNotifier) and not notifier.enabled


async def test_enabled_with_channel_and_token() -> None:
    notifier = build_notifier(
        system(enabled=True, channel="C1", token_env="MY_TOKEN"), {"MY_TOKEN": " xoxb-1 "}
    )
    assert isinstance(notifier, SlackNotifier) and notifier.enabled
    await notifier.aclose()


@pytest.mark.parametrize(
    ("slack", "env", "reason"),
    [
        ({"enabled": True, "channel": "C1"}, {}, "SLACK_BOT_TOKEN is not set"),
        ({"enabled": True, "channel": "C1"}, {"SLACK_BOT_TOKEN": "  "}, "is not set"),
        ({"enabled": True}, {"SLACK_BOT_TOKEN": "xoxb-1"}, "channel is not set"),
    ],
)
def test_enabled_but_incomplete_is_off_with_a_warning(
    slack: dict[str, object], env: dict[str, str], reason: str, caplog: pytest.LogCaptureFixture
) -> None:
    assert isinstance(build_notifier(system(**slack), env), NullNotifier)
    assert reason in caplog.text
