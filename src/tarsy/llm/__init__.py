"""LLM access (ring 2): the ``Model`` contract, stream events, vendor adapters and wrappers.

Modules:
- ``types``       -- ``ModelRequest`` and the kind-tagged ``StreamEvent`` union (text delta,
                     thinking delta, tool call, usage).
- ``errors``      -- ``LLMError`` with the classification codes of SPEC §4.8.
- ``model``       -- the ``Model`` protocol the agent loop consumes.
- ``providers``   -- vendor adapters (OpenAI/xAI/compatible, Anthropic, Google); vendor types
                     never leave this package.
- ``toolnames``   -- ``server.tool`` inside, ``server__tool`` on the wire.
- ``replay``      -- vendor state (thinking blocks, thought signatures) sent back on later turns.
- ``guards``      -- initial-response and stall timeouts, loop detection (``loops``).
- ``retry``       -- ``RetryingModel``: backoff for calls that failed before streaming.
- ``fallback``    -- ``FallbackModel``: per-execution provider switching, ``FallbackEvent``.
- ``unavailable`` -- a model that fails every call with a stored reason.
- ``scripted``    -- ``ScriptedModel`` (queued turns, routable per agent) and ``FunctionModel``.
- ``demo``        -- the scripted demo investigator used when no LLM key is configured.
- ``factory``     -- ``build_model`` and ``ModelCatalog``: models from provider config.
"""

from tarsy.llm.errors import LLMError
from tarsy.llm.fallback import FallbackEvent, FallbackModel, OnFallback
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
    "FallbackEvent",
    "FallbackModel",
    "LLMError",
    "Model",
    "ModelRequest",
    "OnFallback",
    "StreamEvent",
    "TextDelta",
    "ThinkingDelta",
    "ToolCallEvent",
    "Usage",
]
