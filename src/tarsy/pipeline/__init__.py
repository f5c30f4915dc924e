"""Session execution (ring 4): chains of stages of agents, recorded as they run.

Modules:
- ``results``        -- ``SessionResult`` and the ``SessionExecutor`` contract the worker uses.
- ``ports``          -- ``ModelFactory`` and ``ToolsetFactory``: what the composition root wires.
- ``session_runner`` -- ``SessionRunner``: stages in order, agents concurrently, success
                        policies, previous-stage context, progress and status events.
- ``recorder``       -- ``ExecutionRecorder``: the ``RunSink`` that persists and publishes.
- ``toolsets``       -- ``CompositeToolset``: several toolsets behind one.
- ``summarizing``    -- ``SummarizingToolset``: large tool results summarized by an LLM call.
- ``orchestrator``   -- ``SubAgentDispatcher``: dispatch/list/cancel sub-agents, their results
                        as an ``agent.Inbox``, and the enforced limits.
"""
