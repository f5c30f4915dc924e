/** Reconnect delays and liveness timings of the WebSocket client (docs/api.md, SPEC §6.5). */

export const BACKOFF_INITIAL_MS = 200;
export const BACKOFF_MAX_MS = 3000;
export const PING_INTERVAL_MS = 20_000;
export const PONG_TIMEOUT_MS = 10_000;
export const RELOAD_DEBOUNCE_MS = 300;

/** Delay before reconnect attempt `attempt` (0-based): 200 ms doubling, capped at 3 s. */
export function backoffDelay(attempt: number): number {
  const exponent = Math.max(0, Math.min(attempt, 16));
  return Math.min(BACKOFF_INITIAL_MS * 2 ** exponent, BACKOFF_MAX_MS);
}
