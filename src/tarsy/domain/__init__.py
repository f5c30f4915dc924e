"""Pure domain types shared by every layer (ring 0): ids, statuses, messages, tools, errors.

Modules:
- ``errors``   -- the ``TarsyError`` root and the domain errors the API maps to HTTP codes.
- ``ids``      -- UUID string ids.
- ``statuses`` -- snake_case enums shared by database, API and dashboard, and their transitions.
- ``messages`` -- the linear LLM conversation (roles, tool calls).
- ``tools``    -- tool definitions, tool results and the ``Toolset`` contract.

Nothing here imports anything else from ``tarsy``.
"""
