/**
 * The optional per-alert MCP override (`mcp` of `POST /api/v1/alerts`): which servers, which of
 * their tools (none picked = all), and native tools; preset from the alert type's defaults.
 */
import {
  Box,
  Checkbox,
  Chip,
  CircularProgress,
  FormControlLabel,
  FormGroup,
  Stack,
  Typography,
} from "@mui/material";
import { useEffect, useState, type InputHTMLAttributes } from "react";

import { api } from "../../api/client";
import type { AlertSubmission } from "../../api/types";

export type McpValue = NonNullable<AlertSubmission["mcp"]>;
type Native = NonNullable<McpValue["native_tools"]>;

const NATIVE_KEYS = ["google_search", "code_execution", "url_context"] as const;

interface Choices {
  servers: string[];
  tools: Record<string, string[]>;
}

export function McpOverride({
  alertType,
  value,
  onChange,
}: {
  alertType: string;
  value: McpValue | null;
  onChange: (value: McpValue | null) => void;
}) {
  const [choices, setChoices] = useState<Choices | null>(null);
  const [defaults, setDefaults] = useState<McpValue | null>(null);

  useEffect(() => {
    let live = true;
    void Promise.all([
      api.GET("/api/v1/system/default-tools", { params: { query: { alert_type: alertType || undefined } } }),
      api.GET("/api/v1/system/default-tools", { params: { query: {} } }),
      api.GET("/api/v1/system/mcp-servers"),
    ]).then(([forType, all, health]) => {
      if (!live) return;
      const tools: Record<string, string[]> = {};
      for (const server of health.data?.servers ?? []) tools[server.id] = server.tools.map((t) => t.name);
      const preset = forType.data?.mcp_servers ?? [];
      const servers = [...new Set([...preset, ...(all.data?.mcp_servers ?? [])])];
      setChoices({ servers, tools });
      const native = forType.data?.native_tools;
      setDefaults({
        servers: preset.map((name) => ({ name, tools: null })),
        native_tools: native
          ? { google_search: native.google_search, code_execution: native.code_execution, url_context: native.url_context }
          : null,
      });
    });
    return () => {
      live = false;
    };
  }, [alertType]);

  // A new alert type resets an active override to that type's defaults.
  useEffect(() => {
    if (value !== null && defaults !== null) onChange(defaults);
  }, [defaults]);

  const enabled = value !== null;
  const selected = new Map((value?.servers ?? []).map((s) => [s.name, s.tools ?? []]));

  const setServer = (name: string, on: boolean) => {
    if (!value) return;
    const servers = on
      ? [...value.servers, { name, tools: null }]
      : value.servers.filter((s) => s.name !== name);
    onChange({ ...value, servers });
  };
  const toggleTool = (server: string, tool: string) => {
    if (!value) return;
    const servers = value.servers.map((s) => {
      if (s.name !== server) return s;
      const current = s.tools ?? [];
      const tools = current.includes(tool) ? current.filter((t) => t !== tool) : [...current, tool];
      return { name: s.name, tools: tools.length ? tools : null };
    });
    onChange({ ...value, servers });
  };
  const setNative = (key: (typeof NATIVE_KEYS)[number], on: boolean) => {
    if (!value) return;
    const base: Native = value.native_tools ?? { google_search: null, code_execution: null, url_context: null };
    onChange({ ...value, native_tools: { ...base, [key]: on } });
  };

  return (
    <Box data-testid="mcp-override">
      <FormControlLabel
        control={
          <Checkbox
            checked={enabled}
            onChange={(e) => onChange(e.target.checked ? defaults ?? { servers: [], native_tools: null } : null)}
            slotProps={{ input: { "data-testid": "mcp-override-toggle" } as InputHTMLAttributes<HTMLInputElement> }}
          />
        }
        label="Override MCP servers and tools for this alert"
      />
      {enabled && choices === null && <CircularProgress size={16} />}
      {enabled && choices !== null && (
        <Stack spacing={1} sx={{ pl: 4 }}>
          {choices.servers.length === 0 && (
            <Typography variant="body2" color="text.secondary">
              No MCP servers are configured.
            </Typography>
          )}
          {choices.servers.map((server) => (
            <Box key={server} data-testid="mcp-override-server" data-server={server}>
              <FormControlLabel
                control={<Checkbox size="small" checked={selected.has(server)} onChange={(e) => setServer(server, e.target.checked)} />}
                label={<Typography sx={{ fontFamily: "monospace" }}>{server}</Typography>}
              />
              {selected.has(server) && (choices.tools[server]?.length ?? 0) > 0 && (
                <Stack direction="row" spacing={0.5} useFlexGap sx={{ flexWrap: "wrap", pl: 4 }}>
                  <Typography variant="caption" color="text.secondary" sx={{ mr: 0.5 }}>
                    tools ({(selected.get(server) ?? []).length ? "only these" : "all"}):
                  </Typography>
                  {(choices.tools[server] ?? []).map((tool) => (
                    <Chip
                      key={tool}
                      size="small"
                      label={tool}
                      color={(selected.get(server) ?? []).includes(tool) ? "primary" : "default"}
                      variant={(selected.get(server) ?? []).includes(tool) ? "filled" : "outlined"}
                      onClick={() => toggleTool(server, tool)}
                    />
                  ))}
                </Stack>
              )}
            </Box>
          ))}
          <FormGroup row>
            {NATIVE_KEYS.map((key) => (
              <FormControlLabel
                key={key}
                control={<Checkbox size="small" checked={value?.native_tools?.[key] === true} onChange={(e) => setNative(key, e.target.checked)} />}
                label={`native: ${key}`}
              />
            ))}
          </FormGroup>
        </Stack>
      )}
    </Box>
  );
}
