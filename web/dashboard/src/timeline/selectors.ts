/** Derived views of the session state: the ordered stage tree and the session's results. */
import type { ExecutionState, SessionViewState, StageState, TimelineItem } from "./types";

export interface ExecutionNode {
  execution: ExecutionState;
  events: TimelineItem[];
  subAgents: ExecutionNode[];
}

export interface StageNode {
  stage: StageState;
  executions: ExecutionNode[];
  /** Events of the stage that belong to no execution (e.g. a chat's `user_question`), split
   * into those before the executions' first event and the rest. */
  leading: TimelineItem[];
  trailing: TimelineItem[];
}

export interface TimelineTree {
  stages: StageNode[];
  /** Session-level events and events not placed yet. */
  loose: TimelineItem[];
}

const bySequence = (a: TimelineItem, b: TimelineItem) => a.sequence - b.sequence;
const byAgentIndex = (a: ExecutionState, b: ExecutionState) =>
  a.agentIndex - b.agentIndex || a.executionId.localeCompare(b.executionId);

export function buildTree(state: SessionViewState): TimelineTree {
  const eventsByExecution = new Map<string, TimelineItem[]>();
  const eventsByStage = new Map<string, TimelineItem[]>();
  const loose: TimelineItem[] = [];
  for (const item of Object.values(state.events)) {
    if (item.executionId !== null && state.executions[item.executionId] !== undefined) {
      push(eventsByExecution, item.executionId, item);
    } else if (item.stageId !== null && state.stages[item.stageId] !== undefined) {
      push(eventsByStage, item.stageId, item);
    } else {
      loose.push(item);
    }
  }
  const children = new Map<string, ExecutionState[]>();
  const topLevel = new Map<string, ExecutionState[]>();
  for (const execution of Object.values(state.executions)) {
    const parent = execution.parentExecutionId;
    if (parent !== null && state.executions[parent] !== undefined) push(children, parent, execution);
    else push(topLevel, execution.stageId, execution);
  }
  const node = (execution: ExecutionState): ExecutionNode => ({
    execution,
    events: (eventsByExecution.get(execution.executionId) ?? []).sort(bySequence),
    subAgents: (children.get(execution.executionId) ?? []).sort(byAgentIndex).map(node),
  });
  const stages = Object.values(state.stages)
    .sort((a, b) => a.index - b.index || (a.startedAt ?? "").localeCompare(b.startedAt ?? ""))
    .map((stage) => {
      const executions = (topLevel.get(stage.stageId) ?? []).sort(byAgentIndex).map(node);
      const first = Math.min(Infinity, ...executions.map(firstSequence));
      const own = (eventsByStage.get(stage.stageId) ?? []).sort(bySequence);
      return {
        stage,
        executions,
        leading: own.filter((item) => item.sequence < first),
        trailing: own.filter((item) => item.sequence >= first),
      };
    });
  return { stages, loose: loose.sort(bySequence) };
}

function firstSequence(node: ExecutionNode): number {
  return Math.min(node.events[0]?.sequence ?? Infinity, ...node.subAgents.map(firstSequence));
}

function push<T>(map: Map<string, T[]>, key: string, value: T): void {
  const list = map.get(key);
  if (list === undefined) map.set(key, [value]);
  else list.push(value);
}

function lastFinal(state: SessionViewState, accept: (item: TimelineItem, stage: StageState | undefined) => boolean): string | null {
  let best: TimelineItem | null = null;
  for (const item of Object.values(state.events)) {
    if (item.eventType !== "final_analysis" && item.eventType !== "executive_summary") continue;
    if (!item.content) continue;
    const stage = item.stageId !== null ? state.stages[item.stageId] : undefined;
    if (!accept(item, stage)) continue;
    if (best === null || item.sequence > best.sequence) best = item;
  }
  return best?.content ?? null;
}

/** The session's final analysis: the stored one, else the latest investigation answer. */
export function finalAnalysis(state: SessionViewState): string | null {
  if (state.session?.final_analysis) return state.session.final_analysis;
  return lastFinal(
    state,
    (item, stage) =>
      item.eventType === "final_analysis" &&
      item.parentExecutionId === null &&
      item.metadata?.interaction_type !== "executive_summary" &&
      stage !== undefined &&
      (stage.stageType === "investigation" || stage.stageType === "synthesis"),
  );
}

/** The executive summary: the stored one, else the answer of the `exec_summary` stage. */
export function executiveSummary(state: SessionViewState): string | null {
  if (state.session?.executive_summary) return state.session.executive_summary;
  return lastFinal(
    state,
    (item, stage) =>
      item.eventType === "executive_summary" ||
      item.metadata?.interaction_type === "executive_summary" ||
      stage?.stageType === "exec_summary",
  );
}

/** Whether a chat answer is being produced (a chat stage still running). */
export function chatBusy(state: SessionViewState): boolean {
  return Object.values(state.stages).some(
    (stage) => stage.stageType === "chat" && (stage.status === "active" || stage.status === "pending"),
  );
}
