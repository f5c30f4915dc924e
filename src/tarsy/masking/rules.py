"""What a caller asks to mask (``MaskingRules``) and its resolution to concrete patterns.

Callers pass plain data: pattern group names, pattern names and custom patterns as
``CustomRule`` values (``tarsy.masking`` does not read configuration). Resolution is the union of
the groups and the named patterns, in built-in priority order, followed by the custom patterns
in the order given.
"""

from __future__ import annotations

from dataclasses import dataclass

from tarsy.domain.errors import TarsyError
from tarsy.masking.patterns import BUILTIN_PATTERNS, CODE_MASKERS, PATTERN_GROUPS


class MaskingError(TarsyError):
    """Masking rules name an unknown pattern or group, or a custom regex does not compile."""


@dataclass(frozen=True, slots=True)
class CustomRule:
    """A custom pattern: a Python regex and a replacement template (``$1``, ``${name}``)."""

    pattern: str
    replacement: str
    description: str = ""


@dataclass(frozen=True, slots=True)
class MaskingRules:
    """Pattern groups, built-in pattern and code masker names, and custom patterns."""

    groups: tuple[str, ...] = ()
    patterns: tuple[str, ...] = ()
    custom: tuple[CustomRule, ...] = ()


@dataclass(frozen=True, slots=True)
class ResolvedRules:
    """Code maskers to run, then built-in regex patterns (priority order), then custom ones."""

    code_maskers: frozenset[str]
    builtins: tuple[str, ...]
    custom: tuple[CustomRule, ...]

    @property
    def empty(self) -> bool:
        return not (self.code_maskers or self.builtins or self.custom)


def resolve_rules(rules: MaskingRules) -> ResolvedRules:
    """Expand groups, check every name; raises ``MaskingError`` naming what is unknown."""
    names: set[str] = set()
    for group in rules.groups:
        members = PATTERN_GROUPS.get(group)
        if members is None:
            known = ", ".join(sorted(PATTERN_GROUPS))
            raise MaskingError(f"unknown masking pattern group {group!r} (known: {known})")
        names.update(members)
    for name in rules.patterns:
        if name not in BUILTIN_PATTERNS and name not in CODE_MASKERS:
            known = ", ".join(sorted({*BUILTIN_PATTERNS, *CODE_MASKERS}))
            raise MaskingError(f"unknown masking pattern {name!r} (known: {known})")
        names.add(name)
    for index, custom in enumerate(rules.custom):
        if not custom.pattern:
            raise MaskingError(f"custom pattern {index} has no pattern")
    return ResolvedRules(
        code_maskers=frozenset(names & CODE_MASKERS),
        builtins=tuple(name for name in BUILTIN_PATTERNS if name in names),
        custom=rules.custom,
    )
