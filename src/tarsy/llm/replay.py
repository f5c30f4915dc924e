"""A bounded, expiring store of opaque vendor state replayed on later turns of a conversation.

Some vendors need data from an assistant turn sent back verbatim with the next request: Claude's
signed thinking blocks when tools were used, Gemini's thought signatures on function calls. Our
``Message`` carries none of that, so each adapter keeps it here keyed by the tool call id it
emitted. Entries expire after ``ttl`` seconds (SPEC §4.12: one hour) and the oldest go first when
``capacity`` is reached. A missing entry is normal (restart, fallback from another vendor); the
adapters then degrade as each vendor allows.
"""

from __future__ import annotations

import time
from collections import OrderedDict
from collections.abc import Callable
from typing import Generic, TypeVar

V = TypeVar("V")


class ReplayCache(Generic[V]):
    """Tool call id -> vendor state, expiring after ``ttl`` seconds, at most ``capacity`` items."""

    def __init__(
        self,
        *,
        ttl: float = 3600.0,
        capacity: int = 4096,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self._ttl = ttl
        self._capacity = capacity
        self._clock = clock
        self._items: OrderedDict[str, tuple[float, V]] = OrderedDict()

    def put(self, key: str, value: V) -> None:
        self._items[key] = (self._clock() + self._ttl, value)
        self._items.move_to_end(key)
        while len(self._items) > self._capacity:
            self._items.popitem(last=False)

    def get(self, key: str) -> V | None:
        item = self._items.get(key)
        if item is None:
            return None
        expires, value = item
        if expires < self._clock():
            del self._items[key]
            return None
        return value

    def __len__(self) -> int:
        return len(self._items)
