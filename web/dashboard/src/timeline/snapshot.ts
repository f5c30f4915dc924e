/**
 * Merging a REST snapshot (session detail, optionally its timeline rows) into the live state.
 *
 * The snapshot may be older or newer than what the socket delivered: rows that are final win
 * over streaming state, streaming state keeps the longer text (chunks are not stored), statuses
 * keep whichever is further along, and live-only entities (newer than the snapshot) stay.
 */
import type { ExecutionView, SessionDetail, TimelineEventView } from "../api/types";
import { executionFromView, itemFromRow, mergeMetadata, stageFromView } from "./entities";
import { advanceRun, isTerminalStatus, snapshotSessionStatus } from "./status";
import type { ExecutionState, SessionViewState, StageState, TimelineItem } from "./types";

export function applySnapshot(
  state: SessionViewState,
  session: SessionDetail,
  timeline?: readonly TimelineEventView[],
): SessionViewState {
  if (session.id !== state.sessionId) return state;
  const { stages: stageViews, ...header } = session;
  const status = snapshotSessionStatus(state.status, session.status);

  const stages: Record<string, StageState> = { ...state.stages };
  const executions: Record<string, ExecutionState> = { ...state.executions };
  for (const view of stageViews) {
    const fresh = stageFromView(view);
    const existing = stages[view.id];
    stages[view.id] = existing
      ? { ...fresh, status: advanceRun(existing.status, fresh.status) }
      : fresh;
    for (const execution of flatten(view.executions, view.id, null)) {
      const current = executions[execution.executionId];
      if (current === undefined) {
        executions[execution.executionId] = execution;
        continue;
      }
      const merged = advanceRun(current.status, execution.status);
      executions[execution.executionId] = {
        ...execution,
        status: merged,
        errorMessage: execution.errorMessage ?? current.errorMessage,
        progress: isTerminalStatus(merged) ? null : current.progress,
      };
    }
  }

  let next: SessionViewState = {
    ...state,
    session: header,
    status,
    stages,
    executions,
    chatId: session.chat_id ?? state.chatId,
    progress: isTerminalStatus(status) ? null : state.progress,
  };
  if (timeline !== undefined) next = mergeRows(next, timeline);
  return next;
}

function flatten(
  views: readonly ExecutionView[],
  stageId: string,
  parent: string | null,
): ExecutionState[] {
  const out: ExecutionState[] = [];
  for (const view of views) {
    out.push(executionFromView(view, stageId, parent));
    out.push(...flatten(view.sub_agents ?? [], stageId, view.execution_id));
  }
  return out;
}

function mergeRows(state: SessionViewState, rows: readonly TimelineEventView[]): SessionViewState {
  const events: Record<string, TimelineItem> = { ...state.events };
  const pendingChunks: Record<string, string> = { ...state.pendingChunks };
  let maxSequence = state.maxSequence;
  for (const row of rows) {
    maxSequence = Math.max(maxSequence, row.sequence_number);
    const existing = events[row.event_id];
    const buffered = pendingChunks[row.event_id];
    delete pendingChunks[row.event_id];
    if (existing === undefined) {
      const content = row.status === "streaming" ? row.content + (buffered ?? "") : row.content;
      events[row.event_id] = itemFromRow(row, content);
      continue;
    }
    const fromRow = itemFromRow(row, row.content);
    if (fromRow.final) {
      // The stored row is the source of truth once the event has ended.
      events[row.event_id] = { ...fromRow, metadata: mergeMetadata(existing.metadata, fromRow.metadata) };
    } else if (existing.final) {
      // Live is ahead: it already completed. Take only the row's placement.
      events[row.event_id] = { ...existing, ...placement(fromRow) };
    } else {
      const content = existing.content.length >= row.content.length ? existing.content : row.content;
      events[row.event_id] = {
        ...fromRow,
        content,
        metadata: mergeMetadata(fromRow.metadata, existing.metadata),
      };
    }
  }
  return { ...state, events, pendingChunks, maxSequence };
}

function placement(item: TimelineItem): Partial<TimelineItem> {
  return {
    stageId: item.stageId,
    executionId: item.executionId,
    parentExecutionId: item.parentExecutionId,
    sequence: item.sequence,
    sequenceKnown: true,
    llmInteractionId: item.llmInteractionId,
    mcpInteractionId: item.mcpInteractionId,
    createdAt: item.createdAt,
    placed: true,
  };
}
