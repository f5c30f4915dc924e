"""The passes of a scan: a regex, or the e-mail finder; each finds its next hit on demand.

A pass is bound to one text (``bind``) and then answers "the first match that starts at or
after this position and ends by that bound" as a ``Hit``. ``Alternative`` says what a match of
one alternative of a pass's regex stands for: its priority, its marker (or, for custom
patterns, its replacement template), which groups are its own and its ``lead``.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass

from tarsy.masking.patterns import BuiltinPattern
from tarsy.masking.templates import Template

Hit = tuple[int, int, int, str, bool]
"""A match: start, priority, end, replacement text, and whether text around it may match once
it is replaced (all but base64 runs, see ``Scanner.scan_spans``). Tuples order by (start,
priority)."""
NextHit = Callable[[int, int], Hit | None]
"""The first match of one pass that starts at or after a position and ends by a bound."""
Span = tuple[int, int]

_LOCAL_PART = frozenset("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789._%+-")


@dataclass(frozen=True, slots=True)
class Alternative:
    """What one alternative of a pass's regex stands for."""

    priority: int
    marker: str  # built-ins: the secret (first group that took part, or the match) becomes this
    first_group: int  # the alternative's own groups are first_group .. end_group - 1
    end_group: int
    lead: int = 0  # the match really starts this many characters before the regex match
    template: Template | None = None  # custom patterns: the replacement instead of the marker


Retry = tuple[re.Pattern[str], re.Pattern[str], Alternative]
"""One branch on its own (for folded text, and ignoring case), to try where another failed."""


class RegexPass:
    """One regex; ``which`` tells the alternative a match belongs to.

    ``lexer``: the regex always matches (up to the end of the text at worst) and group 1, when
    it took part, is the secret and the hit. ``retry``: when the alternative that matched must
    be dropped (its ``lead`` reaches into the previous hit), the branches after it that start
    with the same character, by the ``lastindex`` of the dropped one.
    """

    def __init__(
        self,
        regex: re.Pattern[str],
        which: Callable[[re.Match[str]], Alternative],
        *,
        folded: bool = False,
        fallback: re.Pattern[str] | None = None,
        lexer: bool = False,
        retry: Mapping[int, Sequence[Retry]] | None = None,
    ) -> None:
        self._regex = regex
        self._which = which
        self._folded = folded
        self._fallback = fallback or regex
        self._lexer = lexer
        self._retry = dict(retry or {})

    def bind(self, text: str, folded: str | None) -> NextHit:
        if not self._folded:
            regex, subject = self._regex, text
        elif folded is None:
            regex, subject = self._fallback, text
        else:
            regex, subject = self._regex, folded
        search = regex.search
        which = self._which
        retries = self._retry
        ignoring_case = self._folded and folded is None

        def retried(match: re.Match[str], position: int, end: int) -> Hit | None:
            start = match.start()
            for folded_branch, any_case_branch, alternative in retries.get(
                match.lastindex or 0, ()
            ):
                branch = any_case_branch if ignoring_case else folded_branch
                again = branch.match(subject, start, end)
                if (
                    again is not None
                    and again.end() > start
                    and start - alternative.lead >= position
                ):
                    return hit_of(text, again, alternative)
            return None

        def next_lexed(position: int, end: int) -> Hit | None:
            match = search(subject, position, end)
            if match is None or match.start(1) < 0:
                return None
            alternative = which(match)
            start, stop = match.span(1)
            return (start, alternative.priority, stop, alternative.marker, False)

        def next_hit(position: int, end: int) -> Hit | None:
            match = search(subject, position, end)
            while match is not None:
                alternative = which(match)
                start = match.start()
                if start < match.end() and start - alternative.lead >= position:
                    return hit_of(text, match, alternative)
                hit = retried(match, position, end) if retries else None
                if hit is not None:
                    return hit
                if start >= end:
                    return None
                match = search(subject, start + 1, end)
            return None

        return next_lexed if self._lexer else next_hit


def hit_of(text: str, match: re.Match[str], alternative: Alternative) -> Hit:
    start, end = match.span()
    start -= alternative.lead
    if alternative.template is not None:
        replacement = alternative.template.expand(lambda n: match.group(n) or "")
        return (start, alternative.priority, end, replacement, True)
    for group in range(alternative.first_group, alternative.end_group):
        secret_start = match.start(group)
        if secret_start >= 0:
            secret_end = match.end(group)
            replacement = text[start:secret_start] + alternative.marker + text[secret_end:end]
            return (start, alternative.priority, end, replacement, True)
    return (start, alternative.priority, end, alternative.marker, True)


class EmailPass:
    """E-mail addresses, found from each ``@`` and its domain; the local part is the run of
    local-part characters before it."""

    def __init__(self, pattern: BuiltinPattern, priority: int) -> None:
        self._domain = re.compile(pattern.branches[0].regex, re.IGNORECASE)
        self._marker = pattern.marker
        self._priority = priority

    def bind(self, text: str, folded: str | None) -> NextHit:
        domain = self._domain.match
        find = text.find

        def next_hit(position: int, end: int) -> Hit | None:
            at = find("@", position + 1, end)
            while at != -1:
                # The local part: the run of its characters before the '@', from ``position``
                # on (a previous match ends the run, as its marker does when masking again).
                start = at
                while start > position and text[start - 1] in _LOCAL_PART:
                    start -= 1
                if start < at:
                    match = domain(text, at, end)
                    if match is not None:
                        return (start, self._priority, match.end(), self._marker, True)
                at = find("@", at + 1, end)
            return None

        return next_hit


Pass = RegexPass | EmailPass
