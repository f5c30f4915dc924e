/** Short names for the generated OpenAPI schemas the pages use. */
import type { components } from "./schema";

type S = components["schemas"];

export type SessionStatus = S["SessionStatus"];
export type StageStatus = S["StageStatus"];
export type ExecutionStatus = S["ExecutionStatus"];
export type TimelineStatus = S["TimelineStatus"];
export type TimelineEventType = S["TimelineEventType"];
export type StageType = S["StageType"];

export type SessionListItem = S["SessionListItem"];
export type SessionListResponse = S["SessionListResponse"];
export type SessionDetail = S["SessionDetail"];
export type StageView = S["StageView"];
export type ExecutionView = S["ExecutionView"];
export type TimelineEventView = S["TimelineEventView"];
export type ActiveSessionsResponse = S["ActiveSessionsResponse"];
export type FilterOptions = S["FilterOptions"];

export type AlertTypesResponse = S["AlertTypesResponse"];
export type AlertSubmission = S["AlertSubmission"];
export type DefaultToolsResponse = S["DefaultToolsResponse"];
export type McpServerView = S["McpServerView"];
export type WarningView = S["WarningView"];

export type SessionTrace = S["SessionTrace"];
export type TraceStage = S["TraceStage"];
export type TraceExecution = S["TraceExecution"];
export type LLMInteractionItem = S["LLMInteractionItem"];
export type MCPInteractionItem = S["MCPInteractionItem"];
export type LLMInteractionDetail = S["LLMInteractionDetail"];
export type MCPInteractionDetail = S["MCPInteractionDetail"];
export type ConversationMessage = S["ConversationMessage"];

export const TERMINAL_SESSION_STATUSES: readonly SessionStatus[] = [
  "completed",
  "failed",
  "cancelled",
  "timed_out",
];

export function isTerminalSession(status: SessionStatus | null | undefined): boolean {
  return status != null && TERMINAL_SESSION_STATUSES.includes(status);
}
