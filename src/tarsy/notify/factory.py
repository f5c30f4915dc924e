"""``build_notifier``: the ``Notifier`` that ``system.slack`` and the environment ask for."""

from __future__ import annotations

import logging
from collections.abc import Mapping

from tarsy.config.schema_tarsy import SystemConfig
from tarsy.notify.notifier import Notifier, NullNotifier

log = logging.getLogger(__name__)


def build_notifier(system: SystemConfig, env: Mapping[str, str]) -> Notifier:
    """A ``SlackNotifier`` when ``system.slack`` is enabled with a channel and its token
    variable is set in ``env``; otherwise the ``NullNotifier``."""
    slack = system.slack
    if not slack.enabled:
        return NullNotifier()
    token = env.get(slack.token_env, "").strip()
    if not slack.channel or not token:
        # Start-up validation refuses this configuration; an embedder may still get here.
        log.warning(
            "system.slack is enabled but %s; Slack notifications are off",
            "channel is not set" if not slack.channel else f"{slack.token_env} is not set",
        )
        return NullNotifier()
    from tarsy.notify.slack import SlackNotifier, SlackSettings  # slack-sdk only when enabled

    return SlackNotifier(
        SlackSettings(
            token=token,
            channel=slack.channel,
            dashboard_url=system.dashboard_url,
            api_url=slack.api_url,
        )
    )
