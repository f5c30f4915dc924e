/**
 * The session page's data: REST snapshot on load and on reload requests, live events of
 * `session:<id>` through the reducer, and detail refreshes when the state asks for one.
 */
import { useCallback, useEffect, useReducer, useState } from "react";

import { api, errorMessage } from "../../api/client";
import { useDebounced } from "../../hooks/useDebounced";
import { useChannel } from "../../live/context";
import { sessionChannel } from "../../live/events";
import { initialState, sessionReducer } from "../../timeline/reducer";
import type { SessionViewState } from "../../timeline/types";

export interface SessionView {
  state: SessionViewState;
  error: string | null;
  notFound: boolean;
  /** Refetch the detail (header, stages, executions) soon. */
  refreshDetail(): void;
}

export function useSessionView(sessionId: string): SessionView {
  const [state, dispatch] = useReducer(sessionReducer, sessionId, initialState);
  const [error, setError] = useState<string | null>(null);
  const [notFound, setNotFound] = useState(false);

  const loadFull = useCallback(async () => {
    const path = { params: { path: { session_id: sessionId } } };
    const [detail, timeline] = await Promise.all([
      api.GET("/api/v1/sessions/{session_id}", path),
      api.GET("/api/v1/sessions/{session_id}/timeline", path),
    ]);
    if (detail.data && timeline.data) {
      dispatch({ type: "snapshot", session: detail.data, timeline: timeline.data });
      setError(null);
      setNotFound(false);
    } else if (detail.response.status === 404) {
      setNotFound(true);
    } else {
      setError(errorMessage(detail.error ?? timeline.error, detail.data ? timeline.response : detail.response));
    }
  }, [sessionId]);

  const loadDetail = useCallback(async () => {
    const { data } = await api.GET("/api/v1/sessions/{session_id}", {
      params: { path: { session_id: sessionId } },
    });
    if (data) dispatch({ type: "snapshot", session: data });
  }, [sessionId]);

  useEffect(() => {
    dispatch({ type: "reset", sessionId });
    setError(null);
    setNotFound(false);
    void loadFull();
  }, [sessionId, loadFull]);

  const reload = useDebounced(() => void loadFull(), 300);
  const refreshDetail = useDebounced(() => void loadDetail(), 300, 2000);

  useChannel(sessionChannel(sessionId), (event) => dispatch({ type: "event", event }), reload);

  useEffect(() => {
    if (state.refreshHint > 0) refreshDetail();
  }, [state.refreshHint, refreshDetail]);
  // Token and cost counters grow with each LLM interaction.
  useEffect(() => {
    if (state.interactionCount > 0) refreshDetail();
  }, [state.interactionCount, refreshDetail]);

  return { state, error, notFound, refreshDetail };
}
