/**
 * The WebSocket messages of docs/api.md ("Live updates"): protocol messages and the event
 * payloads of `tarsy/events/payloads.py`, as a union tagged by `type`.
 */

interface EventBase {
  session_id: string;
  timestamp?: string;
  /** Set on persisted events (replayable by catch-up). */
  db_event_id?: number;
}

export type Metadata = Record<string, unknown>;

export interface TimelineEventCreated extends EventBase {
  type: "timeline_event.created";
  event_id: string;
  stage_id: string | null;
  execution_id: string | null;
  parent_execution_id?: string | null;
  event_type: string;
  status: string;
  content: string;
  metadata: Metadata | null;
  sequence_number: number | null;
}

export interface TimelineEventCompleted extends EventBase {
  type: "timeline_event.completed";
  event_id: string;
  parent_execution_id?: string | null;
  event_type: string;
  status: string;
  content: string;
  metadata: Metadata | null;
}

export interface StreamChunk extends EventBase {
  type: "stream.chunk";
  event_id: string;
  parent_execution_id?: string | null;
  delta: string;
}

export interface SessionStatusEvent extends EventBase {
  type: "session.status";
  status: string;
}

export interface StageStatusEvent extends EventBase {
  type: "stage.status";
  stage_id: string;
  stage_name: string;
  stage_index: number;
  stage_type: string;
  referenced_stage_id: string | null;
  status: "started" | "completed" | "failed" | "timed_out" | "cancelled";
}

export interface ExecutionStatusEvent extends EventBase {
  type: "execution.status";
  stage_id: string;
  execution_id: string;
  parent_execution_id?: string | null;
  agent_index: number;
  status: string;
  error_message?: string | null;
}

export interface ExecutionProgressEvent extends EventBase {
  type: "execution.progress";
  stage_id: string;
  execution_id: string;
  parent_execution_id?: string | null;
  phase: string;
  message: string;
}

export interface SessionProgressEvent extends EventBase {
  type: "session.progress";
  current_stage_name: string;
  current_stage_index: number;
  total_stages: number;
  active_executions: number;
  status_text: string;
}

export interface InteractionCreatedEvent extends EventBase {
  type: "interaction.created";
  stage_id: string | null;
  execution_id: string | null;
  interaction_id: string;
  interaction_type: "llm" | "mcp";
}

export interface ChatCreatedEvent extends EventBase {
  type: "chat.created";
  chat_id: string;
  created_by: string;
}

/** Events this dashboard does not act on yet (review workflow, scoring). */
export interface OtherEvent extends EventBase {
  type: "review.status" | "session.score_updated";
  [key: string]: unknown;
}

/** A large transient event replaced by a stub: refetch over REST. */
export interface TruncatedStub extends EventBase {
  type: string;
  event_id?: string;
  truncated: true;
}

export type SessionEvent =
  | TimelineEventCreated
  | TimelineEventCompleted
  | StreamChunk
  | SessionStatusEvent
  | StageStatusEvent
  | ExecutionStatusEvent
  | ExecutionProgressEvent
  | SessionProgressEvent
  | InteractionCreatedEvent
  | ChatCreatedEvent
  | OtherEvent;

export type ProtocolMessage =
  | { type: "connection.established"; connection_id: string }
  | { type: "subscription.confirmed"; channel: string }
  | { type: "subscription.error"; channel: string; message: string }
  | { type: "catchup.overflow"; channel: string; has_more: boolean }
  | { type: "pong" }
  | { type: "error"; message: string };

export const PROTOCOL_TYPES: ReadonlySet<string> = new Set([
  "connection.established",
  "subscription.confirmed",
  "subscription.error",
  "catchup.overflow",
  "pong",
  "error",
]);

/** Event types that are also published (transiently) on the `sessions` list channel. */
export const LIST_EVENT_TYPES: ReadonlySet<string> = new Set([
  "session.status",
  "session.progress",
  "review.status",
  "session.score_updated",
]);

export const SESSIONS_CHANNEL = "sessions";

export function sessionChannel(sessionId: string): string {
  return `session:${sessionId}`;
}

export function isTruncated(message: { truncated?: unknown }): boolean {
  return message.truncated === true;
}
