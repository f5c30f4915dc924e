/** `/sessions/:id`: header, results, the live chain timeline and the follow-up chat. */
import { Alert, Box, CircularProgress, Stack, Typography } from "@mui/material";
import { useMemo } from "react";
import { useParams } from "react-router";

import { isTerminalSession, type SessionStatus } from "../api/types";
import { buildTree, chatBusy, executiveSummary, finalAnalysis } from "../timeline/selectors";
import { ChainTimeline } from "./session/ChainTimeline";
import { ChatPanel } from "./session/ChatPanel";
import { ResultPanel } from "./session/ResultPanel";
import { SessionHeaderCard } from "./session/SessionHeaderCard";
import { useSessionView } from "./session/useSessionView";

export function SessionPage() {
  const { id = "" } = useParams();
  return <SessionView key={id} sessionId={id} />;
}

function SessionView({ sessionId }: { sessionId: string }) {
  const { state, error, notFound, refreshDetail } = useSessionView(sessionId);
  const tree = useMemo(() => buildTree(state), [state]);
  const final = useMemo(() => finalAnalysis(state), [state]);
  const summary = useMemo(() => executiveSummary(state), [state]);
  const busy = chatBusy(state);

  if (notFound) return <Alert severity="warning">Session {sessionId} was not found.</Alert>;
  if (state.session === null) {
    return error ? (
      <Alert severity="error">{error}</Alert>
    ) : (
      <Box sx={{ p: 4, textAlign: "center" }}>
        <CircularProgress />
      </Box>
    );
  }
  const status = state.status ?? state.session.status;
  const live = !isTerminalSession(status as SessionStatus) || busy;
  return (
    <Stack spacing={2}>
      {error && <Alert severity="error">{error}</Alert>}
      <SessionHeaderCard state={state} onCancelled={refreshDetail} />
      <ResultPanel finalAnalysis={final} executiveSummary={summary} summaryError={state.session.executive_summary_error} />
      <Typography variant="h6">Timeline</Typography>
      <ChainTimeline tree={tree} live={live} />
      <ChatPanel
        sessionId={sessionId}
        status={status}
        chatEnabled={state.session.chat_enabled}
        busy={busy}
        onSent={refreshDetail}
      />
    </Stack>
  );
}
