"""Tool names on the wire: canonical ``server.tool`` inside, ``server__tool`` for vendor APIs."""

from __future__ import annotations

import re
from collections.abc import Iterable

WIRE_SEPARATOR = "__"
_ILLEGAL = re.compile(r"[^A-Za-z0-9_-]")


def to_wire(name: str) -> str:
    """The vendor-safe form of a canonical tool name (dots are illegal in every vendor API)."""
    return _ILLEGAL.sub("_", name.replace(".", WIRE_SEPARATOR, 1))


class ToolNameMap:
    """The names of one request's tools, both ways, so a wire name maps back exactly."""

    __slots__ = ("_to_canonical", "_to_wire")

    def __init__(self, names: Iterable[str]) -> None:
        self._to_wire: dict[str, str] = {}
        self._to_canonical: dict[str, str] = {}
        for name in names:
            wire = to_wire(name)
            self._to_wire[name] = wire
            self._to_canonical.setdefault(wire, name)

    def wire(self, name: str) -> str:
        """The wire name for ``name`` (also for names no longer offered, e.g. in history)."""
        known = self._to_wire.get(name)
        return known if known is not None else to_wire(name)

    def canonical(self, wire: str) -> str:
        """The canonical name for a wire name the model produced; unknown names convert back."""
        known = self._to_canonical.get(wire)
        if known is not None:
            return known
        return wire.replace(WIRE_SEPARATOR, ".", 1) if WIRE_SEPARATOR in wire else wire
