"""LLM access (ring 2): the ``Model`` contract, stream events, and the scripted models.

Modules:
- ``types``    -- ``ModelRequest`` and the kind-tagged ``StreamEvent`` union (text delta, thinking
                  delta, tool call, usage). Vendor types never leave ``llm/providers/*``.
- ``errors``   -- ``LLMError`` with the classification codes of SPEC §4.8.
- ``model``    -- the ``Model`` protocol the agent loop consumes.
- ``scripted`` -- ``ScriptedModel`` (queued turns, routable per agent) and ``FunctionModel``.
- ``demo``     -- the scripted demo investigator used when no LLM key is configured.
- ``factory``  -- builds a ``Model`` for a configured provider.
"""

from tarsy.llm.errors import LLMError
from tarsy.llm.model import Model
from tarsy.llm.types import (
    ModelRequest,
    StreamEvent,
    TextDelta,
    ThinkingDelta,
    ToolCallEvent,
    Usage,
)

__all__ = [
    "LLMError",
    "Model",
    "ModelRequest",
    "StreamEvent",
    "TextDelta",
    "ThinkingDelta",
    "ToolCallEvent",
    "Usage",
]
