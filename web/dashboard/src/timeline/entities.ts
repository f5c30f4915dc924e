/** Constructors for the reducer's entities, from REST views or from live events. */
import type { ExecutionView, StageView, TimelineEventView } from "../api/types";
import type { Metadata } from "../live/events";
import type { ExecutionState, SessionViewState, StageState, TimelineItem } from "./types";

export function initialState(sessionId: string): SessionViewState {
  return {
    sessionId,
    session: null,
    status: null,
    stages: {},
    executions: {},
    events: {},
    pendingChunks: {},
    seenDbIds: {},
    progress: null,
    chatId: null,
    refreshHint: 0,
    interactionCount: 0,
    maxSequence: 0,
  };
}

export function stageFromView(view: StageView): StageState {
  return {
    stageId: view.id,
    name: view.stage_name,
    index: view.stage_index,
    stageType: view.stage_type,
    status: view.status,
    parallelType: view.parallel_type ?? null,
    expectedAgentCount: view.expected_agent_count,
    referencedStageId: view.referenced_stage_id,
    startedAt: view.started_at,
    completedAt: view.completed_at,
    durationMs: view.duration_ms,
    errorMessage: view.error_message,
  };
}

export function placeholderStage(stageId: string, index: number): StageState {
  return {
    stageId,
    name: "",
    index,
    stageType: "investigation",
    status: "active",
    parallelType: null,
    expectedAgentCount: null,
    referencedStageId: null,
    startedAt: null,
    completedAt: null,
    durationMs: null,
    errorMessage: null,
  };
}

export function executionFromView(
  view: ExecutionView,
  stageId: string,
  parentExecutionId: string | null,
): ExecutionState {
  return {
    executionId: view.execution_id,
    stageId,
    parentExecutionId: view.parent_execution_id ?? parentExecutionId,
    agentName: view.agent_name,
    agentIndex: view.agent_index,
    status: view.status,
    llmProvider: view.llm_provider,
    modelName: view.model_name,
    originalProvider: view.original_llm_provider,
    originalModel: view.original_model_name,
    fallbackReason: view.fallback_reason,
    task: view.task,
    startedAt: view.started_at,
    completedAt: view.completed_at,
    durationMs: view.duration_ms,
    errorMessage: view.error_message,
    inputTokens: view.input_tokens,
    outputTokens: view.output_tokens,
    totalTokens: view.total_tokens,
    estimatedCostUsd: view.estimated_cost_usd,
    progress: null,
  };
}

export function placeholderExecution(
  executionId: string,
  stageId: string,
  parentExecutionId: string | null,
  agentIndex: number,
  status: string,
): ExecutionState {
  return {
    executionId,
    stageId,
    parentExecutionId,
    agentName: "",
    agentIndex,
    status,
    llmProvider: null,
    modelName: null,
    originalProvider: null,
    originalModel: null,
    fallbackReason: null,
    task: null,
    startedAt: null,
    completedAt: null,
    durationMs: null,
    errorMessage: null,
    inputTokens: null,
    outputTokens: null,
    totalTokens: null,
    estimatedCostUsd: null,
    progress: null,
  };
}

export function itemFromRow(row: TimelineEventView, content: string): TimelineItem {
  return {
    eventId: row.event_id,
    stageId: row.stage_id,
    executionId: row.execution_id,
    parentExecutionId: row.parent_execution_id,
    sequence: row.sequence_number,
    sequenceKnown: true,
    eventType: row.event_type,
    status: row.status,
    content,
    metadata: row.metadata ?? null,
    llmInteractionId: row.llm_interaction_id,
    mcpInteractionId: row.mcp_interaction_id,
    createdAt: row.created_at,
    final: row.status !== "streaming",
    placed: true,
  };
}

/** `over` wins key by key; null when both are empty. */
export function mergeMetadata(base: Metadata | null, over: Metadata | null): Metadata | null {
  if (base === null) return over;
  if (over === null) return base;
  return { ...base, ...over };
}

/** An order for an event whose sequence number is not known yet: after everything seen. */
export function provisionalSequence(state: SessionViewState): number {
  const count = Object.keys(state.events).length;
  return state.maxSequence + 0.5 + count / 1e6;
}
