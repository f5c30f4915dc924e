"""``WarningBoard``: the process's in-memory system warnings (``GET /api/v1/system/warnings``).

Producers raise a warning under a stable id (e.g. ``mcp_health:kubernetes-server``) and clear it
when the condition ends; raising an id that is already up keeps its first ``created_at``.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime


@dataclass(frozen=True, slots=True)
class SystemWarning:
    """One warning, in the shape of ``/system/warnings`` items."""

    id: str
    category: str
    message: str
    details: str
    server_id: str
    created_at: datetime


class WarningBoard:
    """Holds the warnings that are up now; safe to share within one event loop."""

    def __init__(self, clock: Callable[[], datetime] = lambda: datetime.now(UTC)) -> None:
        self._clock = clock
        self._warnings: dict[str, SystemWarning] = {}

    def raise_warning(
        self, category: str, server_id: str, message: str, details: str
    ) -> SystemWarning:
        """Put up (or refresh the text of) the warning ``category:server_id``."""
        key = f"{category}:{server_id}"
        previous = self._warnings.get(key)
        created = previous.created_at if previous is not None else self._clock()
        warning = SystemWarning(key, category, message, details, server_id, created)
        self._warnings[key] = warning
        return warning

    def clear(self, category: str, server_id: str) -> bool:
        """Take the warning down; True when one was up."""
        return self._warnings.pop(f"{category}:{server_id}", None) is not None

    def is_up(self, category: str, server_id: str) -> bool:
        return f"{category}:{server_id}" in self._warnings

    def list(self, category: str | None = None) -> list[SystemWarning]:
        """The warnings up now, oldest first, optionally of one category."""
        found = [w for w in self._warnings.values() if category in (None, w.category)]
        return sorted(found, key=lambda w: (w.created_at, w.id))
