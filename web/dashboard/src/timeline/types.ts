/** The session page's state: session header, stages -> executions (-> sub-agents) -> events. */
import type { SessionDetail, TimelineEventView } from "../api/types";
import type { Metadata, SessionEvent } from "../live/events";

/** Session header fields (the REST detail without its stage tree). */
export type SessionHeader = Omit<SessionDetail, "stages">;

export interface StageState {
  stageId: string;
  name: string;
  /** 1-based position in the chain. */
  index: number;
  stageType: string;
  status: string;
  parallelType: string | null;
  expectedAgentCount: number | null;
  referencedStageId: string | null;
  startedAt: string | null;
  completedAt: string | null;
  durationMs: number | null;
  errorMessage: string | null;
}

export interface ExecutionProgress {
  phase: string;
  message: string;
}

export interface ExecutionState {
  executionId: string;
  stageId: string;
  parentExecutionId: string | null;
  /** Empty until the REST detail names it (live `execution.status` carries no name). */
  agentName: string;
  agentIndex: number;
  status: string;
  llmProvider: string | null;
  modelName: string | null;
  originalProvider: string | null;
  originalModel: string | null;
  fallbackReason: string | null;
  task: string | null;
  startedAt: string | null;
  completedAt: string | null;
  durationMs: number | null;
  errorMessage: string | null;
  inputTokens: number | null;
  outputTokens: number | null;
  totalTokens: number | null;
  estimatedCostUsd: number | null;
  progress: ExecutionProgress | null;
}

export interface TimelineItem {
  eventId: string;
  stageId: string | null;
  executionId: string | null;
  parentExecutionId: string | null;
  /** Session-wide order; provisional (fractional) until the server's number is known. */
  sequence: number;
  sequenceKnown: boolean;
  eventType: string;
  status: string;
  /** While streaming: the deltas so far; once final: the server's content. */
  content: string;
  metadata: Metadata | null;
  llmInteractionId: string | null;
  mcpInteractionId: string | null;
  createdAt: string | null;
  /** A terminal version (completed event or terminal row) was applied: chunks are ignored. */
  final: boolean;
  /** The `timeline_event.created` (or a REST row) placing it has been seen. */
  placed: boolean;
}

export interface SessionProgress {
  currentStageName: string;
  currentStageIndex: number;
  totalStages: number;
  activeExecutions: number;
  statusText: string;
}

export interface SessionViewState {
  sessionId: string;
  session: SessionHeader | null;
  /** Live status (may be ahead of `session.status`). */
  status: string | null;
  stages: Readonly<Record<string, StageState>>;
  executions: Readonly<Record<string, ExecutionState>>;
  events: Readonly<Record<string, TimelineItem>>;
  /** Deltas that arrived before their event's `created`. */
  pendingChunks: Readonly<Record<string, string>>;
  /** `db_event_id`s already applied. */
  seenDbIds: Readonly<Record<number, true>>;
  progress: SessionProgress | null;
  chatId: string | null;
  /** Bumped when an event names a stage/execution/event the state does not know yet. */
  refreshHint: number;
  /** Bumped by each new `interaction.created` (trace and token counters refetch). */
  interactionCount: number;
  /** Highest sequence number seen (to order events whose number is not known yet). */
  maxSequence: number;
}

export type SessionAction =
  | { type: "snapshot"; session: SessionDetail; timeline?: readonly TimelineEventView[] }
  | { type: "event"; event: SessionEvent }
  | { type: "reset"; sessionId: string };
