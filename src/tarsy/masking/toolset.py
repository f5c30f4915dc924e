"""``MaskedToolset``: tool results, errors included, are masked before anything else sees them.

It wraps the toolset of one server (one masker) or of several (a masker per server id, picked
from the ``server.`` part of the tool name). Masking is fail-closed: if the masker raises, the
result is replaced by a redaction notice, an error result; the log names the tool and the
exception type only, never the text.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping, Sequence

from tarsy.domain.tools import ToolDef, ToolResult, Toolset
from tarsy.masking.masker import NULL_MASKER, Masker

log = logging.getLogger(__name__)


def redaction_notice(tool: str) -> str:
    """What the model gets instead of a result that could not be masked."""
    return (
        f"[REDACTED: data masking failure for {tool}: the result was withheld because it "
        "could not be masked. Continue without it or try a narrower request.]"
    )


class MaskedToolset:
    """Implements ``Toolset``; ``masker`` applies unless ``by_server`` names the tool's server."""

    def __init__(
        self,
        inner: Toolset,
        masker: Masker = NULL_MASKER,
        *,
        by_server: Mapping[str, Masker] | None = None,
    ) -> None:
        self._inner = inner
        self._masker = masker
        self._by_server = dict(by_server or {})

    @property
    def active(self) -> bool:
        """Whether any result of this toolset can be masked at all."""
        return self._masker.active or any(m.active for m in self._by_server.values())

    async def list_tools(self) -> Sequence[ToolDef]:
        return await self._inner.list_tools()

    async def call_tool(self, name: str, arguments: str) -> ToolResult:
        result = await self._inner.call_tool(name, arguments)
        masker = self.masker_for(name)
        if not masker.active:
            return result
        try:
            content = await masker.mask_async(result.content)
            raw = None if result.raw is None else await masker.mask_async(result.raw)
        except Exception as exc:  # noqa: BLE001 - fail closed: nothing unmasked gets through
            log.warning(
                "masking the result of %s failed (%s); the result was withheld",
                _canonical(name),
                type(exc).__name__,
            )
            return ToolResult(redaction_notice(_canonical(name)), is_error=True)
        return ToolResult(content, result.is_error, raw)

    def masker_for(self, name: str) -> Masker:
        """The masker for tool ``name`` (``server.tool`` or ``server__tool``)."""
        server = _canonical(name).split(".", 1)[0]
        return self._by_server.get(server, self._masker)


def _canonical(name: str) -> str:
    name = name.strip()
    return name if "." in name or "__" not in name else name.replace("__", ".", 1)
