"""The single-shot controller: one model call without tools (synthesis, executive summary).

If the model answers only with thinking text, the thinking becomes the answer (some models put
their whole synthesis there). A failed or empty call fails the run; the caller decides whether
that is fatal (synthesis) or fail-open (executive summary).
"""

from __future__ import annotations

from tarsy.agent.loop import AgentOutcome, AgentSpec, call_model, record_call
from tarsy.agent.sink import CallKind, Phase, RunSink
from tarsy.domain.messages import Message
from tarsy.llm.model import Model

_PHASES: dict[CallKind, tuple[Phase, str]] = {
    "synthesis": ("synthesizing", "Synthesizing the parallel investigations"),
    "executive_summary": ("finalizing", "Writing the executive summary"),
}


async def run_single_shot(
    spec: AgentSpec, model: Model, sink: RunSink, kind: CallKind
) -> AgentOutcome:
    conversation = [Message.system(spec.system_prompt), Message.user(spec.user_prompt)]
    for message in conversation:
        await sink.message(message)
    await sink.progress(*_PHASES.get(kind, ("investigating", "Answering")))
    turn = await call_model(spec, model, conversation, (), sink)
    answer = turn.text.strip() or turn.thinking.strip()
    if turn.error is None and answer:
        assistant = Message.assistant(turn.text if turn.text.strip() else turn.thinking)
        conversation.append(assistant)
        await sink.message(assistant)
    await record_call(sink, kind, 1, conversation, (), turn)
    if turn.error is not None:
        await sink.error(turn.error)
        return AgentOutcome("failed", error=turn.error)
    if not answer:
        return AgentOutcome("failed", error="the model returned an empty response")
    await sink.final_answer(answer, {"interaction_type": kind})
    return AgentOutcome("completed", final_analysis=answer)
