"""The ``Notifier`` contract, the ``SessionNotice`` it sends, its null object and its fake."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Final, Protocol

from tarsy.domain.statuses import SessionStatus


@dataclass(frozen=True, slots=True)
class SessionNotice:
    """What a notification says about one session: ``in_progress`` for the start notice, the
    terminal status for the last one (with the analysis, summary or error written with it)."""

    session_id: str
    status: SessionStatus
    alert_type: str
    fingerprint: str | None = None
    executive_summary: str | None = None
    final_analysis: str | None = None
    error_message: str | None = None


class Notifier(Protocol):
    @property
    def enabled(self) -> bool:
        """False when nothing is ever sent (callers may skip building notices)."""
        ...

    async def session_started(self, notice: SessionNotice) -> None:
        """Processing started (sent only when the notice has a fingerprint); never raises."""
        ...

    async def session_finished(self, notice: SessionNotice) -> None:
        """The session reached a terminal status; never raises."""
        ...

    async def aclose(self) -> None:
        """Release connections and threads; later notices are dropped."""
        ...


class NullNotifier:
    """The ``Notifier`` that sends nothing (notifications are off)."""

    @property
    def enabled(self) -> bool:
        return False

    async def session_started(self, notice: SessionNotice) -> None:
        return None

    async def session_finished(self, notice: SessionNotice) -> None:
        return None

    async def aclose(self) -> None:
        return None


NULL_NOTIFIER: Final = NullNotifier()


class RecordingNotifier:
    """The fake ``Notifier``: keeps every notice, in order, as ``(kind, notice)``."""

    def __init__(self) -> None:
        self.sent: list[tuple[str, SessionNotice]] = []

    @property
    def enabled(self) -> bool:
        return True

    async def session_started(self, notice: SessionNotice) -> None:
        self.sent.append(("started", notice))

    async def session_finished(self, notice: SessionNotice) -> None:
        self.sent.append(("finished", notice))

    async def aclose(self) -> None:
        return None
