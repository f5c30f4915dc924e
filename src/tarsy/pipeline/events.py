"""Publishing of stage, execution and progress events of a session run."""

from __future__ import annotations

from typing import Any, cast

from tarsy.db.tables import Stage
from tarsy.domain.statuses import StageStatus
from tarsy.events.bus import SESSIONS, Bus, session_channel
from tarsy.events.payloads import ExecutionStatus, SessionProgress
from tarsy.events.payloads import StageStatus as StageEvent


class RunEvents:
    def __init__(self, bus: Bus) -> None:
        self._bus = bus

    async def stage(self, stage: Stage) -> None:
        """``stage.status``: ``started`` while active, then the terminal status."""
        status = "started" if stage.status == StageStatus.ACTIVE else str(stage.status)
        payload = StageEvent(
            type="stage.status",
            session_id=stage.session_id,
            stage_id=stage.stage_id,
            stage_name=stage.stage_name,
            stage_index=stage.stage_index,
            stage_type=stage.stage_type,
            referenced_stage_id=stage.referenced_stage_id,
            status=cast(Any, status),
        )
        await self._bus.publish(session_channel(stage.session_id), payload, persist=True)

    async def execution(
        self,
        stage: Stage,
        execution_id: str,
        agent_index: int,
        status: str,
        error: str | None,
        *,
        parent_execution_id: str | None = None,
    ) -> None:
        payload = ExecutionStatus(
            type="execution.status",
            session_id=stage.session_id,
            stage_id=stage.stage_id,
            execution_id=execution_id,
            agent_index=agent_index,
            status=status,
        )
        if parent_execution_id is not None:
            payload["parent_execution_id"] = parent_execution_id
        if error:
            payload["error_message"] = error
        await self._bus.publish(session_channel(stage.session_id), payload)

    async def progress(self, stage: Stage, index: int, total: int, active: int) -> None:
        payload = SessionProgress(
            type="session.progress",
            session_id=stage.session_id,
            current_stage_name=stage.stage_name,
            current_stage_index=min(index, total),
            total_stages=total,
            active_executions=active,
            status_text=f"Running stage {stage.stage_name!r}",
        )
        await self._bus.publish(session_channel(stage.session_id), payload)
        await self._bus.publish(SESSIONS, payload)
