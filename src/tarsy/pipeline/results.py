"""What running a session yields, and the contract the worker runs sessions through."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol

from tarsy.domain.statuses import SessionStatus


@dataclass(frozen=True, slots=True)
class SessionResult:
    status: SessionStatus
    final_analysis: str | None = None
    executive_summary: str | None = None
    executive_summary_error: str | None = None
    error_message: str | None = None


class SessionExecutor(Protocol):
    async def run(self, session_id: str) -> SessionResult:
        """Run the session's chain to the end. Cancellation propagates as CancelledError."""
        ...
