"""Context handed between stages: previous stages' results and parallel results (SPEC §4.10)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from tarsy.domain.statuses import ExecutionStatus

PREVIOUS_START = "<!-- PREVIOUS STAGES START -->"
PREVIOUS_END = "<!-- PREVIOUS STAGES END -->"
PARALLEL_START = "<!-- PARALLEL RESULTS START -->"
PARALLEL_END = "<!-- PARALLEL RESULTS END -->"


@dataclass(frozen=True, slots=True)
class ExecutionResult:
    """What one agent execution produced, as later stages see it."""

    agent_name: str
    status: ExecutionStatus
    final_analysis: str | None
    error: str | None
    llm_provider: str | None = None
    llm_backend: str | None = None
    model_name: str | None = None


def render_previous(stages: Sequence[tuple[str, str]]) -> str | None:
    """Each completed stage's result under ``### Stage i: name``, between markers."""
    if not stages:
        return None
    body = "\n\n".join(
        f"### Stage {i}: {name}\n{text or '(no analysis)'}"
        for i, (name, text) in enumerate(stages, 1)
    )
    return f"{PREVIOUS_START}\n{body}\n{PREVIOUS_END}"


def render_parallel(stage_name: str, results: Sequence[ExecutionResult]) -> str:
    """The results of a parallel stage for its synthesis, failed agents included."""
    ok = sum(1 for r in results if r.status is ExecutionStatus.COMPLETED)
    blocks = [f"{PARALLEL_START}", f"## {stage_name} — {ok}/{len(results)} agents succeeded"]
    for i, r in enumerate(results, 1):
        blocks.append(
            f"### Agent {i}: {r.agent_name}\n"
            f"Provider: {r.llm_provider or 'unknown'} ({r.llm_backend or 'default'}), "
            f"model: {r.model_name or 'unknown'}\n"
            f"Status: {r.status.value}"
            + (f"\nError: {r.error}" if r.error else "")
            + (f"\n\n{r.final_analysis}" if r.final_analysis else "")
        )
    blocks.append(PARALLEL_END)
    return "\n\n".join(blocks)


def stage_result(results: Sequence[ExecutionResult]) -> str:
    """A stage's result: the single agent's analysis, or each successful agent's in turn."""
    done = [r for r in results if r.final_analysis]
    if len(done) == 1:
        return done[0].final_analysis or ""
    return "\n\n".join(f"#### {r.agent_name}\n{r.final_analysis}" for r in done)
