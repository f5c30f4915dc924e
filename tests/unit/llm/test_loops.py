"""Loop detection: 30-500 char passages repeated 5+ times at the end of the streamed text."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from tarsy.llm.loops import LoopDetector

UNIT = "The pod restarts because the config map is missing. "


def test_detects_a_repeated_passage_and_where_it_began() -> None:
    intro = "Looking at the evidence in detail. " * 1 + "x" * 10
    text = intro + UNIT * 6
    found = LoopDetector().check(text)
    assert found is not None
    assert found.repeats == 6
    assert text[: found.kept_chars] == intro
    assert len(found.unit) == len(UNIT)


def test_four_repetitions_are_not_a_loop() -> None:
    assert LoopDetector().check("Intro text that is unique here. " + UNIT * 4) is None


def test_units_outside_30_to_500_chars_are_ignored() -> None:
    assert LoopDetector().check("ab cd ef " * 3 + "short rep! " * 2) is None
    long_unit = "".join(chr(65 + i % 26) + str(i) for i in range(300))
    assert len(long_unit) > 500
    assert LoopDetector().check(long_unit * 5) is None


def test_rules_of_one_character_are_not_loops() -> None:
    assert LoopDetector().check("Table\n" + "-" * 400) is None


def test_feed_checks_only_every_2000_characters() -> None:
    detector = LoopDetector()
    fed = 0
    found = None
    while found is None and fed < 5000:
        found = detector.feed(UNIT)
        fed += len(UNIT)
    assert found is not None
    assert 2000 <= len(detector.text()) < 2000 + len(UNIT)
    assert found.kept_chars == 0


def test_a_loop_that_ended_is_not_reported() -> None:
    text = UNIT * 6 + "".join(f"Finding {i}: node-{i} is healthy. " for i in range(80))
    assert LoopDetector().check(text) is None


@settings(max_examples=50, deadline=None)
@given(st.text(alphabet="abcdefghij klmnop.,", min_size=0, max_size=3000))
def test_text_without_five_fold_repetition_is_never_flagged(text: str) -> None:
    found = LoopDetector().check(text)
    if found is not None:
        period = len(found.unit)
        tail = text[-period * 5 :]
        assert tail == found.unit * 5 or tail[:-period] == tail[period:]
