/** The session list table: server-side sort and pagination, one clickable row per session. */
import {
  Box,
  LinearProgress,
  Link,
  Table,
  TableBody,
  TableCell,
  TableContainer,
  TableHead,
  TablePagination,
  TableRow,
  TableSortLabel,
  Tooltip,
  Typography,
} from "@mui/material";
import { Link as RouterLink, useNavigate } from "react-router";

import type { SessionListResponse } from "../../api/types";
import { StatusChip } from "../../components/StatusChip";
import { elapsedMs, formatCost, formatDuration, formatTime, formatTokens } from "../../format";
import type { ListQuery } from "./query";

interface Column {
  label: string;
  sortKey?: string;
  align?: "right";
}

const COLUMNS: Column[] = [
  { label: "Status", sortKey: "status" },
  { label: "Alert type", sortKey: "alert_type" },
  { label: "Chain" },
  { label: "Author", sortKey: "author" },
  { label: "Created", sortKey: "created_at" },
  { label: "Duration", sortKey: "duration", align: "right" },
  { label: "Stages", align: "right" },
  { label: "Tokens", align: "right" },
  { label: "Cost", align: "right" },
  { label: "Summary" },
];

export function SessionTable({
  data,
  loading,
  query,
  onChange,
}: {
  data: SessionListResponse | null;
  loading: boolean;
  query: ListQuery;
  onChange: (patch: Partial<ListQuery>) => void;
}) {
  const navigate = useNavigate();
  const sessions = data?.sessions ?? [];
  const showCost = data?.cost_estimation_enabled ?? true;
  return (
    <Box>
      <Box sx={{ height: 4 }}>{loading && <LinearProgress />}</Box>
      <TableContainer>
        <Table size="small" data-testid="session-list" aria-label="sessions">
          <TableHead>
            <TableRow>
              {COLUMNS.filter((c) => showCost || c.label !== "Cost").map((column) => (
                <TableCell key={column.label} align={column.align} sx={{ fontWeight: 600, whiteSpace: "nowrap" }}>
                  {column.sortKey ? (
                    <TableSortLabel
                      active={query.sortBy === column.sortKey}
                      direction={query.sortBy === column.sortKey ? query.sortOrder : "desc"}
                      onClick={() =>
                        onChange({
                          sortBy: column.sortKey,
                          sortOrder: query.sortBy === column.sortKey && query.sortOrder === "desc" ? "asc" : "desc",
                          page: 1,
                        })
                      }
                    >
                      {column.label}
                    </TableSortLabel>
                  ) : (
                    column.label
                  )}
                </TableCell>
              ))}
            </TableRow>
          </TableHead>
          <TableBody>
            {sessions.map((s) => (
              <TableRow
                key={s.id}
                hover
                data-testid="session-row"
                data-session-id={s.id}
                onClick={(e) => {
                  if (!(e.target as HTMLElement).closest("a")) navigate(`/sessions/${s.id}`);
                }}
                sx={{ cursor: "pointer" }}
              >
                <TableCell>
                  <StatusChip status={s.status} testId="session-status" />
                </TableCell>
                <TableCell>
                  <Link component={RouterLink} to={`/sessions/${s.id}`} underline="hover">
                    {s.alert_type ?? "—"}
                  </Link>
                </TableCell>
                <TableCell>{s.chain_id}</TableCell>
                <TableCell>{s.author ?? "—"}</TableCell>
                <TableCell sx={{ whiteSpace: "nowrap" }}>{formatTime(s.created_at)}</TableCell>
                <TableCell align="right" sx={{ whiteSpace: "nowrap" }}>
                  {formatDuration(s.duration_ms ?? (s.status === "in_progress" ? elapsedMs(s.started_at) : null))}
                </TableCell>
                <TableCell align="right">
                  {s.completed_stages}/{s.total_stages}
                </TableCell>
                <TableCell align="right">
                  <Tooltip title={`in ${s.input_tokens} · out ${s.output_tokens}`}>
                    <span>{formatTokens(s.total_tokens)}</span>
                  </Tooltip>
                </TableCell>
                {showCost && <TableCell align="right">{formatCost(s.estimated_cost_usd)}</TableCell>}
                <TableCell>
                  <Typography variant="body2" noWrap color={s.error_message ? "error" : "text.secondary"} sx={{ maxWidth: 360 }}>
                    {s.error_message ?? s.executive_summary ?? ""}
                  </Typography>
                </TableCell>
              </TableRow>
            ))}
            {!loading && sessions.length === 0 && (
              <TableRow>
                <TableCell colSpan={COLUMNS.length}>
                  <Typography color="text.secondary" sx={{ py: 2, textAlign: "center" }}>
                    No sessions match.
                  </Typography>
                </TableCell>
              </TableRow>
            )}
          </TableBody>
        </Table>
      </TableContainer>
      <TablePagination
        component="div"
        count={data?.pagination.total_items ?? 0}
        page={Math.max(0, query.page - 1)}
        rowsPerPage={query.pageSize}
        rowsPerPageOptions={[10, 25, 50, 100]}
        onPageChange={(_, page) => onChange({ page: page + 1 })}
        onRowsPerPageChange={(e) => onChange({ pageSize: Number(e.target.value), page: 1 })}
      />
    </Box>
  );
}
