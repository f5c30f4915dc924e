/** One agent execution: name, status, provider/model, duration, progress, its events, sub-agents. */
import { Alert, Box, CircularProgress, Paper, Stack, Typography } from "@mui/material";

import { StatusChip } from "../../components/StatusChip";
import { elapsedMs, formatDuration, formatTokens } from "../../format";
import type { ExecutionNode } from "../../timeline/selectors";
import type { TimelineItem } from "../../timeline/types";
import { TimelineEventItem } from "./TimelineEventItem";

/** Tool calls followed (in the same execution) by a summary of their output. */
function summarizedCalls(events: readonly TimelineItem[]): Set<string> {
  const out = new Set<string>();
  events.forEach((item, i) => {
    if (item.eventType !== "mcp_tool_summary") return;
    for (let j = i - 1; j >= 0; j -= 1) {
      const call = events[j];
      if (call?.eventType !== "llm_tool_call") continue;
      if (call.metadata?.server_name === item.metadata?.server_name && call.metadata?.tool_name === item.metadata?.tool_name) {
        out.add(call.eventId);
        break;
      }
    }
  });
  return out;
}

export function ExecutionCard({
  node,
  now,
  live,
  depth = 0,
}: {
  node: ExecutionNode;
  now: number;
  /** The session (or a chat answer) is still running. */
  live: boolean;
  depth?: number;
}) {
  const { execution, events, subAgents } = node;
  const summarized = summarizedCalls(events);
  const running = live && execution.status === "active";
  const duration = execution.durationMs ?? (running ? elapsedMs(execution.startedAt, null, now) : null);
  return (
    <Paper
      variant="outlined"
      data-testid={depth > 0 ? "sub-agent" : "execution"}
      data-execution-id={execution.executionId}
      data-status={execution.status}
      sx={{ p: 1.5, minWidth: 0, ...(depth > 0 && { borderLeft: 3, borderLeftColor: "secondary.main" }) }}
    >
      <Stack direction="row" spacing={1} sx={{ alignItems: "center", flexWrap: "wrap" }} useFlexGap>
        <Typography variant="subtitle2" data-testid="agent-name">
          {execution.agentName || `agent ${execution.agentIndex}`}
        </Typography>
        <StatusChip status={execution.status} testId="execution-status" />
        <Typography variant="caption" color="text.secondary" sx={{ ml: "auto" }}>
          {[execution.llmProvider, execution.modelName].filter(Boolean).join(" / ")}
          {duration != null && ` · ${formatDuration(duration)}`}
          {execution.totalTokens ? ` · ${formatTokens(execution.totalTokens)} tok` : ""}
        </Typography>
      </Stack>
      {execution.originalModel && (
        <Typography variant="caption" color="warning.main" component="div">
          fell back from {execution.originalProvider} / {execution.originalModel}
          {execution.fallbackReason ? `: ${execution.fallbackReason}` : ""}
        </Typography>
      )}
      {execution.task && (
        <Typography variant="body2" color="text.secondary" sx={{ mt: 0.5, whiteSpace: "pre-wrap" }}>
          Task: {execution.task}
        </Typography>
      )}
      {execution.progress && running && (
        <Stack direction="row" spacing={1} sx={{ mt: 0.5, alignItems: "center" }} data-testid="execution-progress">
          <CircularProgress size={12} />
          <Typography variant="caption" color="text.secondary">
            {execution.progress.phase.replace(/_/g, " ")}: {execution.progress.message}
          </Typography>
        </Stack>
      )}
      {execution.errorMessage && (
        <Alert severity="error" sx={{ mt: 1 }}>
          {execution.errorMessage}
        </Alert>
      )}
      <Box sx={{ mt: 0.5, "& > * + *": { borderTop: 1, borderColor: "divider" } }}>
        {events.map((item) => (
          <TimelineEventItem key={item.eventId} item={item} summarized={summarized.has(item.eventId)} />
        ))}
        {events.length === 0 && running && (
          <Typography variant="caption" color="text.secondary">
            Waiting for the model…
          </Typography>
        )}
      </Box>
      {subAgents.length > 0 && (
        <Stack spacing={1} sx={{ mt: 1, pl: 1 }}>
          <Typography variant="caption" color="text.secondary">
            Sub-agents
          </Typography>
          {subAgents.map((child) => (
            <ExecutionCard key={child.execution.executionId} node={child} now={now} live={live} depth={depth + 1} />
          ))}
        </Stack>
      )}
    </Paper>
  );
}
