"""The agent loop (ring 3): pure. Knows ``Model``, ``Toolset`` and ``RunSink``; no database,
MCP, events or configuration.

Modules:
- ``sink``    -- ``RunSink``, the loop's only outlet, its records, and ``RecordingSink`` (fake).
- ``loop``    -- ``run_iterating_agent``: native tool calling, error recovery, empty-response
                 nudges, forced conclusion at ``max_iterations``.
- ``prompts`` -- system and user prompt composition from plain inputs.
- ``inbox``   -- ``Inbox``: messages arriving while the loop runs (sub-agent results), and
                 ``NO_INBOX``, its null object.
"""

from tarsy.agent.loop import AgentOutcome, AgentSpec, run_iterating_agent
from tarsy.agent.sink import LLMCallRecord, RecordingSink, RunSink

__all__ = [
    "AgentOutcome",
    "AgentSpec",
    "LLMCallRecord",
    "RecordingSink",
    "RunSink",
    "run_iterating_agent",
]
