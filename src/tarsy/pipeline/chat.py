"""Follow-up chat: answers a user's question about a finished session in a detached task.

Each accepted message has a ``pending`` chat stage (created with the message, see
``db.repos.chats``). The runner marks it active, records the question as a ``user_question``
event, rebuilds the history from the database, runs the chat agent with the session's tools
under ``session_timeout``, and ends the stage ``completed``, ``failed``, ``timed_out`` or
``cancelled``. Chat never changes the session's status. Runs are cancellable per session.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable
from datetime import UTC, datetime, timedelta

from tarsy.agent.prompts import PromptInputs, chat_system_prompt, chat_user_prompt
from tarsy.config import ResolvedAgentConfig, TarsyConfig, resolve_chat_agent
from tarsy.db.engine import Database
from tarsy.db.repos.chats import ChatRepo
from tarsy.db.repos.runs import RunRepo, close_open_runs
from tarsy.db.repos.sessions import SessionRepo
from tarsy.db.repos.timeline import NewTimelineEvent, TimelineRepo, stage_texts
from tarsy.db.repos.trace import TraceRepo
from tarsy.db.tables import AlertSession, Stage
from tarsy.domain.statuses import StageStatus, SuccessPolicy, TimelineEventType, TimelineStatus
from tarsy.events.bus import Bus
from tarsy.observability.logging import log_context
from tarsy.observability.metrics import Metrics
from tarsy.pipeline.chat_context import render_chat_history
from tarsy.pipeline.context import ExecutionResult
from tarsy.pipeline.events import RunEvents
from tarsy.pipeline.execution import ExecutionRunner, Orchestration
from tarsy.pipeline.policy import aggregate, override_servers, override_tool_filter
from tarsy.pipeline.ports import ModelFactory, OpenedTools, ToolsetFactory
from tarsy.pipeline.recorder import record_event
from tarsy.pipeline.session_runner import holiday_map
from tarsy.runbooks import RunbookSource

log = logging.getLogger(__name__)


class ChatRunner:
    """Implements ``services.chat.ChatExecutor``."""

    def __init__(
        self,
        *,
        config: TarsyConfig,
        db: Database,
        bus: Bus,
        models: ModelFactory,
        toolsets: ToolsetFactory,
        metrics: Metrics,
        timeout: timedelta,
        runbooks: RunbookSource,
        clock: Callable[[], datetime] = lambda: datetime.now(UTC),
    ) -> None:
        self._config = config
        self._holidays = holiday_map(config)
        self._db = db
        self._bus = bus
        self._timeout = timeout
        self._runbooks = runbooks
        self._clock = clock
        self._chats = ChatRepo(db)
        self._sessions = SessionRepo(db)
        self._runs = RunRepo(db)
        self._timeline = TimelineRepo(db)
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
        self._tasks: dict[str, asyncio.Task[None]] = {}
        self._cancelled: set[str] = set()
        self._started: set[str] = set()
        self.stopping = False

    def start(self, session_id: str, stage_id: str, message_id: str, author: str) -> None:
        with log_context(session_id=session_id, stage_id=stage_id):  # the task inherits it
            task = asyncio.create_task(
                self._answer(session_id, stage_id, message_id, author), name=f"chat-{session_id}"
            )
        self._tasks[session_id] = task
        task.add_done_callback(lambda _t: self._tasks.pop(session_id, None))

    def cancel(self, session_id: str) -> bool:
        task = self._tasks.get(session_id)
        if task is None or task.done():
            return False
        self._cancelled.add(session_id)
        if session_id in self._started:
            task.cancel()
        # else: the task has not run yet; it sees the flag first and ends the stage cancelled
        # (cancelling a task before its first step would skip its clean-up entirely).
        return True

    async def stop(self, timeout: float) -> None:
        """Refuse new messages, wait for running answers, then cancel what is left."""
        self.stopping = True
        tasks = list(self._tasks.values())
        if tasks:
            await asyncio.wait(tasks, timeout=timeout)
        for session_id in list(self._tasks):
            self.cancel(session_id)
        await asyncio.gather(*tasks, return_exceptions=True)

    async def _answer(self, session_id: str, stage_id: str, message_id: str, author: str) -> None:
        try:
            await self._answer_started(session_id, stage_id, message_id, author)
        finally:
            self._started.discard(session_id)
            self._cancelled.discard(session_id)

    async def _answer_started(
        self, session_id: str, stage_id: str, message_id: str, author: str
    ) -> None:
        session = await self._sessions.get(session_id)
        stage = await self._chats.stage(stage_id)
        message = await self._chats.message(message_id)
        if session is None or stage is None or message is None:
            return
        stage = await self._chats.mark_stage_active(stage)
        await self._events.stage(stage)
        await record_event(
            self._timeline,
            self._bus,
            NewTimelineEvent(
                session_id=session_id,
                stage_id=stage_id,
                event_type=TimelineEventType.USER_QUESTION,
                status=TimelineStatus.COMPLETED,
                content=message.content,
                metadata={"author": author},
            ),
        )
        status: StageStatus = StageStatus.FAILED
        error: str | None = "chat did not finish"
        # From here on a cancellation interrupts the task; before, it only sets the flag.
        self._started.add(session_id)
        try:
            if session_id in self._cancelled:
                raise asyncio.CancelledError
            async with asyncio.timeout(self._timeout.total_seconds()):
                result = await self._run_agent(session, stage, message.content)
            status, error = aggregate([result], SuccessPolicy.ALL)
        except TimeoutError:
            status, error = StageStatus.TIMED_OUT, f"chat timed out after {self._timeout}"
        except asyncio.CancelledError:
            status, error = StageStatus.CANCELLED, "chat cancelled"
        except Exception as exc:
            log.exception("chat on session %s failed", session_id)
            status, error = StageStatus.FAILED, f"internal error: {exc}"
        finally:
            try:
                await self._finish(stage, status, error)
            except Exception:
                log.exception("chat on session %s: could not record its end", session_id)

    async def _run_agent(
        self, session: AlertSession, stage: Stage, question: str
    ) -> ExecutionResult:
        history = render_chat_history(
            await stage_texts(self._db, session.session_id), stage.stage_id
        )
        override = override_servers(session.mcp_selection)
        # The investigation showed any fetch warning; a chat uses whatever text resolves now.
        runbook = (await self._runbooks.resolve(session.runbook_url)).text

        def resolve() -> ResolvedAgentConfig:
            return resolve_chat_agent(self._config, session.chain_id, override)

        def prompts(agent: ResolvedAgentConfig, tools: OpenedTools) -> tuple[str, str]:
            inputs = PromptInputs(
                alert_type=session.alert_type,
                alert_data=session.alert_data,
                now=self._clock(),
                custom_instructions=agent.custom_instructions,
                server_instructions=tools.instructions,
                failed_servers=tools.failed_servers,
                runbook=runbook,
                sub_agents=tools.sub_agents,
                holidays=self._holidays,
            )
            return chat_system_prompt(inputs), chat_user_prompt(inputs, history, question)

        chain = self._config.agent_chains.get(session.chain_id)
        name = chain.chat_agent if chain else "ChatAgent"
        return await self._executions.run(
            stage=stage,
            name=name,
            agent_index=1,
            resolve=resolve,
            prompts=prompts,
            tool_filter=override_tool_filter(session.mcp_selection),
            orchestration=Orchestration(session.chain_id, override),
        )

    async def _finish(self, stage: Stage, status: StageStatus, error: str | None) -> None:
        if status is not StageStatus.COMPLETED:
            await close_open_runs(self._db, stage.session_id, status)
            final = {
                StageStatus.CANCELLED: TimelineStatus.CANCELLED,
                StageStatus.TIMED_OUT: TimelineStatus.TIMED_OUT,
            }.get(status, TimelineStatus.FAILED)
            await self._timeline.finish_streaming(stage.session_id, final)
        await self._runs.finish_stage(stage, status, error)
        await self._events.stage(stage)
