/** The chain timeline: stages in order, their executions side by side when parallel. */
import { Box, Chip, Paper, Stack, Typography } from "@mui/material";

import { StatusChip } from "../../components/StatusChip";
import { elapsedMs, formatDuration } from "../../format";
import { useNow } from "../../hooks/useNow";
import type { TimelineTree } from "../../timeline/selectors";
import { ExecutionCard } from "./ExecutionCard";
import { TimelineEventItem } from "./TimelineEventItem";

const STAGE_TYPE_LABEL: Readonly<Record<string, string>> = {
  investigation: "investigation",
  synthesis: "synthesis",
  chat: "chat",
  exec_summary: "executive summary",
  scoring: "scoring",
  action: "action",
};

export function ChainTimeline({ tree, live }: { tree: TimelineTree; live: boolean }) {
  const now = useNow(1000, live);
  return (
    <Stack spacing={2} data-testid="timeline">
      {tree.stages.map(({ stage, executions, leading, trailing }) => {
        const duration =
          stage.durationMs ?? (live && stage.status === "active" ? elapsedMs(stage.startedAt, null, now) : null);
        return (
          <Paper
            key={stage.stageId}
            variant="outlined"
            data-testid="stage"
            data-stage-id={stage.stageId}
            data-stage-type={stage.stageType}
            data-status={stage.status}
            sx={{ p: 1.5, bgcolor: "background.default" }}
          >
            <Stack direction="row" spacing={1} sx={{ alignItems: "center", mb: 1, flexWrap: "wrap" }} useFlexGap>
              <Typography variant="subtitle1" sx={{ fontWeight: 600 }} data-testid="stage-name">
                {stage.index}. {stage.name || "stage"}
              </Typography>
              <Chip size="small" variant="outlined" label={STAGE_TYPE_LABEL[stage.stageType] ?? stage.stageType} />
              {stage.parallelType && (
                <Chip size="small" variant="outlined" color="secondary" label={`parallel: ${stage.parallelType}`} />
              )}
              <StatusChip status={stage.status} testId="stage-status" />
              <Typography variant="caption" color="text.secondary" sx={{ ml: "auto" }}>
                {formatDuration(duration)}
              </Typography>
            </Stack>
            {stage.errorMessage && (
              <Typography variant="body2" color="error" sx={{ mb: 1 }}>
                {stage.errorMessage}
              </Typography>
            )}
            {leading.map((item) => (
              <TimelineEventItem key={item.eventId} item={item} />
            ))}
            <Box
              sx={{
                display: "grid",
                gap: 1.5,
                gridTemplateColumns:
                  executions.length > 1 ? { xs: "1fr", md: `repeat(${Math.min(executions.length, 3)}, minmax(0, 1fr))` } : "1fr",
              }}
            >
              {executions.map((node) => (
                <ExecutionCard key={node.execution.executionId} node={node} now={now} live={live} />
              ))}
            </Box>
            {trailing.map((item) => (
              <TimelineEventItem key={item.eventId} item={item} />
            ))}
          </Paper>
        );
      })}
      {tree.loose.length > 0 && (
        <Paper variant="outlined" sx={{ p: 1.5 }}>
          <Typography variant="subtitle2" color="text.secondary">
            Session events
          </Typography>
          {tree.loose.map((item) => (
            <TimelineEventItem key={item.eventId} item={item} />
          ))}
        </Paper>
      )}
      {tree.stages.length === 0 && tree.loose.length === 0 && (
        <Typography color="text.secondary">No stages yet: the session is waiting for a worker.</Typography>
      )}
    </Stack>
  );
}
