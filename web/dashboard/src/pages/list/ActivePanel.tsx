/** Sessions running now and those queued (with their queue position). */
import { Box, Chip, Link, Paper, Stack, Typography } from "@mui/material";
import { Link as RouterLink } from "react-router";

import type { ActiveSessionsResponse } from "../../api/types";
import { elapsedMs, formatDuration } from "../../format";

export function ActivePanel({ data, now }: { data: ActiveSessionsResponse | null; now: number }) {
  const active = data?.active ?? [];
  const queued = data?.queued ?? [];
  return (
    <Paper variant="outlined" data-testid="active-panel" sx={{ p: 1.5 }}>
      <Stack direction={{ xs: "column", md: "row" }} spacing={3}>
        <Box sx={{ flex: 1, minWidth: 0 }}>
          <Typography variant="subtitle2" gutterBottom>
            Active ({active.length})
          </Typography>
          {active.length === 0 && <Typography variant="body2" color="text.secondary">Nothing running.</Typography>}
          <Stack spacing={0.5}>
            {active.map((s) => (
              <Stack key={s.id} direction="row" spacing={1} data-testid="active-session" data-session-id={s.id} sx={{ alignItems: "center" }}>
                <Chip size="small" label={s.status} color={s.status === "cancelling" ? "warning" : "info"} sx={{ fontFamily: "monospace" }} />
                <Link component={RouterLink} to={`/sessions/${s.id}`} underline="hover" noWrap>
                  {s.alert_type ?? s.chain_id}
                </Link>
                <Typography variant="body2" color="text.secondary" noWrap>
                  {s.chain_id}
                  {s.current_stage_index != null && ` · stage ${s.current_stage_index}`} ·{" "}
                  {formatDuration(elapsedMs(s.started_at, null, now))}
                </Typography>
              </Stack>
            ))}
          </Stack>
        </Box>
        <Box sx={{ flex: 1, minWidth: 0 }}>
          <Typography variant="subtitle2" gutterBottom>
            Queued ({queued.length})
          </Typography>
          {queued.length === 0 && <Typography variant="body2" color="text.secondary">Queue is empty.</Typography>}
          <Stack spacing={0.5}>
            {queued.map((s) => (
              <Stack key={s.id} direction="row" spacing={1} data-testid="queued-session" data-session-id={s.id} sx={{ alignItems: "center" }}>
                <Chip size="small" variant="outlined" label={`#${s.queue_position}`} data-testid="queue-position" />
                <Link component={RouterLink} to={`/sessions/${s.id}`} underline="hover" noWrap>
                  {s.alert_type ?? s.chain_id}
                </Link>
                <Typography variant="body2" color="text.secondary" noWrap>
                  waiting {formatDuration(elapsedMs(s.created_at, null, now))}
                </Typography>
              </Stack>
            ))}
          </Stack>
        </Box>
      </Stack>
    </Paper>
  );
}
