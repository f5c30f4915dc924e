/** `/sessions/:id/trace`: the interaction tree; a click opens an LLM conversation or an MCP call. */
import ArrowBackIcon from "@mui/icons-material/ArrowBack";
import { Alert, Box, Button, CircularProgress, Paper, Stack, Typography } from "@mui/material";
import { useCallback, useEffect, useState } from "react";
import { Link as RouterLink, useParams, useSearchParams } from "react-router";

import { api, errorMessage } from "../api/client";
import type { LLMInteractionDetail, MCPInteractionDetail, SessionTrace } from "../api/types";
import { useDebounced } from "../hooks/useDebounced";
import { useChannel } from "../live/context";
import { sessionChannel } from "../live/events";
import { LlmDetail } from "./trace/LlmDetail";
import { McpDetail } from "./trace/McpDetail";
import { TraceTree, type Selection } from "./trace/TraceTree";

type Detail = { kind: "llm"; data: LLMInteractionDetail } | { kind: "mcp"; data: MCPInteractionDetail };

function useInteraction(sessionId: string, selection: Selection) {
  const [detail, setDetail] = useState<Detail | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [loading, setLoading] = useState(false);
  useEffect(() => {
    setDetail(null);
    setError(null);
    if (selection === null) return undefined;
    let live = true;
    setLoading(true);
    const path = { params: { path: { session_id: sessionId, interaction_id: selection.id } } };
    const request =
      selection.kind === "llm"
        ? api.GET("/api/v1/sessions/{session_id}/trace/llm/{interaction_id}", path).then((r) => ({
            ...r,
            detail: r.data ? ({ kind: "llm", data: r.data } as const) : null,
          }))
        : api.GET("/api/v1/sessions/{session_id}/trace/mcp/{interaction_id}", path).then((r) => ({
            ...r,
            detail: r.data ? ({ kind: "mcp", data: r.data } as const) : null,
          }));
    void request.then((r) => {
      if (!live) return;
      setLoading(false);
      if (r.detail) setDetail(r.detail);
      else setError(errorMessage(r.error, r.response));
    });
    return () => {
      live = false;
    };
  }, [sessionId, selection]);
  return { detail, error, loading };
}

export function TracePage() {
  const { id = "" } = useParams();
  const [params, setParams] = useSearchParams();
  const [trace, setTrace] = useState<SessionTrace | null>(null);
  const [error, setError] = useState<string | null>(null);

  const llm = params.get("llm");
  const mcp = params.get("mcp");
  const [selection, setSelection] = useState<Selection>(null);
  useEffect(() => {
    setSelection((current) => {
      const next: Selection = llm ? { kind: "llm", id: llm } : mcp ? { kind: "mcp", id: mcp } : null;
      return current?.id === next?.id && current?.kind === next?.kind ? current : next;
    });
  }, [llm, mcp]);

  const load = useCallback(async () => {
    const { data, error: err, response } = await api.GET("/api/v1/sessions/{session_id}/trace", {
      params: { path: { session_id: id } },
    });
    if (data) {
      setTrace(data);
      setError(null);
    } else setError(errorMessage(err, response));
  }, [id]);
  useEffect(() => {
    void load();
  }, [load]);

  const refresh = useDebounced(() => void load(), 500, 2000);
  useChannel(sessionChannel(id), (event) => {
    if (event.type === "interaction.created") refresh();
  }, refresh);

  const select = (s: Selection) => {
    if (s === null) setParams({});
    else setParams({ [s.kind]: s.id }, { replace: true });
  };
  const { detail, error: detailError, loading } = useInteraction(id, selection);

  return (
    <Stack spacing={2} data-testid="trace-view">
      <Stack direction="row" spacing={1} sx={{ alignItems: "center" }}>
        <Button component={RouterLink} to={`/sessions/${id}`} startIcon={<ArrowBackIcon />}>
          Session
        </Button>
        <Typography variant="h5">Trace</Typography>
        <Typography variant="caption" color="text.secondary" sx={{ fontFamily: "monospace" }}>
          {id}
        </Typography>
      </Stack>
      {error && <Alert severity="error">{error}</Alert>}
      {trace === null && !error && <CircularProgress />}
      {trace && (
        <Box sx={{ display: "grid", gap: 2, gridTemplateColumns: { xs: "1fr", md: "minmax(280px, 5fr) 8fr" }, alignItems: "start" }}>
          <Paper variant="outlined" sx={{ p: 1.5, position: { md: "sticky" }, top: { md: 64 }, maxHeight: { md: "calc(100vh - 96px)" }, overflow: "auto" }}>
            <TraceTree trace={trace} selection={selection} onSelect={select} />
          </Paper>
          <Paper variant="outlined" sx={{ p: 2, minWidth: 0 }}>
            {selection === null && <Typography color="text.secondary">Select an interaction to see what was sent and answered.</Typography>}
            {loading && <CircularProgress size={20} />}
            {detailError && <Alert severity="error">{detailError}</Alert>}
            {detail?.kind === "llm" && <LlmDetail detail={detail.data} />}
            {detail?.kind === "mcp" && <McpDetail detail={detail.data} />}
          </Paper>
        </Box>
      )}
    </Stack>
  );
}
