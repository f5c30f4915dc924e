"""ReplayCache: entries expire and the oldest go first."""

from __future__ import annotations

from tarsy.llm.replay import ReplayCache


def test_expiry_and_capacity() -> None:
    now = [0.0]
    cache: ReplayCache[str] = ReplayCache(ttl=10, capacity=2, clock=lambda: now[0])
    cache.put("a", "1")
    cache.put("b", "2")
    cache.put("c", "3")
    assert (cache.get("a"), cache.get("b"), cache.get("c")) == (None, "2", "3")
    now[0] = 11
    assert cache.get("b") is None
    assert len(cache) == 1
