"""Replacement templates of custom patterns, in the reference's syntax.

``$1`` or ``${1}`` is capture group 1, ``$name`` or ``${name}`` a named group, ``$$`` a literal
``$``. As in the reference, a name is the longest run of letters, digits and ``_`` after ``$``
(so ``$1x`` names group ``1x``), a group that does not exist or did not take part expands to
nothing, and a ``$`` that starts no reference is kept as it is. Backslashes are literal.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass

_REFERENCE = re.compile(r"\$(?:\$|\{(\w+)\}|(\w+))")

Part = str | int
"""A literal piece (``str``) or a group number (``int``) of an expanded template."""


@dataclass(frozen=True, slots=True)
class Template:
    """A parsed replacement: literal pieces and group numbers, already shifted by an offset."""

    parts: tuple[Part, ...]

    def expand(self, group: Callable[[int], str]) -> str:
        """The replacement text; ``group(n)`` is group ``n``, ``""`` if it did not take part."""
        if len(self.parts) == 1 and isinstance(self.parts[0], str):
            return self.parts[0]
        return "".join(p if isinstance(p, str) else group(p) for p in self.parts)


def parse_template(
    template: str, *, offset: int = 0, groups: int = 0, names: Mapping[str, int] | None = None
) -> Template:
    """Parse ``template`` for a pattern with ``groups`` groups and ``names`` (name -> number).

    Group numbers are shifted by ``offset``, the pattern's first group number minus one in the
    regex it was combined into; ``$0`` (the whole match) is not shifted. References to missing
    groups expand to nothing.
    """
    names = names or {}
    parts: list[Part] = []
    literal = ""
    position = 0
    for ref in _REFERENCE.finditer(template):
        literal += template[position : ref.start()]
        position = ref.end()
        name = ref.group(1) or ref.group(2)
        if name is None:
            literal += "$"
            continue
        number = int(name) if name.isdigit() else names.get(name, -1)
        if number < 0 or number > groups:
            continue
        if literal:
            parts.append(literal)
            literal = ""
        parts.append(number + offset if number else 0)
    literal += template[position:]
    if literal or not parts:
        parts.append(literal)
    return Template(tuple(parts))
