"""Environment interpolation of raw config text before YAML parsing, keeping line numbers exact.

Two placeholder syntaxes, one pass (a substituted value is never expanded again):

- ``{{.VAR}}`` (Go template style, spaces or tabs allowed inside the braces). As in the
  reference, the file is treated as one template: if it contains any ``{{`` that does not open a
  well-formed ``{{.VAR}}`` placeholder, every ``{{...}}`` is left untouched.
- ``${VAR}`` (our addition). ``$${`` is an escape for a literal ``${`` (e.g. a named group in a
  masking replacement). ``$1``, ``${1}`` and lone ``$`` are never touched.

Unknown variables become the empty string. ``SESSION_ID`` is kept for later, per-execution
substitution, and normalised to ``SESSION_ID_PLACEHOLDER``. Placeholders never span lines; a
substituted value containing newlines shifts later lines, and ``Expansion.original_line`` maps an
expanded line back to the line written in the file.
"""

from __future__ import annotations

import re
from bisect import bisect_right
from collections.abc import Mapping
from dataclasses import dataclass

SESSION_ID_PLACEHOLDER = "{{.SESSION_ID}}"
_SESSION_ID = "SESSION_ID"
_NAME = r"[A-Za-z_][A-Za-z0-9_]*"
_GO = rf"\{{\{{[ \t]*\.(?P<go>{_NAME})[ \t]*\}}\}}"
_DOLLAR = rf"\$\$\{{|\$\{{(?P<dollar>{_NAME})\}}"
_BOTH = re.compile(f"{_GO}|{_DOLLAR}")
_DOLLAR_ONLY = re.compile(_DOLLAR)
_GO_ONLY = re.compile(_GO)


@dataclass(frozen=True, slots=True)
class Expansion:
    """Expanded text plus the line mapping (``None`` when no line was shifted)."""

    text: str
    origins: tuple[int, ...] | None = None

    def original_line(self, line: int) -> int:
        """Map a 1-based line of the expanded text to the 1-based line in the original file."""
        if self.origins is None or not 1 <= line <= len(self.origins):
            return line
        return self.origins[line - 1]


def go_template_is_well_formed(text: str) -> bool:
    """True when every ``{{`` in ``text`` opens a ``{{.VAR}}`` placeholder."""
    start = text.find("{{")
    while start != -1:
        match = _GO_ONLY.match(text, start)
        if match is None:
            return False
        start = text.find("{{", match.end())
    return True


def expand_env(text: str, env: Mapping[str, str]) -> Expansion:
    """Substitute placeholders in ``text`` from ``env`` (see the module docstring)."""
    pattern = _BOTH if go_template_is_well_formed(text) else _DOLLAR_ONLY
    line_starts = [0] + [i + 1 for i, ch in enumerate(text) if ch == "\n"]
    extra_newlines: dict[int, int] = {}

    def substitute(match: re.Match[str]) -> str:
        name = match.groupdict().get("go") or match.group("dollar")
        if name is None:  # the "$${" escape
            return "${"
        if name == _SESSION_ID:
            return SESSION_ID_PLACEHOLDER
        value = env.get(name, "")
        added = value.count("\n")
        if added:
            line = bisect_right(line_starts, match.start())
            extra_newlines[line] = extra_newlines.get(line, 0) + added
        return value

    expanded = pattern.sub(substitute, text)
    if not extra_newlines:
        return Expansion(expanded)
    origins: list[int] = []
    for line in range(1, len(line_starts) + 1):
        origins.extend([line] * (1 + extra_newlines.get(line, 0)))
    return Expansion(expanded, tuple(origins))
