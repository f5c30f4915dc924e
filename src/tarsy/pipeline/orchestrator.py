"""Orchestrator agents (SPEC §5): ``dispatch_agent``, ``list_agents``, ``cancel_agent``, and
sub-agent results delivered to the orchestrator as they arrive.

An agent whose resolved ``sub_agents`` list names agents with a description gets a
``SubAgentDispatcher``: a ``Toolset`` of the three built-in tools and the ``agent.Inbox`` the
loop drains before every model call. Each dispatch runs a real execution in the orchestrator's
stage (``parent_execution_id``, ``task``) in the background, with ``agent_timeout`` as its
deadline. Limits, all enforced: ``max_concurrent_agents`` running sub-agents; ``max_budget``, the
wall-clock time from the first dispatch after which running sub-agents are cancelled, further
dispatches are refused, and the orchestrator is told to conclude (ADR 0004). When the
orchestrator ends, sub-agents still running are cancelled and awaited. If the orchestrator is
itself cancelled, sub-agent rows are left to the owner, who closes them with the terminal status.
"""

from __future__ import annotations

import asyncio
import json
import logging
from collections.abc import Awaitable, Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from tarsy.agent.prompts import SubAgentInfo
from tarsy.config import ResolvedAgentConfig, TarsyConfig, resolve_sub_agent
from tarsy.domain.statuses import ExecutionStatus
from tarsy.domain.tools import ToolDef, ToolResult
from tarsy.pipeline.context import ExecutionResult

log = logging.getLogger(__name__)

CLOSE_TIMEOUT = 30.0

DISPATCH = ToolDef(
    "dispatch_agent",
    "Start a sub-agent on a self-contained task. Returns its execution id at once; the result "
    "arrives later by itself.",
    {
        "type": "object",
        "properties": {
            "name": {"type": "string", "description": "sub-agent name from the catalog"},
            "task": {"type": "string", "description": "what the sub-agent must find out"},
        },
        "required": ["name", "task"],
    },
)
LIST = ToolDef(
    "list_agents",
    "List the sub-agents dispatched so far: name, execution id, status and task.",
    {"type": "object", "properties": {}},
)
CANCEL = ToolDef(
    "cancel_agent",
    "Cancel a running sub-agent by its execution id.",
    {
        "type": "object",
        "properties": {"execution_id": {"type": "string"}},
        "required": ["execution_id"],
    },
)


@dataclass(frozen=True, slots=True)
class CatalogEntry:
    """A sub-agent the orchestrator may dispatch, resolved for this chain."""

    name: str
    description: str
    agent: ResolvedAgentConfig


def sub_agent_catalog(
    config: TarsyConfig,
    chain_id: str,
    caller: ResolvedAgentConfig,
    mcp_override: list[str] | None = None,
) -> tuple[CatalogEntry, ...]:
    """The caller's ``sub_agents`` that have a description, resolved (SPEC §5)."""
    entries: list[CatalogEntry] = []
    for ref in caller.sub_agents:
        agent = config.agents.get(ref.name)
        if agent is None or not agent.description.strip():
            continue
        resolved = resolve_sub_agent(config, chain_id, ref, mcp_override)
        entries.append(CatalogEntry(ref.name, agent.description.strip(), resolved))
    return tuple(entries)


def catalog_prompt(entries: Sequence[CatalogEntry]) -> tuple[SubAgentInfo, ...]:
    return tuple(SubAgentInfo(e.name, e.description, e.agent.mcp_servers) for e in entries)


RunSubAgent = Callable[[CatalogEntry, str, int, "asyncio.Future[str]"], Awaitable[ExecutionResult]]
"""Run one sub-execution (entry, task, agent_index, started); ``started`` gets its id."""
FinishSubAgent = Callable[[str, ExecutionStatus, str], Awaitable[None]]
"""Write the terminal status of a sub-execution that was cancelled or timed out."""


@dataclass(frozen=True, slots=True)
class _Dispatched:
    index: int
    name: str
    task_text: str
    execution_id: str
    runner: asyncio.Task[None]


class SubAgentDispatcher:
    """Implements ``Toolset`` (the three built-in tools) and ``agent.Inbox`` for one
    orchestrator execution."""

    def __init__(
        self,
        catalog: Sequence[CatalogEntry],
        *,
        max_concurrent_agents: int,
        agent_timeout: float,
        max_budget: float,
        run: RunSubAgent,
        finish: FinishSubAgent,
    ) -> None:
        self._catalog = {e.name: e for e in catalog}
        self.catalog = catalog_prompt(catalog)
        """The catalog as the orchestrator's prompt shows it."""
        self._max_concurrent = max_concurrent_agents
        self._agent_timeout = agent_timeout
        self._max_budget = max_budget
        self._run = run
        self._finish = finish
        self._dispatched: dict[str, _Dispatched] = {}
        self._status: dict[str, str] = {}
        self._reserved = 0
        self._inbox: list[str] = []
        self._arrived = asyncio.Event()
        self._reasons: dict[str, str] = {}
        self._budget: asyncio.Task[None] | None = None
        self._exhausted = False

    # -- Toolset ------------------------------------------------------------------------------
    async def list_tools(self) -> Sequence[ToolDef]:
        return [DISPATCH, LIST, CANCEL]

    async def call_tool(self, name: str, arguments: str) -> ToolResult:
        args = _object(arguments)
        bare = name.rsplit(":", 1)[-1].strip()
        if args is None:
            return ToolResult(
                f"Error: arguments of {bare} must be a JSON object, got: {arguments[:200]!r}",
                True,
            )
        match bare:
            case "dispatch_agent":
                return await self._dispatch(args)
            case "list_agents":
                return self._list()
            case "cancel_agent":
                return await self._cancel(str(args.get("execution_id", "")).strip())
        return ToolResult(
            f"Error: unknown tool '{name}'; the built-in tools are dispatch_agent, "
            "list_agents and cancel_agent.",
            True,
        )

    # -- Inbox --------------------------------------------------------------------------------
    def drain(self) -> list[str]:
        messages, self._inbox = self._inbox, []
        self._arrived.clear()
        return messages

    def pending(self) -> bool:
        """Sub-agents still running, or results that arrived since the last drain."""
        return bool(self._inbox) or self._running() > 0

    async def wait(self) -> None:
        while not self._inbox and self._running() > 0:
            await self._arrived.wait()
            if not self._inbox:
                self._arrived.clear()

    # -- lifecycle ----------------------------------------------------------------------------
    async def aclose(self, *, cancelled: bool) -> None:
        """Stop every running sub-agent. ``cancelled``: the orchestrator itself was cancelled,
        so the rows are left for the owner to close with the terminal status."""
        if self._budget is not None:
            self._budget.cancel()
        reason = None if cancelled else "the orchestrator finished before this sub-agent"
        await self._stop_running(reason)

    # -- the tools ----------------------------------------------------------------------------
    async def _dispatch(self, args: Mapping[str, object]) -> ToolResult:
        name = str(args.get("name", "")).strip()
        task_text = str(args.get("task", "")).strip()
        entry = self._catalog.get(name)
        if entry is None:
            known = ", ".join(sorted(self._catalog)) or "none"
            return ToolResult(f"Error: unknown sub-agent {name!r}. Available: {known}.", True)
        if not task_text:
            return ToolResult("Error: dispatch_agent needs a non-empty 'task'.", True)
        if self._exhausted:
            return ToolResult(
                f"Error: the sub-agent budget of {self._max_budget:g}s is used up; no more "
                "sub-agents can be started. Conclude with the results you have.",
                True,
            )
        if self._running() + self._reserved >= self._max_concurrent:
            return ToolResult(
                f"Error: {self._max_concurrent} sub-agents are already running (the limit). "
                "Wait for a result or cancel one with cancel_agent.",
                True,
            )
        if self._budget is None and self._max_budget > 0:
            self._budget = asyncio.create_task(self._watch_budget(), name="sub-agent-budget")
        index = len(self._dispatched) + self._reserved + 1
        started: asyncio.Future[str] = asyncio.get_running_loop().create_future()
        self._reserved += 1
        runner = asyncio.create_task(self._run_one(entry, task_text, index, started))
        waiters: set[asyncio.Future[Any]] = {started, runner}
        try:
            await asyncio.wait(waiters, return_when=asyncio.FIRST_COMPLETED)
        finally:
            self._reserved -= 1
        if not started.done() or started.exception() is not None:
            runner.cancel()
            reason = started.exception() if started.done() else None
            return ToolResult(f"Error: sub-agent {name!r} could not be started: {reason}", True)
        execution_id = started.result()
        self._dispatched[execution_id] = _Dispatched(index, name, task_text, execution_id, runner)
        self._status.setdefault(execution_id, ExecutionStatus.ACTIVE.value)
        return ToolResult(
            json.dumps({"execution_id": execution_id, "status": "accepted"})
            + "\nThe sub-agent runs in the background; its result will be delivered to you "
            "automatically as a message. Do not predict or invent it."
        )

    def _list(self) -> ToolResult:
        if not self._dispatched:
            return ToolResult("No sub-agents dispatched yet.")
        lines = [
            f"{d.name} (exec {d.execution_id}): {self._status[d.execution_id]} - task: "
            f"{d.task_text}"
            for d in self._dispatched.values()
        ]
        return ToolResult("\n".join(lines))

    async def _cancel(self, execution_id: str) -> ToolResult:
        found = self._dispatched.get(execution_id)
        if found is None:
            known = ", ".join(self._dispatched) or "none"
            return ToolResult(
                f"Error: no sub-agent with execution id {execution_id!r}. Dispatched: {known}.",
                True,
            )
        if self._active(execution_id):
            await self._stop([found], "cancelled by the orchestrator")
        return ToolResult(f"cancel {execution_id}: {self._status[execution_id]}")

    # -- internals ----------------------------------------------------------------------------
    def _active(self, execution_id: str) -> bool:
        return self._status.get(execution_id) == ExecutionStatus.ACTIVE.value

    def _running(self) -> int:
        return sum(1 for eid in self._dispatched if self._active(eid))

    async def _run_one(
        self, entry: CatalogEntry, task_text: str, index: int, started: asyncio.Future[str]
    ) -> None:
        answer: str | None = None
        error: str | None
        written = False  # whether the execution wrote its own terminal status
        try:
            async with asyncio.timeout(self._agent_timeout):
                result = await self._run(entry, task_text, index, started)
            status, answer, error = result.status, result.final_analysis, result.error
            written = True
        except TimeoutError:
            status = ExecutionStatus.TIMED_OUT
            error = f"the sub-agent did not finish within {self._agent_timeout:g}s"
        except asyncio.CancelledError:
            reason = self._reasons.get(started.result()) if started.done() else None
            if reason is None:
                raise
            status, error = ExecutionStatus.CANCELLED, reason
        except Exception as exc:
            log.exception("sub-agent %s failed", entry.name)
            status, error = ExecutionStatus.FAILED, f"internal error: {exc}"
        if not started.done():
            started.set_exception(RuntimeError(error or "the sub-agent did not start"))
            return
        execution_id = started.result()
        if not written:
            await self._finish(execution_id, status, error or status.value)
        self._status[execution_id] = status.value
        if status is ExecutionStatus.COMPLETED:
            text = f"[Sub-agent completed] {entry.name} (exec {execution_id}):\n{answer or ''}"
        else:
            text = f"[Sub-agent {status.value}] {entry.name} (exec {execution_id}): {error}"
        self._inbox.append(text)
        self._arrived.set()

    async def _watch_budget(self) -> None:
        await asyncio.sleep(self._max_budget)
        self._exhausted = True
        log.info("sub-agent budget of %gs used up; cancelling sub-agents", self._max_budget)
        await self._stop_running(f"the sub-agent budget of {self._max_budget:g}s is used up")

    async def _stop_running(self, reason: str | None) -> None:
        running = [d for d in self._dispatched.values() if self._active(d.execution_id)]
        await self._stop(running, reason)

    async def _stop(self, targets: Sequence[_Dispatched], reason: str | None) -> None:
        for target in targets:
            if reason is not None:
                self._reasons[target.execution_id] = reason
            target.runner.cancel()
        if targets:
            await asyncio.wait([t.runner for t in targets], timeout=CLOSE_TIMEOUT)
        for target in targets:
            if self._active(target.execution_id):
                self._status[target.execution_id] = ExecutionStatus.CANCELLED.value


def _object(arguments: str) -> dict[str, object] | None:
    text = arguments.strip()
    if not text:
        return {}
    try:
        value = json.loads(text)
    except json.JSONDecodeError:
        return None
    return value if isinstance(value, dict) else None
