"""``Masker``: the code maskers, then the regex patterns, of one set of ``MaskingRules``.

``build_masker(rules)`` resolves and compiles once per distinct rules value (cached), so
callers may ask for a masker whenever they need one. ``NULL_MASKER`` masks nothing.
"""

from __future__ import annotations

import asyncio
from functools import lru_cache

from tarsy.masking.kubernetes import has_secret, mask_kubernetes_secrets
from tarsy.masking.patterns import KUBERNETES_SECRET
from tarsy.masking.rules import MaskingRules, resolve_rules
from tarsy.masking.scanner import Scanner, line_windows

MAX_ROUNDS = 4
"""The scanner runs again on the lines it changed until nothing changes, this many times at most
(built-in patterns settle in two: each round replaces text that no pattern matches again)."""
OFFLOAD_CHARS = 256 * 1024
"""Texts longer than this are masked in a worker thread by ``mask_async``."""


class Masker:
    """Masks text: the Kubernetes Secret masker first (when active), then the regex scanner."""

    def __init__(self, scanner: Scanner, *, kubernetes_secrets: bool = False) -> None:
        self._scanner = scanner
        self._kubernetes_secrets = kubernetes_secrets

    @property
    def active(self) -> bool:
        """Whether masking can change anything at all."""
        return self._kubernetes_secrets or self._scanner.active

    def mask(self, text: str) -> str:
        """``text`` with every secret the rules know replaced by its marker.

        Pure and thread-safe. It raises only on a bug (callers decide: fail closed or open).
        """
        structural = self._kubernetes_secrets
        if structural:
            text = mask_kubernetes_secrets(text)
        scanner = self._scanner
        masked, spans = scanner.scan_spans(text)
        for _ in range(MAX_ROUNDS - 1):
            if masked is text:
                break
            text = masked
            if structural and has_secret(text):
                # The regexes can turn text the Secret masker could not read into text it can.
                again = mask_kubernetes_secrets(text)
                if again is not text:
                    text = again
                    masked, spans = scanner.scan_spans(text)
                    continue
            if not spans:
                break
            # Text next to a marker may match now (the key kept before a value was skipped
            # over): rescan the lines where that can happen (see ``Scanner.scan_spans``).
            windows = line_windows(text, spans) if scanner.line_local else None
            masked, spans = scanner.scan_spans(text, windows)
        return masked

    async def mask_async(self, text: str) -> str:
        """``mask``, in a worker thread for long texts so the event loop keeps running."""
        if len(text) <= OFFLOAD_CHARS or not self.active:
            return self.mask(text)
        return await asyncio.to_thread(self.mask, text)


NULL_MASKER = Masker(Scanner(()))
"""Masks nothing (masking disabled, or no rules)."""


@lru_cache(maxsize=256)
def build_masker(rules: MaskingRules) -> Masker:
    """The masker of ``rules``; raises ``MaskingError`` for an unknown name or a bad regex."""
    resolved = resolve_rules(rules)
    if resolved.empty:
        return NULL_MASKER
    return Masker(
        Scanner(resolved.builtins, resolved.custom),
        kubernetes_secrets=KUBERNETES_SECRET in resolved.code_maskers,
    )
