/** Builders of REST rows and live events for the reducer's tests. */
import type { SessionDetail, TimelineEventView } from "../api/types";
import type { SessionEvent } from "../live/events";

export const SID = "s-1";
export const STAGE = "stage-1";
export const EXEC = "exec-1";

let nextDb = 1;
export function resetDb(): void {
  nextDb = 1;
}
function db(): number {
  return nextDb++;
}

const base = { session_id: SID, timestamp: "2026-01-01T00:00:00Z" };

export const ev = {
  sessionStatus: (status: string): SessionEvent => ({ ...base, type: "session.status", status, db_event_id: db() }),
  stage: (status: "started" | "completed" | "failed", stageId = STAGE, index = 1): SessionEvent => ({
    ...base,
    type: "stage.status",
    stage_id: stageId,
    stage_name: `stage ${index}`,
    stage_index: index,
    stage_type: "investigation",
    referenced_stage_id: null,
    status,
    db_event_id: db(),
  }),
  execution: (status: string, executionId = EXEC, parent?: string, stageId = STAGE): SessionEvent => ({
    ...base,
    type: "execution.status",
    stage_id: stageId,
    execution_id: executionId,
    agent_index: 1,
    status,
    ...(parent ? { parent_execution_id: parent } : {}),
  }),
  progress: (phase: string, message: string, executionId = EXEC): SessionEvent => ({
    ...base,
    type: "execution.progress",
    stage_id: STAGE,
    execution_id: executionId,
    phase,
    message,
  }),
  created: (
    eventId: string,
    seq: number,
    eventType = "llm_response",
    status = "streaming",
    content = "",
    executionId = EXEC,
  ): SessionEvent => ({
    ...base,
    type: "timeline_event.created",
    event_id: eventId,
    stage_id: STAGE,
    execution_id: executionId,
    event_type: eventType,
    status,
    content,
    metadata: null,
    sequence_number: seq,
    db_event_id: db(),
  }),
  chunk: (eventId: string, delta: string): SessionEvent => ({ ...base, type: "stream.chunk", event_id: eventId, delta }),
  completed: (eventId: string, content: string, eventType = "llm_response", status = "completed"): SessionEvent => ({
    ...base,
    type: "timeline_event.completed",
    event_id: eventId,
    event_type: eventType,
    status,
    content,
    metadata: null,
    db_event_id: db(),
  }),
};

export function detail(status: SessionDetail["status"], stageStatus: "active" | "completed" = "active"): SessionDetail {
  return {
    id: SID,
    alert_data: "Pod api-7d9 CrashLoopBackOff",
    alert_type: "kubernetes",
    status,
    chain_id: "kubernetes",
    author: "api-client",
    error_message: null,
    final_analysis: null,
    executive_summary: null,
    executive_summary_error: null,
    runbook_url: null,
    slack_message_fingerprint: null,
    resolved_at: null,
    mcp_selection: null,
    created_at: "2026-01-01T00:00:00Z",
    started_at: "2026-01-01T00:00:01Z",
    completed_at: null,
    duration_ms: null,
    chat_enabled: true,
    chat_id: null,
    chat_message_count: 0,
    total_stages: 1,
    completed_stages: 0,
    failed_stages: 0,
    has_parallel_stages: false,
    has_sub_agents: false,
    has_action_stages: false,
    actions_executed: null,
    input_tokens: 0,
    output_tokens: 0,
    total_tokens: 0,
    cost_estimation_enabled: false,
    estimated_cost_usd: null,
    cost_completeness: null,
    unpriced_interaction_count: null,
    llm_interaction_count: 0,
    mcp_interaction_count: 0,
    current_stage_index: 1,
    current_stage_id: STAGE,
    latest_score: null,
    scoring_status: null,
    score_id: null,
    review_status: null,
    assignee: null,
    assigned_at: null,
    reviewed_at: null,
    quality_rating: null,
    action_taken: null,
    investigation_feedback: null,
    feedback_edited: false,
    feedback_edited_by: null,
    feedback_edited_at: null,
    stages: [
      {
        id: STAGE,
        stage_name: "stage 1",
        stage_index: 1,
        stage_type: "investigation",
        status: stageStatus,
        parallel_type: null,
        expected_agent_count: 1,
        referenced_stage_id: null,
        started_at: "2026-01-01T00:00:01Z",
        completed_at: null,
        duration_ms: null,
        error_message: null,
        executions: [
          {
            execution_id: EXEC,
            agent_name: "KubernetesAgent",
            agent_index: 1,
            status: stageStatus,
            llm_backend: "langchain",
            llm_provider: "demo",
            model_name: "demo-model",
            started_at: "2026-01-01T00:00:01Z",
            completed_at: null,
            duration_ms: null,
            error_message: null,
            input_tokens: 0,
            output_tokens: 0,
            total_tokens: 0,
            estimated_cost_usd: null,
            cost_completeness: null,
            unpriced_interaction_count: null,
            parent_execution_id: null,
            task: null,
            original_llm_provider: null,
            original_llm_backend: null,
            original_model_name: null,
            fallback_reason: null,
            fallback_error_code: null,
            fallback_attempt: null,
            sub_agents: [],
          },
        ],
      },
    ],
  };
}

export function row(
  eventId: string,
  seq: number,
  status: TimelineEventView["status"],
  content: string,
  eventType: TimelineEventView["event_type"] = "llm_response",
): TimelineEventView {
  return {
    event_id: eventId,
    session_id: SID,
    stage_id: STAGE,
    execution_id: EXEC,
    parent_execution_id: null,
    sequence_number: seq,
    event_type: eventType,
    status,
    content,
    metadata: null,
    llm_interaction_id: status === "streaming" ? null : `llm-${eventId}`,
    mcp_interaction_id: null,
    created_at: "2026-01-01T00:00:02Z",
    updated_at: "2026-01-01T00:00:03Z",
  };
}
