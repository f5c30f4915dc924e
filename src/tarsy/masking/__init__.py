"""Redaction of secrets in alert data and tool results (ring 1).

Imports only ``tarsy.domain``, the standard library and PyYAML; configuration is read by the
callers, which pass plain data (names and ``CustomRule`` values) in.

Modules (one job each):

- ``patterns``    the built-in regex patterns (SPEC §8 names and markers) and pattern groups.
- ``rules``       ``MaskingRules`` (groups, names, custom patterns) -> ``ResolvedRules``.
- ``templates``   custom replacement templates (``$1``, ``${name}``, ``$$``).
- ``passes``      one pass of a scan (a regex, or the e-mail finder): its next hit on demand.
- ``scanner``     ``Scanner``: the active regex patterns in as few passes as possible, merged
                  as one leftmost-first alternation; ``line_windows`` for rescans.
- ``kubernetes``  the structural Kubernetes Secret masker, behind a cheap pre-check.
- ``masker``      ``Masker`` (code maskers, then regexes), ``build_masker`` (cached),
                  ``NULL_MASKER``.
- ``toolset``     ``MaskedToolset``: a fail-closed ``Toolset`` wrapper, one masker per server.

Contracts:

- ``build_masker(MaskingRules(groups, patterns, custom)) -> Masker``; raises ``MaskingError``
  (a ``TarsyError``) for an unknown group or pattern name or a custom regex that does not
  compile. Equal rules give the same ``Masker``.
- ``Masker.mask(text) -> str`` is pure, thread-safe and one-way: it never raises for odd input
  (unparseable YAML or JSON is handled by fallbacks), text with no match comes back unchanged
  (the same object), and masking masked text changes nothing (idempotent). ``mask_async`` runs
  long texts in a worker thread.
- ``MaskedToolset(inner, masker, by_server={server_id: masker})`` implements
  ``domain.tools.Toolset``: contents, raws and error texts are masked; if masking raises, the
  result becomes the ``redaction_notice`` error result (fail-closed).
- Alert ingest masks with the system group and fails open (the caller catches).
"""

from __future__ import annotations

from tarsy.masking.kubernetes import MARKER as SECRET_DATA_MARKER
from tarsy.masking.kubernetes import has_secret, mask_kubernetes_secrets
from tarsy.masking.masker import NULL_MASKER, Masker, build_masker
from tarsy.masking.patterns import (
    BUILTIN_PATTERNS,
    CODE_MASKERS,
    PATTERN_GROUPS,
    PATTERN_NAMES,
    BuiltinPattern,
)
from tarsy.masking.rules import CustomRule, MaskingError, MaskingRules, resolve_rules
from tarsy.masking.scanner import Scanner
from tarsy.masking.toolset import MaskedToolset, redaction_notice

__all__ = [
    "BUILTIN_PATTERNS",
    "CODE_MASKERS",
    "NULL_MASKER",
    "PATTERN_GROUPS",
    "PATTERN_NAMES",
    "SECRET_DATA_MARKER",
    "BuiltinPattern",
    "CustomRule",
    "MaskedToolset",
    "Masker",
    "MaskingError",
    "MaskingRules",
    "Scanner",
    "build_masker",
    "has_secret",
    "mask_kubernetes_secrets",
    "redaction_notice",
    "resolve_rules",
]
