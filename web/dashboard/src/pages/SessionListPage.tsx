/** `/`: the session list with filters, live refresh from the `sessions` channel, active/queued panel. */
import { Alert, Paper, Stack, Typography } from "@mui/material";
import { useCallback, useEffect, useMemo, useRef, useState } from "react";
import { useSearchParams } from "react-router";

import { api, errorMessage } from "../api/client";
import type { ActiveSessionsResponse, FilterOptions, SessionListResponse } from "../api/types";
import { useDebounced } from "../hooks/useDebounced";
import { useNow } from "../hooks/useNow";
import { useChannel } from "../live/context";
import { SESSIONS_CHANNEL } from "../live/events";
import { ActivePanel } from "./list/ActivePanel";
import { apiQuery, readQuery, writeQuery, type ListQuery } from "./list/query";
import { SessionFilters } from "./list/SessionFilters";
import { SessionTable } from "./list/SessionTable";

export function SessionListPage() {
  const [params, setParams] = useSearchParams();
  const query = useMemo(() => readQuery(params), [params]);
  const [list, setList] = useState<SessionListResponse | null>(null);
  const [active, setActive] = useState<ActiveSessionsResponse | null>(null);
  const [options, setOptions] = useState<FilterOptions | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [loading, setLoading] = useState(true);
  const requestSeq = useRef(0);

  const loadList = useCallback(async (q: ListQuery) => {
    const seq = ++requestSeq.current;
    setLoading(true);
    const { data, error: err, response } = await api.GET("/api/v1/sessions", { params: { query: apiQuery(q) } });
    if (seq !== requestSeq.current) return; // a newer request is on its way
    setLoading(false);
    if (data) {
      setList(data);
      setError(null);
    } else {
      setError(errorMessage(err, response));
    }
  }, []);

  const loadActive = useCallback(async () => {
    const { data } = await api.GET("/api/v1/sessions/active");
    if (data) setActive(data);
  }, []);

  useEffect(() => {
    void loadList(query);
  }, [loadList, query]);

  useEffect(() => {
    void loadActive();
    void api.GET("/api/v1/sessions/filter-options").then(({ data }) => data && setOptions(data));
  }, [loadActive]);

  const queryRef = useRef(query);
  queryRef.current = query;
  const refresh = useDebounced(
    () => {
      void loadList(queryRef.current);
      void loadActive();
    },
    400,
    1500,
  );
  useChannel(SESSIONS_CHANNEL, (event) => {
    if (event.type === "session.status" || event.type === "session.progress") refresh();
  }, refresh);

  const update = useCallback(
    (patch: Partial<ListQuery>) => setParams(writeQuery({ ...queryRef.current, ...patch })),
    [setParams],
  );

  const now = useNow(1000, (active?.active.length ?? 0) + (active?.queued.length ?? 0) > 0);

  return (
    <Stack spacing={2}>
      <Typography variant="h5">Sessions</Typography>
      <ActivePanel data={active} now={now} />
      <Paper variant="outlined" sx={{ p: 1.5 }}>
        <SessionFilters query={query} options={options} onChange={update} />
        {error && (
          <Alert severity="error" sx={{ mt: 1 }}>
            {error}
          </Alert>
        )}
        <SessionTable data={list} loading={loading} query={query} onChange={update} />
      </Paper>
    </Stack>
  );
}
