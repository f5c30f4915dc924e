/** `/system`: MCP server health with their tools, and the system warnings. */
import RefreshIcon from "@mui/icons-material/Refresh";
import { Alert, Box, Button, Chip, Paper, Stack, Typography } from "@mui/material";
import { useCallback, useEffect, useState } from "react";

import { api, errorMessage } from "../api/client";
import type { McpServerView, WarningView } from "../api/types";
import { formatTime } from "../format";

function ServerRow({ server }: { server: McpServerView }) {
  const [open, setOpen] = useState(false);
  return (
    <Paper variant="outlined" sx={{ p: 1.5 }} data-testid="mcp-server" data-server-id={server.id} data-healthy={String(server.healthy)}>
      <Stack direction="row" spacing={1} sx={{ alignItems: "center", flexWrap: "wrap" }} useFlexGap>
        <Typography sx={{ fontFamily: "monospace", fontWeight: 600 }}>{server.id}</Typography>
        <Chip size="small" color={server.healthy ? "success" : "error"} label={server.healthy ? "healthy" : "unhealthy"} />
        <Typography variant="caption" color="text.secondary">
          {server.tool_count} tools · checked {formatTime(server.last_check)}
        </Typography>
        <Button size="small" onClick={() => setOpen((o) => !o)} sx={{ ml: "auto" }}>
          {open ? "Hide tools" : "Show tools"}
        </Button>
      </Stack>
      {server.error && (
        <Typography variant="body2" color="error" sx={{ mt: 0.5 }}>
          {server.error}
        </Typography>
      )}
      {open && (
        <Stack spacing={0.5} sx={{ mt: 1 }}>
          {server.tools.map((tool) => (
            <Box key={tool.name}>
              <Typography variant="body2" sx={{ fontFamily: "monospace" }}>
                {tool.name}
              </Typography>
              <Typography variant="caption" color="text.secondary" sx={{ whiteSpace: "pre-wrap" }}>
                {tool.description}
              </Typography>
            </Box>
          ))}
        </Stack>
      )}
    </Paper>
  );
}

export function SystemPage() {
  const [servers, setServers] = useState<McpServerView[] | null>(null);
  const [warnings, setWarnings] = useState<WarningView[] | null>(null);
  const [error, setError] = useState<string | null>(null);

  const load = useCallback(async () => {
    const [s, w] = await Promise.all([api.GET("/api/v1/system/mcp-servers"), api.GET("/api/v1/system/warnings")]);
    if (s.data) setServers(s.data.servers);
    if (w.data) setWarnings(w.data.warnings);
    setError(s.data && w.data ? null : errorMessage(s.error ?? w.error, s.data ? w.response : s.response));
  }, []);
  useEffect(() => {
    void load();
    const timer = setInterval(() => void load(), 15_000);
    return () => clearInterval(timer);
  }, [load]);

  return (
    <Stack spacing={2} sx={{ maxWidth: 1100 }}>
      <Stack direction="row" sx={{ alignItems: "center" }}>
        <Typography variant="h5" sx={{ flexGrow: 1 }}>
          System
        </Typography>
        <Button startIcon={<RefreshIcon />} onClick={() => void load()}>
          Refresh
        </Button>
      </Stack>
      {error && <Alert severity="error">{error}</Alert>}
      <Typography variant="h6">Warnings</Typography>
      {warnings?.length === 0 && <Typography color="text.secondary">No warnings.</Typography>}
      {warnings?.map((w) => (
        <Alert key={w.id} severity="warning" data-testid="warning" data-category={w.category}>
          <Typography variant="body2" sx={{ fontWeight: 600 }}>
            {w.message}
          </Typography>
          {w.details && <Typography variant="body2">{w.details}</Typography>}
          <Typography variant="caption" color="text.secondary">
            {w.category}
            {w.server_id && ` · ${w.server_id}`} · {formatTime(w.created_at)}
          </Typography>
        </Alert>
      ))}
      <Typography variant="h6">MCP servers</Typography>
      {servers?.length === 0 && (
        <Typography color="text.secondary">No health data (the MCP health monitor is off on this replica).</Typography>
      )}
      {servers?.map((server) => (
        <ServerRow key={server.id} server={server} />
      ))}
    </Stack>
  );
}
