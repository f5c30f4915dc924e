/**
 * A stable callback that runs `fn` `delayMs` after the last call (trailing debounce); with
 * `maxWaitMs`, a steady stream of calls still runs it at least that often.
 */
import { useCallback, useEffect, useRef } from "react";

export function useDebounced(fn: () => void, delayMs: number, maxWaitMs?: number): () => void {
  const fnRef = useRef(fn);
  fnRef.current = fn;
  const timer = useRef<ReturnType<typeof setTimeout> | undefined>(undefined);
  const firstCall = useRef<number | null>(null);
  useEffect(() => () => clearTimeout(timer.current), []);
  return useCallback(() => {
    const now = Date.now();
    firstCall.current ??= now;
    clearTimeout(timer.current);
    const waited = now - firstCall.current;
    const delay = maxWaitMs === undefined ? delayMs : Math.max(0, Math.min(delayMs, maxWaitMs - waited));
    timer.current = setTimeout(() => {
      timer.current = undefined;
      firstCall.current = null;
      fnRef.current();
    }, delay);
  }, [delayMs, maxWaitMs]);
}
