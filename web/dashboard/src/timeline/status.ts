/** Status ordering rules that keep replayed or stale updates from moving a status backwards. */

const SESSION_RANK: Readonly<Record<string, number>> = {
  pending: 0,
  in_progress: 1,
  cancelling: 2,
  completed: 3,
  failed: 3,
  cancelled: 3,
  timed_out: 3,
};

/** Stage and execution statuses share one order. */
const RUN_RANK: Readonly<Record<string, number>> = {
  pending: 0,
  started: 1,
  active: 1,
  completed: 2,
  failed: 2,
  cancelled: 2,
  timed_out: 2,
};

export const TERMINAL_RUN = new Set(["completed", "failed", "cancelled", "timed_out"]);

export function isTerminalStatus(status: string | null | undefined): boolean {
  return status != null && TERMINAL_RUN.has(status);
}

/** `next` unless it ranks below `current` (unknown statuses always apply). */
function byRank(rank: Readonly<Record<string, number>>, current: string | null, next: string): string {
  if (current === null) return next;
  const a = rank[current];
  const b = rank[next];
  if (a === undefined || b === undefined) return next;
  return b >= a ? next : current;
}

/** A live `session.status`: anything goes (an orphan goes back to `pending`) except leaving an
 * ended status for a running one, which only a replay of older events would do. */
export function liveSessionStatus(current: string | null, next: string): string {
  if (isTerminalStatus(current) && !isTerminalStatus(next)) return current as string;
  return next;
}

/** A REST snapshot may be older than the live state: keep whichever is further along. */
export function snapshotSessionStatus(current: string | null, next: string): string {
  return byRank(SESSION_RANK, current, next);
}

/** Stages and executions never move backwards. */
export function advanceRun(current: string | null, next: string): string {
  return byRank(RUN_RANK, current, next === "started" ? "active" : next);
}
