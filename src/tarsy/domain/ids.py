"""UUID string identifiers used for every entity except the events outbox."""

from __future__ import annotations

import uuid


def new_id() -> str:
    """Return a fresh random UUID as a string."""
    return str(uuid.uuid4())
