"""Stage outcomes under success policies, and the per-alert MCP server override."""

from __future__ import annotations

from collections.abc import Sequence

from tarsy.domain.statuses import ExecutionStatus, StageStatus, SuccessPolicy
from tarsy.pipeline.context import ExecutionResult


def aggregate(
    results: Sequence[ExecutionResult], policy: SuccessPolicy
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


def override_servers(selection: dict[str, object] | None) -> list[str] | None:
    if not selection:
        return None
    servers = selection.get("servers")
    if not isinstance(servers, list) or not servers:
        return None
    return [str(s["name"]) for s in servers if isinstance(s, dict) and "name" in s]


def override_tool_filter(selection: dict[str, object] | None) -> dict[str, frozenset[str]] | None:
    """Per-server tool allowlists of the alert's ``mcp`` override (servers without ``tools``
    keep all their tools)."""
    servers = selection.get("servers") if selection else None
    if not isinstance(servers, list):
        return None
    allowed: dict[str, frozenset[str]] = {}
    for server in servers:
        if isinstance(server, dict) and isinstance(server.get("tools"), list):
            allowed[str(server["name"])] = frozenset(str(t) for t in server["tools"])
    return allowed or None
