"""Runs a session's chain: stages in order, each stage's agents concurrently, fail-fast.

For every stage a Stage row is created, its executions run as concurrent tasks through the pure
agent loop with an ``ExecutionRecorder`` as sink, and the stage's status follows its success
policy (``all`` / ``any``). The chain stops at the first stage that does not complete. Each next
stage receives the previous stages' analyses as context. Cancellation propagates as
``CancelledError``; the worker writes the terminal statuses.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime

from tarsy.agent import AgentSpec, run_iterating_agent
from tarsy.agent.prompts import PromptInputs, system_prompt, user_prompt
from tarsy.config import (
    ResolvedAgentConfig,
    TarsyConfig,
    resolve_stage_agent,
    resolve_success_policy,
    stage_executions,
)
from tarsy.db.engine import Database
from tarsy.db.repos.runs import NewExecution, NewStage, RunRepo
from tarsy.db.repos.sessions import SessionRepo
from tarsy.db.repos.timeline import TimelineRepo
from tarsy.db.repos.trace import ExecutionRef, TraceRepo
from tarsy.db.tables import AlertSession, Stage
from tarsy.domain.errors import TarsyError
from tarsy.domain.statuses import (
    ExecutionStatus,
    ParallelType,
    SessionStatus,
    StageStatus,
    StageType,
    SuccessPolicy,
)
from tarsy.events.bus import SESSIONS, Bus, session_channel
from tarsy.pipeline.ports import ModelFactory, OpenedTools, ToolsetFactory
from tarsy.pipeline.recorder import ExecutionRecorder
from tarsy.pipeline.results import SessionResult

log = logging.getLogger(__name__)

CONTEXT_START = "<!-- PREVIOUS STAGES START -->"
CONTEXT_END = "<!-- PREVIOUS STAGES END -->"


@dataclass(frozen=True, slots=True)
class ExecutionResult:
    agent_name: str
    status: ExecutionStatus
    final_analysis: str | None
    error: str | None


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
        clock: Callable[[], datetime] = lambda: datetime.now(UTC),
    ) -> None:
        self._config = config
        self._bus = bus
        self._models = models
        self._toolsets = toolsets
        self._clock = clock
        self._sessions = SessionRepo(db)
        self._runs = RunRepo(db)
        self._timeline = TimelineRepo(db)
        self._trace = TraceRepo(db)

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
        previous: list[tuple[str, str]] = []
        total = len(chain.stages)
        for index, stage_cfg in enumerate(chain.stages):
            stage, results = await self._run_stage(session, index, total, render_previous(previous))
            policy = self._policy(session.chain_id, index, len(results))
            status, error = aggregate(results, policy)
            await self._runs.finish_stage(stage, status, error)
            await self._publish_stage(stage)
            if status is not StageStatus.COMPLETED:
                return SessionResult(
                    SessionStatus(status.value)
                    if status.value in SESSION_END
                    else SessionStatus.FAILED,
                    error_message=f"stage {stage_cfg.name!r} {status.value}: {error}",
                )
            previous.append((stage_cfg.name, stage_result(results)))
        return SessionResult(SessionStatus.COMPLETED, final_analysis=previous[-1][1])

    def _policy(self, chain_id: str, index: int, count: int) -> SuccessPolicy:
        if count <= 1:
            return SuccessPolicy.ALL
        return SuccessPolicy(resolve_success_policy(self._config, chain_id, index))

    async def _run_stage(
        self, session: AlertSession, index: int, total: int, previous: str | None
    ) -> tuple[Stage, list[ExecutionResult]]:
        chain_id = session.chain_id
        stage_cfg = self._config.agent_chains[chain_id].stages[index]
        specs = stage_executions(self._config, chain_id, index)
        parallel = len(specs) > 1
        stage = await self._runs.start_stage(
            NewStage(
                session_id=session.session_id,
                stage_name=stage_cfg.name,
                stage_type=StageType.INVESTIGATION,
                expected_agent_count=len(specs),
                parallel_type=(
                    (
                        ParallelType.REPLICA
                        if (stage_cfg.replicas or 1) > 1
                        else ParallelType.MULTI_AGENT
                    )
                    if parallel
                    else None
                ),
                success_policy=self._policy(chain_id, index, len(specs)) if parallel else None,
            )
        )
        await self._sessions.set_progress(session.session_id, stage.stage_index, stage.stage_id)
        await self._publish_stage(stage)
        await self._publish_progress(session.session_id, stage, total, len(specs))
        results = await asyncio.gather(
            *(
                self._run_execution(
                    session, stage, index, spec.agent_index, spec.name, i + 1, previous
                )
                for i, spec in enumerate(specs)
            )
        )
        return stage, list(results)

    async def _run_execution(
        self,
        session: AlertSession,
        stage: Stage,
        stage_position: int,
        agent_position: int,
        name: str,
        agent_index: int,
        previous: str | None,
    ) -> ExecutionResult:
        override = _override_servers(session.mcp_selection)
        try:
            agent = resolve_stage_agent(
                self._config, session.chain_id, stage_position, agent_position, override
            )
            model = self._models(agent)
        except TarsyError as exc:
            execution = await self._runs.start_execution(
                NewExecution(
                    session.session_id, stage.stage_id, name, agent_index, None, None, None
                )
            )
            await self._runs.finish_execution(execution, ExecutionStatus.FAILED, exc.message)
            await self._publish_execution(
                stage, execution.execution_id, agent_index, "failed", exc.message
            )
            return ExecutionResult(name, ExecutionStatus.FAILED, None, exc.message)
        execution = await self._runs.start_execution(
            NewExecution(
                session_id=session.session_id,
                stage_id=stage.stage_id,
                agent_name=name,
                agent_index=agent_index,
                llm_provider=agent.llm_provider,
                llm_backend=agent.llm_backend,
                model_name=model.model_name,
            )
        )
        await self._publish_execution(stage, execution.execution_id, agent_index, "active", None)
        ref = ExecutionRef(session.session_id, stage.stage_id, execution.execution_id)
        recorder = ExecutionRecorder(
            ref=ref,
            model_name=model.model_name,
            timeline=self._timeline,
            trace=self._trace,
            bus=self._bus,
        )
        async with self._toolsets(agent.mcp_servers, execution.execution_id) as tools:
            inputs = self._prompt_inputs(session, agent, previous, tools)
            spec = AgentSpec(
                agent_name=agent.agent_name,
                system_prompt=system_prompt(inputs),
                user_prompt=user_prompt(inputs),
                max_iterations=agent.max_iterations,
                session_id=session.session_id,
                execution_id=execution.execution_id,
            )
            analysis: str | None = None
            error: str | None
            try:
                outcome = await run_iterating_agent(spec, model, tools.toolset, recorder)
            except TarsyError as exc:
                outcome_status, error = ExecutionStatus.FAILED, exc.message
            else:
                outcome_status = ExecutionStatus(outcome.status)
                analysis, error = outcome.final_analysis, outcome.error
        await self._runs.finish_execution(execution, outcome_status, error)
        await self._publish_execution(
            stage, execution.execution_id, agent_index, outcome_status.value, error
        )
        return ExecutionResult(name, outcome_status, analysis, error)

    def _prompt_inputs(
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
        )

    def _runbook(self, session: AlertSession) -> str | None:
        if session.runbook_url:
            return f"Runbook: {session.runbook_url}"
        return self._config.defaults.runbook

    # -- events -------------------------------------------------------------------------------
    async def _publish_stage(self, stage: Stage) -> None:
        status = "started" if stage.status == StageStatus.ACTIVE else stage.status
        await self._bus.publish(
            session_channel(stage.session_id),
            {
                "type": "stage.status",
                "session_id": stage.session_id,
                "stage_id": stage.stage_id,
                "stage_name": stage.stage_name,
                "stage_index": stage.stage_index,
                "stage_type": stage.stage_type,
                "referenced_stage_id": stage.referenced_stage_id,
                "status": status,
            },
            persist=True,
        )

    async def _publish_execution(
        self, stage: Stage, execution_id: str, agent_index: int, status: str, error: str | None
    ) -> None:
        payload: dict[str, object] = {
            "type": "execution.status",
            "session_id": stage.session_id,
            "stage_id": stage.stage_id,
            "execution_id": execution_id,
            "agent_index": agent_index,
            "status": status,
        }
        if error:
            payload["error_message"] = error
        await self._bus.publish(session_channel(stage.session_id), payload)

    async def _publish_progress(
        self, session_id: str, stage: Stage, total: int, active: int
    ) -> None:
        payload = {
            "type": "session.progress",
            "session_id": session_id,
            "current_stage_name": stage.stage_name,
            "current_stage_index": min(stage.stage_index, total),
            "total_stages": total,
            "active_executions": active,
            "status_text": f"Running stage {stage.stage_name!r}",
        }
        await self._bus.publish(session_channel(session_id), payload)
        await self._bus.publish(SESSIONS, payload)


SESSION_END = {"failed", "timed_out", "cancelled"}


def aggregate(
    results: list[ExecutionResult], policy: SuccessPolicy
) -> tuple[StageStatus, str | None]:
    """A stage's status from its executions under ``policy`` (SPEC §3.6)."""
    ok = [r for r in results if r.status is ExecutionStatus.COMPLETED]
    bad = [r for r in results if r.status is not ExecutionStatus.COMPLETED]
    if (policy is SuccessPolicy.ALL and not bad) or (policy is SuccessPolicy.ANY and ok):
        return StageStatus.COMPLETED, None
    error = "; ".join(f"{r.agent_name} {r.status.value}: {r.error or 'no detail'}" for r in bad)
    statuses = {r.status for r in bad}
    if statuses == {ExecutionStatus.TIMED_OUT}:
        return StageStatus.TIMED_OUT, error
    if statuses == {ExecutionStatus.CANCELLED}:
        return StageStatus.CANCELLED, error
    return StageStatus.FAILED, error


def stage_result(results: list[ExecutionResult]) -> str:
    done = [r for r in results if r.final_analysis]
    if len(done) == 1:
        return done[0].final_analysis or ""
    return "\n\n".join(f"#### {r.agent_name}\n{r.final_analysis}" for r in done)


def render_previous(stages: list[tuple[str, str]]) -> str | None:
    if not stages:
        return None
    body = "\n\n".join(f"### Stage {i}: {name}\n{text}" for i, (name, text) in enumerate(stages, 1))
    return f"{CONTEXT_START}\n{body}\n{CONTEXT_END}"


def _override_servers(selection: dict[str, object] | None) -> list[str] | None:
    if not selection:
        return None
    servers = selection.get("servers")
    if not isinstance(servers, list) or not servers:
        return None
    return [str(s["name"]) for s in servers if isinstance(s, dict) and "name" in s]
