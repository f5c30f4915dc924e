/** The session header: status, alert type, chain, timings, tokens/cost, cancel and trace. */
import AccountTreeIcon from "@mui/icons-material/AccountTree";
import CancelIcon from "@mui/icons-material/Cancel";
import { Alert, Box, Button, CircularProgress, Link, Paper, Stack, Typography } from "@mui/material";
import { useState, type ReactNode } from "react";
import { Link as RouterLink } from "react-router";

import { api, errorMessage } from "../../api/client";
import { ClampBox, isLong } from "../../components/ClampBox";
import { StatusChip } from "../../components/StatusChip";
import { elapsedMs, formatCost, formatDuration, formatTime, formatTokens } from "../../format";
import { useNow } from "../../hooks/useNow";
import type { SessionViewState } from "../../timeline/types";

function Field({ label, children, testId }: { label: string; children: ReactNode; testId?: string }) {
  return (
    <Box sx={{ minWidth: 110 }}>
      <Typography variant="caption" color="text.secondary" component="div">
        {label}
      </Typography>
      <Typography variant="body2" component="div" data-testid={testId}>
        {children}
      </Typography>
    </Box>
  );
}

export function SessionHeaderCard({ state, onCancelled }: { state: SessionViewState; onCancelled: () => void }) {
  const session = state.session;
  const status = state.status ?? session?.status ?? "pending";
  const running = status === "in_progress" || status === "cancelling";
  const now = useNow(1000, running);
  const [cancelling, setCancelling] = useState(false);
  const [cancelError, setCancelError] = useState<string | null>(null);

  const cancel = async () => {
    setCancelling(true);
    setCancelError(null);
    const { error, response } = await api.POST("/api/v1/sessions/{session_id}/cancel", {
      params: { path: { session_id: state.sessionId } },
    });
    setCancelling(false);
    if (!response.ok) setCancelError(errorMessage(error, response));
    onCancelled();
  };

  const duration =
    session?.duration_ms ??
    (session?.completed_at
      ? elapsedMs(session.started_at, session.completed_at)
      : running
        ? elapsedMs(session?.started_at, null, now)
        : null);
  const progress = state.progress;

  return (
    <Paper variant="outlined" sx={{ p: 2 }}>
      <Stack direction="row" spacing={1.5} sx={{ alignItems: "center", flexWrap: "wrap" }} useFlexGap>
        <StatusChip status={status} testId="session-status" size="medium" />
        <Typography variant="h5" sx={{ mr: "auto" }}>
          {session?.alert_type ?? "Session"}
        </Typography>
        {(status === "pending" || status === "in_progress") && (
          <Button
            color="error"
            variant="outlined"
            startIcon={cancelling ? <CircularProgress size={16} /> : <CancelIcon />}
            disabled={cancelling}
            onClick={() => void cancel()}
            data-testid="cancel-button"
          >
            Cancel
          </Button>
        )}
        <Button
          component={RouterLink}
          to={`/sessions/${state.sessionId}/trace`}
          startIcon={<AccountTreeIcon />}
          variant="outlined"
          data-testid="trace-link"
        >
          Trace
        </Button>
      </Stack>
      {cancelError && (
        <Alert severity="error" sx={{ mt: 1 }} onClose={() => setCancelError(null)}>
          {cancelError}
        </Alert>
      )}
      {progress && !["completed", "failed", "cancelled", "timed_out"].includes(status) && (
        <Stack direction="row" spacing={1} sx={{ mt: 1, alignItems: "center" }}>
          <CircularProgress size={14} />
          <Typography variant="body2" color="text.secondary" data-testid="session-progress">
            {progress.statusText} (stage {progress.currentStageIndex}/{progress.totalStages})
          </Typography>
        </Stack>
      )}
      <Stack direction="row" spacing={3} useFlexGap sx={{ mt: 1.5, flexWrap: "wrap" }}>
        <Field label="Chain">{session?.chain_id ?? "—"}</Field>
        <Field label="Author">{session?.author ?? "—"}</Field>
        <Field label="Created">{formatTime(session?.created_at)}</Field>
        <Field label="Started">{formatTime(session?.started_at)}</Field>
        <Field label="Duration" testId="session-duration">{formatDuration(duration)}</Field>
        <Field label="Stages">
          {session ? `${session.completed_stages}/${session.total_stages}` : "—"}
          {session?.failed_stages ? ` (${session.failed_stages} failed)` : ""}
        </Field>
        <Field label="Tokens (in / out / total)" testId="session-tokens">
          {session
            ? `${formatTokens(session.input_tokens)} / ${formatTokens(session.output_tokens)} / ${formatTokens(session.total_tokens)}`
            : "—"}
        </Field>
        {session?.cost_estimation_enabled !== false && (
          <Field label="Estimated cost" testId="session-cost">
            {formatCost(session?.estimated_cost_usd)}
            {session?.cost_completeness === "partial" ? " (partial)" : ""}
          </Field>
        )}
        <Field label="LLM / MCP calls">
          {session ? `${session.llm_interaction_count} / ${session.mcp_interaction_count}` : "—"}
        </Field>
        {session?.runbook_url && (
          <Field label="Runbook">
            <Link href={session.runbook_url} target="_blank" rel="noreferrer">
              {session.runbook_url}
            </Link>
          </Field>
        )}
      </Stack>
      {session?.error_message && (
        <Alert severity="error" sx={{ mt: 1.5 }} data-testid="session-error">
          {session.error_message}
        </Alert>
      )}
      {session && (
        <Box sx={{ mt: 1.5 }}>
          <Typography variant="caption" color="text.secondary">
            Alert data
          </Typography>
          <ClampBox canClamp={isLong(session.alert_data)}>
            <Box
              component="pre"
              data-testid="alert-data-view"
              sx={{ m: 0, p: 1, bgcolor: "action.hover", borderRadius: 1, fontSize: 12, whiteSpace: "pre-wrap", overflowWrap: "anywhere" }}
            >
              {session.alert_data}
            </Box>
          </ClampBox>
        </Box>
      )}
    </Paper>
  );
}
