"""Output-loop detection (SPEC §4.7): a passage of 30-500 chars repeated 5+ times in a row.

``LoopDetector.feed`` takes each text delta. Every ``check_every`` characters it inspects the
last ``window`` characters: the text ends in a loop when, for some period ``p`` in the range,
its last ``repeats * p`` characters repeat with period ``p``. Checking at the tail is enough
because checks run while the stream is live: a model stuck in a loop keeps ending its text with
it. Units with fewer than ``min_distinct`` different characters (rules of dashes, padding) are
not loops. On detection it reports where the loop began, so the text before it can be kept.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class LoopFound:
    """The unit that repeats, how many times, and how much of the streamed text precedes it."""

    unit: str
    repeats: int
    kept_chars: int


class LoopDetector:
    """Stateful per stream; cheap per delta (a list append) until a check is due."""

    __slots__ = (
        "_check_every",
        "_chunks",
        "_max_unit",
        "_min_distinct",
        "_min_unit",
        "_pending",
        "_repeats",
        "_window",
    )

    def __init__(
        self,
        *,
        check_every: int = 2000,
        window: int = 6000,
        min_unit: int = 30,
        max_unit: int = 500,
        repeats: int = 5,
        min_distinct: int = 5,
    ) -> None:
        self._check_every = check_every
        self._window = window
        self._min_unit = min_unit
        self._max_unit = max_unit
        self._repeats = repeats
        self._min_distinct = min_distinct
        self._chunks: list[str] = []
        self._pending = 0

    def feed(self, text: str) -> LoopFound | None:
        self._chunks.append(text)
        self._pending += len(text)
        if self._pending < self._check_every:
            return None
        self._pending = 0
        joined = "".join(self._chunks)
        self._chunks = [joined]
        return self.check(joined)

    def check(self, text: str) -> LoopFound | None:
        """The loop ``text`` ends in, if any (``kept_chars`` counts from the start of ``text``)."""
        tail = text[-self._window :]
        offset = len(text) - len(tail)
        size = len(tail)
        last = size - 1
        for period in range(self._min_unit, self._max_unit + 1):
            span = period * self._repeats
            if span > size:
                break
            if tail[last] != tail[last - period]:
                continue
            start = size - span
            if tail[start : size - period] != tail[start + period :]:
                continue
            unit = tail[size - period :]
            if len(set(unit)) < self._min_distinct:
                continue
            while start > 0 and tail[start - 1] == tail[start - 1 + period]:
                start -= 1
            return LoopFound(unit, (size - start) // period, offset + start)
        return None

    def text(self) -> str:
        """Everything fed so far."""
        return "".join(self._chunks)
