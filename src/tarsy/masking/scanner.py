"""``Scanner``: every active regex pattern applied in as few passes over the text as possible.

One alternation of all patterns is slow in Python's ``re``: the engine restarts at every
character. Passes that the engine can skip through in C are fast, so the patterns are grouped:

- one *keyword* pass: every keyword branch of every active built-in in one regex over
  ``text.lower()`` (each branch starts with a literal, mostly a rare one, so the engine jumps
  from candidate to candidate); with ``re.IGNORECASE`` over the text itself in the rare case
  that lower-casing changes the length;
- one pass per ``alone`` or ``lexer`` built-in over the text itself;
- an e-mail pass that starts from each ``@``;
- custom patterns: one combined pass for those that can share one, one pass for each other.

The passes are merged as one alternation would be: the leftmost match wins, then the earliest
pattern in priority order (built-ins in their order, then custom patterns), and scanning goes on
after it. Text with no match comes back as the very same string object. ``scan_spans`` also
tells where a second scan could find more (``Masker`` rescans those lines until stable).
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence

from tarsy.masking.passes import Alternative, EmailPass, Hit, Pass, RegexPass, Retry, Span
from tarsy.masking.patterns import BUILTIN_PATTERNS, BuiltinPattern
from tarsy.masking.rules import CustomRule, MaskingError
from tarsy.masking.templates import parse_template

_GLOBAL_FLAGS = re.compile(r"\A\(\?([aiLmsu]+)\)")
_BACKREFERENCE = re.compile(r"\\[1-9]|\(\?P=|\(\?\(")


class Scanner:
    """Applies built-in patterns (by name, in priority order) and custom patterns."""

    def __init__(self, builtins: Sequence[str], custom: Sequence[CustomRule] = ()) -> None:
        order = {name: index for index, name in enumerate(BUILTIN_PATTERNS)}
        chosen = sorted(set(builtins), key=order.__getitem__)
        keyword = [(order[n], BUILTIN_PATTERNS[n]) for n in chosen]
        keyword = [(i, p) for i, p in keyword if p.scan == "keyword"]
        passes: list[Pass] = [_keyword_pass(keyword)] if keyword else []
        for name in chosen:
            pattern = BUILTIN_PATTERNS[name]
            if pattern.scan in ("alone", "lexer"):
                passes.append(_builtin_alone(order[name], pattern))
            elif pattern.scan == "email":
                passes.append(EmailPass(pattern, order[name]))
        passes += _custom_passes(custom, first_priority=len(order))
        self._passes = tuple(passes)
        self._needs_folded = bool(keyword)
        self._line_local = not custom

    @property
    def active(self) -> bool:
        return bool(self._passes)

    @property
    def line_local(self) -> bool:
        """Whether every match lies within one line (true of all built-ins but PEM blocks,
        whose matches a rescan cannot create); custom patterns may span lines."""
        return self._line_local

    def scan(self, text: str) -> str:
        """``text`` with every match replaced; the same object when nothing matched."""
        return self.scan_spans(text)[0]

    def scan_spans(
        self, text: str, windows: Sequence[Span] | None = None
    ) -> tuple[str, list[Span]]:
        """``scan``, plus the spans in the result of the replacements next to which a second
        scan could match: text kept before a marker (``password: ``) was skipped over, and a
        marker changes what lookarounds and an e-mail's local part see. Base64 runs are left
        out: a standalone run has no neighbour that a pattern could reach into.

        With ``windows`` (sorted, disjoint ``(start, end)``), only matches inside them count.
        """
        if not self._passes or not text:
            return text, []
        folded: str | None = None
        if self._needs_folded:
            folded = text.lower()
            if len(folded) != len(text):
                folded = None
        passes = [p.bind(text, folded) for p in self._passes]
        out: list[str] = []
        spans: list[Span] = []
        size = done = 0
        for low, high in windows if windows is not None else ((0, len(text)),):
            position = max(done, low)
            if position >= high:
                continue
            pending = [next_hit(position, high) for next_hit in passes]
            while position < high:
                best: Hit | None = None
                best_index = -1
                for index in range(len(pending)):
                    hit = pending[index]
                    if hit is not None and hit[0] < position:
                        hit = pending[index] = passes[index](position, high)
                    if hit is not None and (best is None or hit < best):
                        best, best_index = hit, index
                if best is None:
                    break
                start, _, stop, replacement, reopens = best
                out.append(text[done:start])
                size += start - done
                out.append(replacement)
                if reopens:
                    spans.append((size, size + len(replacement)))
                size += len(replacement)
                done = position = stop
                pending[best_index] = passes[best_index](position, high)
        if not out:
            return text, []
        out.append(text[done:])
        return "".join(out), spans


def line_windows(text: str, spans: Sequence[Span]) -> list[Span]:
    """The whole lines of ``text`` that ``spans`` touch, merged into disjoint windows."""
    windows: list[Span] = []
    for start, stop in spans:
        low = text.rfind("\n", 0, start) + 1
        high = text.find("\n", stop)
        high = len(text) if high < 0 else high + 1
        if windows and low <= windows[-1][1]:
            windows[-1] = (windows[-1][0], max(windows[-1][1], high))
        else:
            windows.append((low, high))
    return windows


def _keyword_pass(patterns: Sequence[tuple[int, BuiltinPattern]]) -> RegexPass:
    """Every keyword branch, each followed by an empty group that identifies it.

    Branches are grouped by their first character (``k(?:oken...|ey...)``) so that the engine
    tests each candidate position against a handful of branches only.
    """
    by_first: dict[str, list[tuple[int, str, int]]] = {}
    for priority, pattern in patterns:
        for branch in pattern.branches:
            first, rest = _split_first(branch.regex)
            by_first.setdefault(first, []).append((priority, rest, branch.lead))
    markers = {priority: pattern.marker for priority, pattern in patterns}
    sources: list[str] = []
    alternatives: dict[int, Alternative] = {}
    retry: dict[int, list[Retry]] = {}
    groups = 0
    for first, branches in by_first.items():
        rests: list[str] = []
        indexes: list[int] = []
        alone: list[Retry] = []
        for priority, rest, lead in branches:
            own = re.compile(f"x{rest}").groups
            rests.append(f"{rest}()")
            start = groups + 1
            groups += own + 1
            alternatives[groups] = Alternative(priority, markers[priority], start, groups, lead)
            indexes.append(groups)
            source = f"{first}{rest}"
            on_its_own = Alternative(priority, markers[priority], 1, own + 1, lead)
            alone.append((re.compile(source), re.compile(source, re.IGNORECASE), on_its_own))
        for position, index in enumerate(indexes):
            if alternatives[index].lead and alone[position + 1 :]:
                retry[index] = alone[position + 1 :]
        sources.append(f"{first}(?:{'|'.join(rests)})" if len(rests) > 1 else first + rests[0])
    combined = "|".join(sources)
    return RegexPass(
        re.compile(combined),
        lambda match: alternatives[match.lastindex or 0],
        folded=True,
        fallback=re.compile(combined, re.IGNORECASE),
        retry=retry,
    )


def _split_first(regex: str) -> tuple[str, str]:
    """A keyword branch's literal first character (escaped as written) and the rest."""
    size = 2 if regex.startswith("\\") else 1
    first = regex[:size]
    if re.fullmatch(r"[a-z0-9:@_-]|\\.", first) is None or regex[size : size + 1] in "*+?{":
        raise MaskingError(f"keyword branch {regex!r} must start with a literal character")
    return first, regex[size:]


def _builtin_alone(priority: int, pattern: BuiltinPattern) -> RegexPass:
    [branch] = pattern.branches
    regex = re.compile(branch.regex)
    alternative = Alternative(priority, pattern.marker, 1, regex.groups + 1, lead=branch.lead)
    return RegexPass(regex, _always(alternative), lexer=pattern.scan == "lexer")


def _always(alternative: Alternative) -> Callable[[re.Match[str]], Alternative]:
    def which(match: re.Match[str]) -> Alternative:
        return alternative

    return which


def _custom_passes(custom: Sequence[CustomRule], *, first_priority: int) -> list[Pass]:
    """Custom patterns that can share a regex in one pass, each of the others in its own."""
    shared: list[tuple[int, str, CustomRule, re.Pattern[str]]] = []
    alone: list[Pass] = []
    for index, rule in enumerate(custom):
        try:
            regex = re.compile(rule.pattern)
        except re.error as exc:
            raise MaskingError(f"custom pattern {rule.pattern!r} is invalid: {exc}") from exc
        priority = first_priority + index
        source = _shareable(regex)
        if source is None:
            template = parse_template(
                rule.replacement, groups=regex.groups, names=dict(regex.groupindex)
            )
            alternative = Alternative(priority, "", 1, regex.groups + 1, template=template)
            alone.append(RegexPass(regex, _always(alternative)))
        else:
            shared.append((priority, source, rule, regex))
    return ([_shared_custom(shared)] if shared else []) + alone


def _shareable(regex: re.Pattern[str]) -> str | None:
    """The pattern's source ready to share a regex with others, or ``None`` if it cannot:
    back-references and named groups would clash, empty matches would hide later patterns."""
    source = regex.pattern
    if regex.groupindex or _BACKREFERENCE.search(source) or regex.search("") is not None:
        return None
    flags = _GLOBAL_FLAGS.match(source)
    if flags is not None:
        source = f"(?{flags.group(1)}:{source[flags.end() :]})"
    try:
        re.compile(f"(?:{source})()|x")
    except re.error:
        return None
    return source


def _shared_custom(items: Sequence[tuple[int, str, CustomRule, re.Pattern[str]]]) -> RegexPass:
    sources: list[str] = []
    alternatives: dict[int, Alternative] = {}
    groups = 0
    for priority, source, rule, regex in items:
        sources.append(f"(?:{source})()")
        first = groups + 1
        groups += regex.groups + 1
        template = parse_template(rule.replacement, offset=first - 1, groups=regex.groups)
        alternatives[groups] = Alternative(priority, "", first, groups, template=template)
    return RegexPass(
        re.compile("|".join(sources)), lambda match: alternatives[match.lastindex or 0]
    )
