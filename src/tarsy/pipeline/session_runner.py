"""Runs a session's chain: investigation stages in order, synthesis after each parallel stage,
then the executive summary (SPEC §3.5–3.8, §3.10).

Each stage's executions run concurrently and the stage's status follows its success policy;
the chain stops at the first stage (or synthesis) that does not complete. The next stage gets
the completed stages' results as context, a parallel stage contributing only its synthesis.
The executive summary is fail-open: its failure leaves the session ``completed`` with
``executive_summary_error``. Cancellation propagates as ``CancelledError``; the worker writes the
terminal statuses.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime

from tarsy.agent.prompts import (
    PromptInputs,
    exec_summary_system_prompt,
    exec_summary_user_prompt,
    synthesis_system_prompt,
    synthesis_user_prompt,
    system_prompt,
    user_prompt,
)
from tarsy.config import (
    ChainConfig,
    ResolvedAgentConfig,
    TarsyConfig,
    resolve_exec_summary_agent,
    resolve_stage_agent,
    resolve_success_policy,
    resolve_synthesis_agent,
    stage_executions,
)
from tarsy.db.engine import Database
from tarsy.db.repos.runs import NewStage, RunRepo
from tarsy.db.repos.sessions import SessionRepo
from tarsy.db.repos.timeline import NewTimelineEvent, TimelineRepo
from tarsy.db.repos.trace import TraceRepo
from tarsy.db.tables import AlertSession, Stage
from tarsy.domain.statuses import (
    ParallelType,
    SessionStatus,
    StageStatus,
    StageType,
    SuccessPolicy,
    TimelineEventType,
    TimelineStatus,
)
from tarsy.events.bus import Bus
from tarsy.observability.metrics import Metrics
from tarsy.pipeline.context import (
    ExecutionResult,
    render_parallel,
    render_previous,
    stage_result,
)
from tarsy.pipeline.events import RunEvents
from tarsy.pipeline.execution import ExecutionRunner, Orchestration
from tarsy.pipeline.policy import aggregate, override_servers, override_tool_filter
from tarsy.pipeline.ports import ModelFactory, OpenedTools, ToolsetFactory
from tarsy.pipeline.recorder import record_event
from tarsy.pipeline.results import SessionResult
from tarsy.runbooks import RunbookSource

Job = Callable[[Stage], Awaitable[ExecutionResult]]


@dataclass(frozen=True, slots=True)
class StageOutcome:
    stage: Stage
    status: StageStatus
    error: str | None
    results: list[ExecutionResult]


class SessionRunner:
    """Implements ``SessionExecutor``."""

    def __init__(
        self,
        *,
        config: TarsyConfig,
        db: Database,
        bus: Bus,
        models: ModelFactory,
        toolsets: ToolsetFactory,
        metrics: Metrics,
        runbooks: RunbookSource,
        clock: Callable[[], datetime] = lambda: datetime.now(UTC),
    ) -> None:
        self._config = config
        self._clock = clock
        self._holidays = holiday_map(config)
        self._next_stage: dict[str, int] = {}
        self._runbooks = runbooks
        self._runbook_text: dict[str, str | None] = {}
        self._bus = bus
        self._timeline = TimelineRepo(db)
        self._sessions = SessionRepo(db)
        self._runs = RunRepo(db)
        self._events = RunEvents(bus)
        self._executions = ExecutionRunner(
            config=config,
            runs=self._runs,
            timeline=self._timeline,
            trace=TraceRepo(db),
            bus=bus,
            models=models,
            toolsets=toolsets,
            metrics=metrics,
        )

    async def run(self, session_id: str) -> SessionResult:
        session = await self._sessions.get(session_id)
        if session is None:
            return SessionResult(SessionStatus.FAILED, error_message="session not found")
        chain = self._config.agent_chains.get(session.chain_id)
        if chain is None:
            return SessionResult(
                SessionStatus.FAILED,
                error_message=f"chain {session.chain_id!r} is no longer configured",
            )
        parallel = sum(1 for i in range(len(chain.stages)) if self._width(session, i) > 1)
        total = len(chain.stages) + parallel + 1
        # This run numbers its stages itself, so creating one never waits for the database. A
        # run always starts with none: a new session has none, and re-queueing an orphan
        # deletes the lost attempt's (QueueRepo); (session_id, stage_index) is unique besides.
        self._next_stage[session_id] = 1
        self._runbook_text[session_id] = await self._resolve_runbook(session)
        try:
            return await self._run_chain(session, chain, total)
        finally:
            self._next_stage.pop(session_id, None)
            self._runbook_text.pop(session_id, None)

    async def _resolve_runbook(self, session: AlertSession) -> str | None:
        """The runbook for every prompt of this run, resolved once (SPEC §9). A URL that cannot
        be fetched leaves a session-level warning on the timeline; the run goes on."""
        resolved = await self._runbooks.resolve(session.runbook_url)
        if resolved.warning is not None:
            await record_event(
                self._timeline,
                self._bus,
                NewTimelineEvent(
                    session_id=session.session_id,
                    event_type=TimelineEventType.ERROR,
                    status=TimelineStatus.COMPLETED,
                    content=resolved.warning,
                    metadata={"source": "runbook", "runbook_url": session.runbook_url},
                ),
            )
        return resolved.text

    async def _run_chain(
        self, session: AlertSession, chain: ChainConfig, total: int
    ) -> SessionResult:
        previous: list[tuple[str, str]] = []
        final: str | None = None
        for index, stage_cfg in enumerate(chain.stages):
            outcome = await self._investigation(session, index, render_previous(previous), total)
            if outcome.status is not StageStatus.COMPLETED:
                return _stopped(stage_cfg.name, outcome)
            text = stage_result(outcome.results)
            if len(outcome.results) > 1:
                synthesis = await self._synthesis(session, index, outcome, total)
                if synthesis.status is not StageStatus.COMPLETED:
                    return _stopped(synthesis.stage.stage_name, synthesis)
                text = stage_result(synthesis.results)
            previous.append((stage_cfg.name, text))
            final = text or final
        if not final:
            return SessionResult(SessionStatus.COMPLETED)
        summary = await self._executive_summary(session, final, total)
        summary_ok = summary.status is StageStatus.COMPLETED
        return SessionResult(
            SessionStatus.COMPLETED,
            final_analysis=final,
            executive_summary=stage_result(summary.results) if summary_ok else None,
            executive_summary_error=None if summary_ok else summary.error,
        )

    # -- stages -------------------------------------------------------------------------------
    def _width(self, session: AlertSession, index: int) -> int:
        return len(stage_executions(self._config, session.chain_id, index))

    async def _investigation(
        self, session: AlertSession, index: int, previous: str | None, total: int
    ) -> StageOutcome:
        chain_id = session.chain_id
        stage_cfg = self._config.agent_chains[chain_id].stages[index]
        specs = stage_executions(self._config, chain_id, index)
        override = override_servers(session.mcp_selection)
        policy = SuccessPolicy(resolve_success_policy(self._config, chain_id, index))
        parallel = len(specs) > 1
        replica = (stage_cfg.replicas or 1) > 1

        def job(name: str, position: int, agent_index: int) -> Job:
            def resolve() -> ResolvedAgentConfig:
                return resolve_stage_agent(self._config, chain_id, index, position, override)

            def prompts(agent: ResolvedAgentConfig, tools: OpenedTools) -> tuple[str, str]:
                inputs = self._inputs(session, agent, previous, tools)
                return system_prompt(inputs), user_prompt(inputs)

            return lambda stage: self._executions.run(
                stage=stage,
                name=name,
                agent_index=agent_index,
                resolve=resolve,
                prompts=prompts,
                tool_filter=override_tool_filter(session.mcp_selection),
                orchestration=Orchestration(chain_id, override),
            )

        return await self._stage(
            NewStage(
                session_id=session.session_id,
                stage_name=stage_cfg.name,
                stage_type=StageType.INVESTIGATION,
                expected_agent_count=len(specs),
                parallel_type=(
                    (ParallelType.REPLICA if replica else ParallelType.MULTI_AGENT)
                    if parallel
                    else None
                ),
                success_policy=policy if parallel else None,
            ),
            [job(spec.name, spec.agent_index, i + 1) for i, spec in enumerate(specs)],
            policy if parallel else SuccessPolicy.ALL,
            total,
        )

    async def _synthesis(
        self, session: AlertSession, index: int, parallel: StageOutcome, total: int
    ) -> StageOutcome:
        results_text = render_parallel(parallel.stage.stage_name, parallel.results)

        def resolve() -> ResolvedAgentConfig:
            return resolve_synthesis_agent(self._config, session.chain_id, index)

        def prompts(agent: ResolvedAgentConfig, _tools: OpenedTools) -> tuple[str, str]:
            system = synthesis_system_prompt(
                self._clock(), agent.custom_instructions, self._holidays
            )
            user = synthesis_user_prompt(session.alert_data, self._runbook(session), results_text)
            return system, user

        async def job(stage: Stage) -> ExecutionResult:
            name = resolve_name(resolve, "SynthesisAgent")
            return await self._executions.run(
                stage=stage,
                name=name,
                agent_index=1,
                resolve=resolve,
                prompts=prompts,
                controller="synthesis",
            )

        return await self._stage(
            NewStage(
                session_id=session.session_id,
                stage_name=f"{parallel.stage.stage_name} - Synthesis",
                stage_type=StageType.SYNTHESIS,
                referenced_stage_id=parallel.stage.stage_id,
            ),
            [job],
            SuccessPolicy.ALL,
            total,
        )

    async def _executive_summary(
        self, session: AlertSession, final: str, total: int
    ) -> StageOutcome:
        def resolve() -> ResolvedAgentConfig:
            return resolve_exec_summary_agent(self._config, session.chain_id)

        def prompts(_agent: ResolvedAgentConfig, _tools: OpenedTools) -> tuple[str, str]:
            system = exec_summary_system_prompt(self._clock(), self._holidays)
            return system, exec_summary_user_prompt(final)

        async def job(stage: Stage) -> ExecutionResult:
            return await self._executions.run(
                stage=stage,
                name=resolve_name(resolve, "ExecSummaryAgent"),
                agent_index=1,
                resolve=resolve,
                prompts=prompts,
                controller="executive_summary",
            )

        return await self._stage(
            NewStage(
                session_id=session.session_id,
                stage_name="Executive Summary",
                stage_type=StageType.EXEC_SUMMARY,
            ),
            [job],
            SuccessPolicy.ALL,
            total,
        )

    async def _stage(
        self, new: NewStage, jobs: Sequence[Job], policy: SuccessPolicy, total: int
    ) -> StageOutcome:
        index = self._next_stage[new.session_id]
        self._next_stage[new.session_id] = index + 1
        stage = await self._runs.start_stage(new, index=index)
        await self._sessions.set_progress(new.session_id, stage.stage_index, stage.stage_id)
        await self._events.stage(stage)
        await self._events.progress(stage, stage.stage_index, total, len(jobs))
        results = list(await asyncio.gather(*(job(stage) for job in jobs)))
        status, error = aggregate(results, policy)
        await self._runs.finish_stage(stage, status, error)
        await self._events.stage(stage)
        return StageOutcome(stage, status, error, results)

    # -- prompt inputs ------------------------------------------------------------------------
    def _inputs(
        self,
        session: AlertSession,
        agent: ResolvedAgentConfig,
        previous: str | None,
        tools: OpenedTools,
    ) -> PromptInputs:
        return PromptInputs(
            alert_type=session.alert_type,
            alert_data=session.alert_data,
            now=self._clock(),
            custom_instructions=agent.custom_instructions,
            server_instructions=tools.instructions,
            failed_servers=tools.failed_servers,
            runbook=self._runbook(session),
            previous_stages=previous,
            sub_agents=tools.sub_agents,
            holidays=self._holidays,
        )

    def _runbook(self, session: AlertSession) -> str | None:
        return self._runbook_text.get(session.session_id, self._config.defaults.runbook)


def holiday_map(config: TarsyConfig) -> dict[str, str]:
    """``system.holidays`` as ``MM-DD`` -> name, for the prompts' calendar context."""
    return {h.date: h.name for h in config.system.holidays}


def resolve_name(resolve: Callable[[], ResolvedAgentConfig], fallback: str) -> str:
    try:
        return resolve().agent_name
    except Exception:  # noqa: BLE001 - the execution reports the resolution error itself
        return fallback


def _stopped(name: str, outcome: StageOutcome) -> SessionResult:
    status = {
        StageStatus.TIMED_OUT: SessionStatus.TIMED_OUT,
        StageStatus.CANCELLED: SessionStatus.CANCELLED,
    }.get(outcome.status, SessionStatus.FAILED)
    return SessionResult(
        status, error_message=f"stage {name!r} {outcome.status.value}: {outcome.error}"
    )
