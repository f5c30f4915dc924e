/**
 * The session page's pure reducer: REST snapshots and live events in, one converged state out.
 *
 * - Idempotent: a persisted event is applied once per `db_event_id`; per `event_id`, a
 *   `created` for a known event only fills in what is missing, and a final version is never
 *   overwritten by streaming data.
 * - Out of order: chunks before their `created` are buffered; a `completed` before the chunks
 *   (or the `created`) wins, later chunks are ignored.
 * - Replays (catch-up after a reload) of already-applied events are no-ops; statuses never move
 *   backwards (see `status.ts`).
 */
import type {
  ExecutionProgressEvent,
  ExecutionStatusEvent,
  SessionEvent,
  StageStatusEvent,
  StreamChunk,
  TimelineEventCompleted,
  TimelineEventCreated,
} from "../live/events";
import {
  initialState,
  mergeMetadata,
  placeholderExecution,
  placeholderStage,
  provisionalSequence,
} from "./entities";
import { applySnapshot } from "./snapshot";
import { advanceRun, isTerminalStatus, liveSessionStatus } from "./status";
import type { SessionAction, SessionViewState, TimelineItem } from "./types";

export { initialState };

export function sessionReducer(state: SessionViewState, action: SessionAction): SessionViewState {
  switch (action.type) {
    case "reset":
      return initialState(action.sessionId);
    case "snapshot":
      return applySnapshot(state, action.session, action.timeline);
    case "event":
      return applyEvent(state, action.event);
  }
}

export function applyEvent(state: SessionViewState, event: SessionEvent): SessionViewState {
  if (event.session_id !== state.sessionId) return state;
  const dbId = event.db_event_id;
  if (typeof dbId === "number") {
    if (state.seenDbIds[dbId]) return state;
    state = { ...state, seenDbIds: { ...state.seenDbIds, [dbId]: true } };
  }
  switch (event.type) {
    case "timeline_event.created":
      return onCreated(state, event);
    case "stream.chunk":
      return onChunk(state, event);
    case "timeline_event.completed":
      return onCompleted(state, event);
    case "session.status": {
      const status = liveSessionStatus(state.status, event.status);
      if (status === state.status) return state;
      const ended = isTerminalStatus(status);
      // The ended session's results, totals and durations are only in the REST detail.
      return {
        ...state,
        status,
        progress: ended ? null : state.progress,
        refreshHint: ended ? state.refreshHint + 1 : state.refreshHint,
      };
    }
    case "session.progress":
      if (isTerminalStatus(state.status)) return state;
      return {
        ...state,
        progress: {
          currentStageName: event.current_stage_name,
          currentStageIndex: event.current_stage_index,
          totalStages: event.total_stages,
          activeExecutions: event.active_executions,
          statusText: event.status_text,
        },
      };
    case "stage.status":
      return onStageStatus(state, event);
    case "execution.status":
      return onExecutionStatus(state, event);
    case "execution.progress":
      return onExecutionProgress(state, event);
    case "interaction.created":
      return { ...state, interactionCount: state.interactionCount + 1 };
    case "chat.created":
      return state.chatId === event.chat_id ? state : { ...state, chatId: event.chat_id };
    case "review.status":
    case "session.score_updated":
      return state;
  }
}

function withItem(state: SessionViewState, item: TimelineItem): SessionViewState {
  const pendingChunks = { ...state.pendingChunks };
  delete pendingChunks[item.eventId];
  return {
    ...state,
    events: { ...state.events, [item.eventId]: item },
    pendingChunks,
    maxSequence: item.sequenceKnown ? Math.max(state.maxSequence, item.sequence) : state.maxSequence,
  };
}

/** Makes sure the stage and execution an event names exist (placeholders ask for a refresh). */
function ensurePlace(
  state: SessionViewState,
  stageId: string | null,
  executionId: string | null,
  parentExecutionId: string | null,
  agentIndex = 0,
  status = "active",
): SessionViewState {
  let next = state;
  if (stageId !== null && next.stages[stageId] === undefined) {
    const index = Math.max(0, ...Object.values(next.stages).map((s) => s.index)) + 1;
    next = {
      ...next,
      stages: { ...next.stages, [stageId]: placeholderStage(stageId, index) },
      refreshHint: next.refreshHint + 1,
    };
  }
  if (stageId !== null && executionId !== null && next.executions[executionId] === undefined) {
    const placeholder = placeholderExecution(executionId, stageId, parentExecutionId, agentIndex, status);
    next = {
      ...next,
      executions: { ...next.executions, [executionId]: placeholder },
      refreshHint: next.refreshHint + 1,
    };
  }
  return next;
}

function onCreated(state: SessionViewState, event: TimelineEventCreated): SessionViewState {
  const parent = event.parent_execution_id ?? null;
  state = ensurePlace(state, event.stage_id, event.execution_id, parent);
  const existing = state.events[event.event_id];
  const terminal = event.status !== "streaming";
  const seq = typeof event.sequence_number === "number" ? event.sequence_number : null;
  if (existing === undefined) {
    const buffered = state.pendingChunks[event.event_id] ?? "";
    return withItem(state, {
      eventId: event.event_id,
      stageId: event.stage_id,
      executionId: event.execution_id,
      parentExecutionId: parent,
      sequence: seq ?? provisionalSequence(state),
      sequenceKnown: seq !== null,
      eventType: event.event_type,
      status: event.status,
      content: terminal ? event.content : event.content + buffered,
      metadata: event.metadata ?? null,
      llmInteractionId: null,
      mcpInteractionId: null,
      createdAt: event.timestamp ?? null,
      final: terminal,
      placed: true,
    });
  }
  // Known already (completed first, a REST row, or a replay): fill in, never regress.
  const item: TimelineItem = {
    ...existing,
    stageId: existing.stageId ?? event.stage_id,
    executionId: existing.executionId ?? event.execution_id,
    parentExecutionId: existing.parentExecutionId ?? parent,
    eventType: existing.eventType || event.event_type,
    metadata: mergeMetadata(event.metadata ?? null, existing.metadata),
    createdAt: existing.createdAt ?? event.timestamp ?? null,
    placed: true,
  };
  if (!existing.sequenceKnown && seq !== null) {
    item.sequence = seq;
    item.sequenceKnown = true;
  }
  if (!existing.final) {
    if (terminal) {
      item.content = event.content;
      item.status = event.status;
      item.final = true;
    } else if (event.content.length > existing.content.length) {
      item.content = event.content;
    }
  }
  return withItem(state, item);
}

function onChunk(state: SessionViewState, event: StreamChunk): SessionViewState {
  if (!event.delta) return state;
  const existing = state.events[event.event_id];
  if (existing === undefined) {
    const buffered = (state.pendingChunks[event.event_id] ?? "") + event.delta;
    return { ...state, pendingChunks: { ...state.pendingChunks, [event.event_id]: buffered } };
  }
  if (existing.final) return state;
  return {
    ...state,
    events: { ...state.events, [event.event_id]: { ...existing, content: existing.content + event.delta } },
  };
}

function onCompleted(state: SessionViewState, event: TimelineEventCompleted): SessionViewState {
  const existing = state.events[event.event_id];
  const parent = event.parent_execution_id ?? null;
  if (existing === undefined) {
    // Its `created` has not been seen: keep the final content; the created (or a reload)
    // will place it.
    return withItem(
      { ...state, refreshHint: state.refreshHint + 1 },
      {
        eventId: event.event_id,
        stageId: null,
        executionId: null,
        parentExecutionId: parent,
        sequence: provisionalSequence(state),
        sequenceKnown: false,
        eventType: event.event_type,
        status: event.status,
        content: event.content,
        metadata: event.metadata ?? null,
        llmInteractionId: null,
        mcpInteractionId: null,
        createdAt: null,
        final: true,
        placed: false,
      },
    );
  }
  return withItem(state, {
    ...existing,
    parentExecutionId: existing.parentExecutionId ?? parent,
    eventType: event.event_type || existing.eventType,
    status: event.status,
    content: event.content,
    metadata: mergeMetadata(existing.metadata, event.metadata ?? null),
    final: true,
  });
}

function onStageStatus(state: SessionViewState, event: StageStatusEvent): SessionViewState {
  const existing = state.stages[event.stage_id];
  const status = advanceRun(existing?.status ?? null, event.status);
  const base = existing ?? placeholderStage(event.stage_id, event.stage_index);
  const stage = {
    ...base,
    name: event.stage_name || base.name,
    index: event.stage_index,
    stageType: event.stage_type || base.stageType,
    referencedStageId: event.referenced_stage_id ?? base.referencedStageId,
    status,
  };
  // `execution.status` is transient: an ended stage with executions still running here means
  // some were missed (a reconnect), so ask for the REST detail.
  const stale =
    isTerminalStatus(status) &&
    Object.values(state.executions).some(
      (e) => e.stageId === event.stage_id && e.parentExecutionId === null && !isTerminalStatus(e.status),
    );
  return {
    ...state,
    stages: { ...state.stages, [event.stage_id]: stage },
    refreshHint: stale ? state.refreshHint + 1 : state.refreshHint,
  };
}

function onExecutionStatus(state: SessionViewState, event: ExecutionStatusEvent): SessionViewState {
  const parent = event.parent_execution_id ?? null;
  state = ensurePlace(state, event.stage_id, event.execution_id, parent, event.agent_index, event.status);
  const existing = state.executions[event.execution_id];
  if (existing === undefined) return state;
  const status = advanceRun(existing.status, event.status);
  const execution = {
    ...existing,
    status,
    agentIndex: existing.agentIndex || event.agent_index,
    errorMessage: event.error_message ?? existing.errorMessage,
    progress: isTerminalStatus(status) ? null : existing.progress,
  };
  return { ...state, executions: { ...state.executions, [event.execution_id]: execution } };
}

function onExecutionProgress(state: SessionViewState, event: ExecutionProgressEvent): SessionViewState {
  state = ensurePlace(state, event.stage_id, event.execution_id, event.parent_execution_id ?? null);
  const existing = state.executions[event.execution_id];
  if (existing === undefined || isTerminalStatus(existing.status)) return state;
  const execution = { ...existing, progress: { phase: event.phase, message: event.message } };
  return { ...state, executions: { ...state.executions, [event.execution_id]: execution } };
}
