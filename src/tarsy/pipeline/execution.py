"""One agent execution: resolve, create its row, run the controller, record, finish.

Resolution or model-building failures still create a failed execution row, so every stage can
aggregate its executions. Cancellation propagates; the worker closes open rows afterwards.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Awaitable, Callable, Mapping
from contextlib import asynccontextmanager
from dataclasses import replace
from typing import Literal

from tarsy.agent import AgentSpec, run_iterating_agent
from tarsy.agent.single_shot import run_single_shot
from tarsy.config import (
    NativeToolSettings,
    ResolvedAgentConfig,
    TarsyConfig,
    resolve_summarization,
)
from tarsy.db.repos.runs import NewExecution, RunRepo
from tarsy.db.repos.timeline import TimelineRepo
from tarsy.db.repos.trace import ExecutionRef, TraceRepo
from tarsy.db.tables import Stage
from tarsy.domain.errors import TarsyError
from tarsy.domain.statuses import ExecutionStatus
from tarsy.domain.tools import StaticToolset, Toolset
from tarsy.events.bus import Bus
from tarsy.llm.fallback import FallbackEvent
from tarsy.llm.model import Model
from tarsy.pipeline.context import ExecutionResult
from tarsy.pipeline.events import RunEvents
from tarsy.pipeline.ports import ModelFactory, ModelHooks, OpenedTools, ToolsetFactory
from tarsy.pipeline.recorder import ExecutionRecorder
from tarsy.pipeline.summarizing import SUMMARIZER_AGENT, SummarizingToolset, SummaryPolicy

Controller = Literal["iterating", "synthesis", "executive_summary"]
Prompts = Callable[[ResolvedAgentConfig, OpenedTools], tuple[str, str]]


class ExecutionRunner:
    def __init__(
        self,
        *,
        config: TarsyConfig,
        runs: RunRepo,
        timeline: TimelineRepo,
        trace: TraceRepo,
        bus: Bus,
        models: ModelFactory,
        toolsets: ToolsetFactory,
    ) -> None:
        self._config = config
        self._runs = runs
        self._timeline = timeline
        self._trace = trace
        self._bus = bus
        self._events = RunEvents(bus)
        self._models = models
        self._toolsets = toolsets

    async def run(
        self,
        *,
        stage: Stage,
        name: str,
        agent_index: int,
        resolve: Callable[[], ResolvedAgentConfig],
        prompts: Prompts,
        controller: Controller = "iterating",
        tool_filter: Mapping[str, frozenset[str]] | None = None,
    ) -> ExecutionResult:
        switches: list[FallbackEvent] = []
        bound: list[Callable[[FallbackEvent], Awaitable[None]]] = []

        async def on_fallback(event: FallbackEvent) -> None:
            # Only model calls switch providers, and they start after the execution exists.
            if bound:
                await bound[0](event)
            else:
                switches.append(event)

        try:
            agent = resolve()
            model = self._models(
                agent, ModelHooks(on_fallback=on_fallback, single_shot=controller != "iterating")
            )
        except TarsyError as exc:
            return await self._failed_before_start(stage, name, agent_index, exc.message)
        execution = await self._runs.start_execution(
            NewExecution(
                session_id=stage.session_id,
                stage_id=stage.stage_id,
                agent_name=name,
                agent_index=agent_index,
                llm_provider=agent.llm_provider,
                llm_backend=agent.llm_backend,
                model_name=model.model_name,
            )
        )
        eid = execution.execution_id
        await self._events.execution(stage, eid, agent_index, "active", None)
        recorder = ExecutionRecorder(
            ref=ExecutionRef(stage.session_id, stage.stage_id, eid),
            model_name=model.model_name,
            timeline=self._timeline,
            trace=self._trace,
            bus=self._bus,
        )

        async def record_switch(event: FallbackEvent) -> None:
            await self._runs.record_fallback(
                execution, event.fallback_provider, event.fallback_model
            )
            await recorder.provider_fallback(event)

        bound.append(record_switch)
        for event in switches:
            await record_switch(event)
        analysis: str | None = None
        error: str | None
        async with self._open_tools(agent, eid, controller, tool_filter) as tools:
            system, user = prompts(agent, tools)
            spec = AgentSpec(
                agent_name=agent.agent_name,
                system_prompt=system,
                user_prompt=user,
                max_iterations=agent.max_iterations,
                session_id=stage.session_id,
                execution_id=eid,
            )
            try:
                if controller == "iterating":
                    toolset = self._summarizing(agent, tools.toolset, recorder, spec)
                    outcome = await run_iterating_agent(spec, model, toolset, recorder)
                else:
                    outcome = await run_single_shot(spec, model, recorder, controller)
            except TarsyError as exc:
                status, error = ExecutionStatus.FAILED, exc.message
            else:
                status = ExecutionStatus(outcome.status)
                analysis, error = outcome.final_analysis, outcome.error
        await self._runs.finish_execution(execution, status, error)
        await self._events.execution(stage, eid, agent_index, status.value, error)
        return ExecutionResult(
            name,
            status,
            analysis,
            error,
            execution.llm_provider,
            agent.llm_backend,
            execution.model_name,
        )

    def _summarizing(
        self,
        agent: ResolvedAgentConfig,
        toolset: Toolset,
        recorder: ExecutionRecorder,
        spec: AgentSpec,
    ) -> Toolset:
        """Wrap ``toolset`` so large results of servers with summarization reach the model
        summarized (SPEC §4.5); the summarizer model is built on first use."""
        policies: dict[str, SummaryPolicy] = {}
        for server in agent.mcp_servers:
            try:
                resolved = resolve_summarization(self._config, server, agent)
            except TarsyError:
                continue
            if not resolved.enabled:
                continue
            summarizer = replace(
                agent,
                agent_name=SUMMARIZER_AGENT,
                llm_provider=resolved.llm_provider,
                provider=resolved.provider,
                llm_backend=resolved.llm_backend,
                native_tools=NativeToolSettings(),
            )
            policies[server] = SummaryPolicy(
                resolved.size_threshold_tokens,
                resolved.summary_max_token_limit,
                self._lazy_model(summarizer),
            )
        if not policies:
            return toolset
        return SummarizingToolset(
            toolset,
            policies,
            recorder,
            session_id=spec.session_id,
            execution_id=spec.execution_id,
        )

    def _lazy_model(self, agent: ResolvedAgentConfig) -> Callable[[], Model]:
        built: list[Model] = []

        def model() -> Model:
            if not built:
                built.append(self._models(agent, ModelHooks(single_shot=True)))
            return built[0]

        return model

    @asynccontextmanager
    async def _open_tools(
        self,
        agent: ResolvedAgentConfig,
        execution_id: str,
        controller: Controller,
        tool_filter: Mapping[str, frozenset[str]] | None,
    ) -> AsyncIterator[OpenedTools]:
        if controller != "iterating":
            yield OpenedTools(StaticToolset([]))
            return
        async with self._toolsets(agent.mcp_servers, execution_id, tool_filter) as tools:
            yield tools

    async def _failed_before_start(
        self, stage: Stage, name: str, agent_index: int, message: str
    ) -> ExecutionResult:
        execution = await self._runs.start_execution(
            NewExecution(stage.session_id, stage.stage_id, name, agent_index, None, None, None)
        )
        await self._runs.finish_execution(execution, ExecutionStatus.FAILED, message)
        await self._events.execution(stage, execution.execution_id, agent_index, "failed", message)
        return ExecutionResult(name, ExecutionStatus.FAILED, None, message)
