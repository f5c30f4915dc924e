"""Stages and agent executions of a session run."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import update

from tarsy.db.clock import utcnow
from tarsy.db.engine import Database, uncancellable
from tarsy.db.tables import AgentExecution, Stage
from tarsy.db.writer import row_of, table_of
from tarsy.domain.ids import new_id
from tarsy.domain.statuses import (
    ExecutionStatus,
    ParallelType,
    StageStatus,
    StageType,
    SuccessPolicy,
)


@dataclass(frozen=True, slots=True)
class NewStage:
    session_id: str
    stage_name: str
    stage_type: StageType
    expected_agent_count: int = 1
    parallel_type: ParallelType | None = None
    success_policy: SuccessPolicy | None = None
    referenced_stage_id: str | None = None


@dataclass(frozen=True, slots=True)
class NewExecution:
    session_id: str
    stage_id: str
    agent_name: str
    agent_index: int
    llm_provider: str | None
    llm_backend: str | None
    model_name: str | None
    parent_execution_id: str | None = None
    task: str | None = None


class RunRepo:
    def __init__(self, db: Database) -> None:
        self._db = db

    async def start_stage(self, new: NewStage, *, index: int | None = None) -> Stage:
        """Create an ``active`` stage at the next 1-based ``stage_index`` of the session.

        With ``index`` (a run that numbers its own stages) the insert is posted and the caller
        does not wait for it; without, the writer finds the next index and the caller waits.
        """
        row = Stage(
            stage_id=new_id(),
            session_id=new.session_id,
            stage_name=new.stage_name,
            stage_index=0,
            expected_agent_count=new.expected_agent_count,
            parallel_type=new.parallel_type.value if new.parallel_type else None,
            success_policy=new.success_policy.value if new.success_policy else None,
            stage_type=new.stage_type.value,
            status=StageStatus.ACTIVE.value,
            started_at=utcnow(),
            referenced_stage_id=new.referenced_stage_id,
        )
        if index is not None:
            row.stage_index = index
            self._db.writer.post_insert(table_of(Stage), row_of(row))
            return row
        row.stage_index = await self._db.writer.insert_indexed(
            table_of(Stage), row_of(row), index="stage_index"
        )
        return row

    async def finish_stage(
        self, stage: Stage, status: StageStatus, error_message: str | None = None
    ) -> Stage:
        now = utcnow()
        started = stage.started_at or now
        # Posted to the group writer: committed with (or after) everything the stage posted.
        self._db.writer.post_update(
            table_of(Stage),
            "stage_id",
            {
                "stage_id": stage.stage_id,
                "status": status.value,
                "completed_at": now,
                "duration_ms": int((now - started).total_seconds() * 1000),
                "error_message": error_message,
            },
        )
        stage.status, stage.completed_at, stage.error_message = status.value, now, error_message
        return stage

    async def start_execution(self, new: NewExecution) -> AgentExecution:
        row = AgentExecution(
            execution_id=new_id(),
            stage_id=new.stage_id,
            session_id=new.session_id,
            agent_name=new.agent_name,
            agent_index=new.agent_index,
            status=ExecutionStatus.ACTIVE.value,
            started_at=utcnow(),
            llm_provider=new.llm_provider,
            llm_backend=new.llm_backend,
            model_name=new.model_name,
            parent_execution_id=new.parent_execution_id,
            task=new.task,
        )
        self._db.writer.post_insert(table_of(AgentExecution), row_of(row))
        return row

    async def execution(self, execution_id: str) -> AgentExecution | None:
        await self._db.writer.flush()  # the row may still be posted
        async with self._db.sessions() as s:
            return await s.get(AgentExecution, execution_id)

    async def record_fallback(
        self, execution: AgentExecution, provider: str, model_name: str
    ) -> AgentExecution:
        """The execution switched provider: keep the first ``original_*``, point at the new one."""
        values: dict[str, str | None] = {"llm_provider": provider, "model_name": model_name}
        if execution.original_llm_provider is None:
            values |= {
                "original_llm_provider": execution.llm_provider,
                "original_llm_backend": execution.llm_backend,
                "original_model_name": execution.model_name,
            }
        # Posted after the execution's own (posted) insert, so it always finds the row.
        self._db.writer.post_update(
            table_of(AgentExecution),
            "execution_id",
            {"execution_id": execution.execution_id, **values},
        )
        for key, value in values.items():
            setattr(execution, key, value)
        return execution

    async def finish_execution(
        self, execution: AgentExecution, status: ExecutionStatus, error_message: str | None = None
    ) -> AgentExecution:
        now = utcnow()
        started = execution.started_at or now
        # Posted to the group writer: committed with (or after) everything the execution posted.
        self._db.writer.post_update(
            table_of(AgentExecution),
            "execution_id",
            {
                "execution_id": execution.execution_id,
                "status": status.value,
                "completed_at": now,
                "duration_ms": int((now - started).total_seconds() * 1000),
                "error_message": error_message,
            },
        )
        execution.status, execution.error_message = status.value, error_message
        execution.completed_at = now
        return execution


@uncancellable
async def close_open_runs(db: Database, session_id: str, status: StageStatus) -> None:
    """End every stage and execution of a session still pending/active with ``status``."""
    now = utcnow()
    open_states = (StageStatus.PENDING.value, StageStatus.ACTIVE.value)
    # Through the group writer: after everything the run posted before.
    await db.writer.execute(
        update(AgentExecution)
        .where(AgentExecution.session_id == session_id, AgentExecution.status.in_(open_states))
        .values(status=status.value, completed_at=now)
    )
    await db.writer.execute(
        update(Stage)
        .where(Stage.session_id == session_id, Stage.status.in_(open_states))
        .values(status=status.value, completed_at=now)
    )
