"""One agent execution: resolve, create its row, run the controller, record, finish.

Resolution or model-building failures still create a failed execution row, so every stage can
aggregate its executions. Cancellation propagates; the worker closes open rows afterwards.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import AsyncIterator, Awaitable, Callable, Mapping
from contextlib import asynccontextmanager
from dataclasses import dataclass, replace
from datetime import UTC, datetime
from typing import Literal

from tarsy.agent import AgentSpec, run_iterating_agent
from tarsy.agent.inbox import NO_INBOX
from tarsy.agent.prompts import PromptInputs, sub_agent_system_prompt
from tarsy.agent.single_shot import run_single_shot
from tarsy.config import (
    NativeToolSettings,
    ResolvedAgentConfig,
    TarsyConfig,
    resolve_summarization,
)
from tarsy.config.pricing import CostRates
from tarsy.db.repos.runs import NewExecution, RunRepo
from tarsy.db.repos.timeline import NewTimelineEvent, TimelineRepo
from tarsy.db.repos.trace import ExecutionRef, TraceRepo
from tarsy.db.tables import Stage
from tarsy.domain.errors import TarsyError
from tarsy.domain.statuses import ExecutionStatus, TimelineEventType, TimelineStatus
from tarsy.domain.tools import StaticToolset, Toolset
from tarsy.events.bus import Bus
from tarsy.llm.fallback import FallbackEvent
from tarsy.llm.model import Model
from tarsy.observability.logging import log_context
from tarsy.observability.metrics import Metrics
from tarsy.pipeline.context import ExecutionResult
from tarsy.pipeline.events import RunEvents
from tarsy.pipeline.orchestrator import CatalogEntry, SubAgentDispatcher, sub_agent_catalog
from tarsy.pipeline.ports import ModelFactory, ModelHooks, OpenedTools, ToolsetFactory
from tarsy.pipeline.recorder import ExecutionRecorder, record_event
from tarsy.pipeline.summarizing import SUMMARIZER_AGENT, SummarizingToolset, SummaryPolicy
from tarsy.pipeline.toolsets import CompositeToolset

Controller = Literal["iterating", "synthesis", "executive_summary"]
Prompts = Callable[[ResolvedAgentConfig, OpenedTools], tuple[str, str]]
TERMINAL_TIMELINE = {
    ExecutionStatus.CANCELLED: TimelineStatus.CANCELLED,
    ExecutionStatus.TIMED_OUT: TimelineStatus.TIMED_OUT,
}

log = logging.getLogger(__name__)


@dataclass(frozen=True, slots=True)
class Orchestration:
    """Where an execution's sub-agents resolve from: its chain and the alert's server override."""

    chain_id: str
    mcp_override: list[str] | None = None


@dataclass(frozen=True, slots=True)
class Delegation:
    """A sub-agent execution: its orchestrator, its task, and where its id is announced."""

    parent_execution_id: str
    task: str
    started: asyncio.Future[str]


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
        metrics: Metrics,
    ) -> None:
        self._config = config
        self._holidays = {h.date: h.name for h in config.system.holidays}
        self._metrics = metrics
        self._pricing = CostRates(config.system.cost_estimation)
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
        orchestration: Orchestration | None = None,
        delegation: Delegation | None = None,
    ) -> ExecutionResult:
        """Run one execution. ``orchestration`` lets an agent with sub-agents dispatch them;
        ``delegation`` makes this execution a sub-agent of another."""
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
            return await self._failed_before_start(
                stage, name, agent_index, exc.message, delegation
            )
        execution = await self._runs.start_execution(
            NewExecution(
                session_id=stage.session_id,
                stage_id=stage.stage_id,
                agent_name=name,
                agent_index=agent_index,
                llm_provider=agent.llm_provider,
                llm_backend=agent.llm_backend,
                model_name=model.model_name,
                parent_execution_id=delegation.parent_execution_id if delegation else None,
                task=delegation.task if delegation else None,
            )
        )
        eid = execution.execution_id
        with log_context(execution_id=eid, agent=name):
            parent = delegation.parent_execution_id if delegation else None
            await self._events.execution(
                stage, eid, agent_index, "active", None, parent_execution_id=parent
            )
            if delegation is not None:
                await self._task_assigned(stage, eid, name, delegation)
            recorder = ExecutionRecorder(
                ref=ExecutionRef(stage.session_id, stage.stage_id, eid),
                provider_name=model.provider_name,
                model_name=model.model_name,
                timeline=self._timeline,
                trace=self._trace,
                bus=self._bus,
                pricing=self._pricing,
                metrics=self._metrics,
                parent_execution_id=parent,
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
            async with self._open_tools(agent, eid, controller, tool_filter) as opened:
                dispatcher = None
                if controller == "iterating" and delegation is None and orchestration is not None:
                    dispatcher = self._dispatcher(agent, stage, eid, orchestration, tool_filter)
                tools = opened
                if dispatcher is not None:
                    tools = replace(
                        opened,
                        toolset=CompositeToolset([opened.toolset, dispatcher]),
                        sub_agents=dispatcher.catalog,
                    )
                system, user = prompts(agent, tools)
                spec = AgentSpec(
                    agent_name=agent.agent_name,
                    system_prompt=system,
                    user_prompt=user,
                    max_iterations=agent.max_iterations,
                    session_id=stage.session_id,
                    execution_id=eid,
                )
                cancelled = False
                try:
                    if controller == "iterating":
                        toolset = self._summarizing(agent, tools.toolset, recorder, spec)
                        inbox = dispatcher if dispatcher is not None else NO_INBOX
                        outcome = await run_iterating_agent(spec, model, toolset, recorder, inbox)
                    else:
                        outcome = await run_single_shot(spec, model, recorder, controller)
                except TarsyError as exc:
                    status, error = ExecutionStatus.FAILED, exc.message
                except asyncio.CancelledError:
                    cancelled = True
                    raise
                else:
                    status = ExecutionStatus(outcome.status)
                    analysis, error = outcome.final_analysis, outcome.error
                finally:
                    if dispatcher is not None:
                        await dispatcher.aclose(cancelled=cancelled)
            await self._runs.finish_execution(execution, status, error)
            log.info("execution %s (%s): %s", eid, name, status.value)
            await self._events.execution(
                stage, eid, agent_index, status.value, error, parent_execution_id=parent
            )
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

    def _dispatcher(
        self,
        agent: ResolvedAgentConfig,
        stage: Stage,
        parent_id: str,
        orchestration: Orchestration,
        tool_filter: Mapping[str, frozenset[str]] | None,
    ) -> SubAgentDispatcher | None:
        """The sub-agent tools of an orchestrator (SPEC §5); None when it has no sub-agents."""
        catalog = sub_agent_catalog(
            self._config, orchestration.chain_id, agent, orchestration.mcp_override
        )
        if not catalog:
            return None

        def prompts(sub: ResolvedAgentConfig, tools: OpenedTools, task: str) -> tuple[str, str]:
            inputs = PromptInputs(
                alert_type="",
                alert_data="",
                now=datetime.now(UTC),
                custom_instructions=sub.custom_instructions,
                server_instructions=tools.instructions,
                failed_servers=tools.failed_servers,
                holidays=self._holidays,
            )
            return sub_agent_system_prompt(inputs), task

        async def run(
            entry: CatalogEntry, task: str, index: int, started: asyncio.Future[str]
        ) -> ExecutionResult:
            return await self.run(
                stage=stage,
                name=entry.name,
                agent_index=index,
                resolve=lambda: entry.agent,
                prompts=lambda sub, tools: prompts(sub, tools, task),
                tool_filter=tool_filter,
                delegation=Delegation(parent_id, task, started),
            )

        async def finish(execution_id: str, status: ExecutionStatus, error: str) -> None:
            await self._finish_by_id(stage, execution_id, status, error)

        limits = agent.orchestrator
        return SubAgentDispatcher(
            catalog,
            max_concurrent_agents=limits.max_concurrent_agents,
            agent_timeout=limits.agent_timeout.total_seconds(),
            max_budget=limits.max_budget.total_seconds(),
            run=run,
            finish=finish,
        )

    async def _finish_by_id(
        self, stage: Stage, execution_id: str, status: ExecutionStatus, error: str
    ) -> None:
        """End a sub-execution that was stopped from outside (cancel, timeout, budget)."""
        execution = await self._runs.execution(execution_id)
        if execution is None:
            return
        await self._runs.finish_execution(execution, status, error)
        await self._timeline.finish_streaming(
            stage.session_id,
            TERMINAL_TIMELINE.get(status, TimelineStatus.FAILED),
            execution_id=execution_id,
        )
        await self._events.execution(
            stage,
            execution_id,
            execution.agent_index,
            status,
            error,
            parent_execution_id=execution.parent_execution_id,
        )

    async def _task_assigned(
        self, stage: Stage, execution_id: str, name: str, delegation: Delegation
    ) -> None:
        await record_event(
            self._timeline,
            self._bus,
            NewTimelineEvent(
                session_id=stage.session_id,
                stage_id=stage.stage_id,
                execution_id=execution_id,
                event_type=TimelineEventType.TASK_ASSIGNED,
                status=TimelineStatus.COMPLETED,
                content=delegation.task,
                metadata={
                    "agent_name": name,
                    "parent_execution_id": delegation.parent_execution_id,
                },
            ),
        )
        if not delegation.started.done():
            delegation.started.set_result(execution_id)

    async def _failed_before_start(
        self,
        stage: Stage,
        name: str,
        agent_index: int,
        message: str,
        delegation: Delegation | None = None,
    ) -> ExecutionResult:
        execution = await self._runs.start_execution(
            NewExecution(
                stage.session_id,
                stage.stage_id,
                name,
                agent_index,
                None,
                None,
                None,
                parent_execution_id=delegation.parent_execution_id if delegation else None,
                task=delegation.task if delegation else None,
            )
        )
        if delegation is not None and not delegation.started.done():
            delegation.started.set_result(execution.execution_id)
        await self._runs.finish_execution(execution, ExecutionStatus.FAILED, message)
        await self._events.execution(
            stage,
            execution.execution_id,
            agent_index,
            "failed",
            message,
            parent_execution_id=execution.parent_execution_id,
        )
        return ExecutionResult(name, ExecutionStatus.FAILED, None, message)
