"""The history a chat agent sees, rebuilt from the database for every message (SPEC §4.11)."""

from __future__ import annotations

from collections.abc import Sequence

from tarsy.db.tables import Stage, TimelineEvent
from tarsy.domain.statuses import StageType, TimelineEventType

ANSWERING = (StageType.INVESTIGATION.value, StageType.SYNTHESIS.value, StageType.ACTION.value)


def render_chat_history(
    stages: Sequence[tuple[Stage, list[TimelineEvent]]], current_stage_id: str
) -> str:
    """Investigation results in stage order, the executive summary, then earlier Q&A.

    A parallel stage is shown through its synthesis (the stage whose ``referenced_stage_id``
    points at it); the current chat stage's question is left out (it is asked separately).
    """
    synthesized = {s.referenced_stage_id for s, _ in stages if s.referenced_stage_id}
    lines = ["## Investigation history"]
    number = 0
    summary: str | None = None
    qa: list[tuple[str, str]] = []
    for stage, events in stages:
        finals = [e.content for e in events if e.event_type == TimelineEventType.FINAL_ANALYSIS]
        if stage.stage_type in ANSWERING and stage.stage_id not in synthesized:
            number += 1
            text = "\n\n".join(finals) or f"(no analysis; stage {stage.status})"
            lines += ["", f"### Stage {number}: {stage.stage_name}", text]
        elif stage.stage_type == StageType.EXEC_SUMMARY.value and finals:
            summary = finals[-1]
        elif stage.stage_type == StageType.CHAT.value and stage.stage_id != current_stage_id:
            question = next(
                (e.content for e in events if e.event_type == TimelineEventType.USER_QUESTION), ""
            )
            qa.append((question, finals[-1] if finals else f"(no answer; {stage.status})"))
    if summary:
        lines += ["", "### Executive summary", summary]
    if qa:
        lines += ["", "## Previous Chat Messages"]
        for i, (question, answer) in enumerate(qa, 1):
            lines += ["", f"Q{i}: {question}", f"A{i}: {answer}"]
    return "\n".join(lines)
