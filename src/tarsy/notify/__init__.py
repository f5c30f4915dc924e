"""Outbound notifications about sessions (ring 2): Slack replies threaded onto the alert's message.

Imports only ``tarsy.domain``, ``tarsy.config``, ``tarsy.observability`` and libraries.

Modules:
- ``notifier``     -- ``SessionNotice`` (what a notice says about one session), the ``Notifier``
                      contract, ``NullNotifier`` (notifications off) and ``RecordingNotifier``
                      (the fake: keeps every notice).
- ``slack_blocks`` -- pure message building: Block Kit blocks of the start and terminal notices,
                      truncation, escaping, fingerprint normalisation and matching.
- ``slack``        -- ``SlackNotifier``: the Slack Web API through ``slack_sdk.WebClient`` on its
                      own small thread pool; thread lookup by fingerprint, rate-limit retries.
- ``factory``      -- ``build_notifier``: the notifier ``system.slack`` and the environment ask for.

Contract: ``Notifier.session_started`` / ``session_finished`` never raise and never need the
caller to wait for Slack: failures are logged (without the token) and dropped. They may take as
long as Slack does, so callers run them in the background under a timeout.
``session_started`` is sent only for a notice with a fingerprint; the thread it found is reused by
``session_finished`` of the same session. ``enabled`` is false for the null notifier, so callers
can skip the work of building notices.
"""

from tarsy.notify.factory import build_notifier
from tarsy.notify.notifier import (
    NULL_NOTIFIER,
    Notifier,
    NullNotifier,
    RecordingNotifier,
    SessionNotice,
)

__all__ = [
    "NULL_NOTIFIER",
    "Notifier",
    "NullNotifier",
    "RecordingNotifier",
    "SessionNotice",
    "build_notifier",
]
