"""``Inbox``: messages that arrive while an agent runs (sub-agent results), and its null object.

The loop drains the inbox before every model call and appends what it finds as user messages.
When the model answers without calling tools while work is still ``pending``, the loop waits
for the next message instead of finishing, so an orchestrator never concludes before its
sub-agents report.
"""

from __future__ import annotations

from typing import Protocol


class Inbox(Protocol):
    def drain(self) -> list[str]:
        """The messages that arrived since the last drain, oldest first."""
        ...

    def pending(self) -> bool:
        """Whether messages are still expected or have arrived undrained."""
        ...

    async def wait(self) -> None:
        """Return once a message is available to drain (or nothing is pending any more)."""
        ...


class EmptyInbox:
    """Implements ``Inbox`` for agents that nothing writes to."""

    def drain(self) -> list[str]:
        return []

    def pending(self) -> bool:
        return False

    async def wait(self) -> None:
        return None


NO_INBOX = EmptyInbox()
