/** One MCP interaction: a tool call's arguments and result, or a server's listed tools. */
import { Alert, Box, Chip, Stack, Typography } from "@mui/material";

import type { MCPInteractionDetail } from "../../api/types";
import { ClampBox, isLong } from "../../components/ClampBox";
import { formatDuration, formatTime, prettyJson } from "../../format";

const pre = {
  m: 0,
  p: 1,
  bgcolor: "action.hover",
  borderRadius: 1,
  fontFamily: "monospace",
  fontSize: 12,
  whiteSpace: "pre-wrap",
  overflowWrap: "anywhere",
} as const;

function resultParts(result: MCPInteractionDetail["result"]) {
  const r = result ?? {};
  return {
    content: typeof r.content === "string" ? r.content : r.content == null ? "" : prettyJson(r.content),
    isError: r.is_error === true,
    summarized: r.summarized === true,
  };
}

export function McpDetail({ detail }: { detail: MCPInteractionDetail }) {
  const { content, isError, summarized } = resultParts(detail.result);
  const tools = (detail.available_tools ?? []) as { name?: unknown; description?: unknown }[];
  return (
    <Stack spacing={1.5} data-testid="mcp-detail">
      <Stack direction="row" spacing={1} sx={{ alignItems: "center", flexWrap: "wrap" }} useFlexGap>
        <Typography variant="subtitle1" sx={{ fontFamily: "monospace", fontWeight: 600 }}>
          {detail.server_name || "(orchestrator)"}
          {detail.tool_name ? `.${detail.tool_name}` : ""}
        </Typography>
        <Chip size="small" label={detail.interaction_type} />
        {isError && <Chip size="small" color="error" label="error" />}
        {summarized && <Chip size="small" color="secondary" label="summarized for the model" />}
        <Typography variant="caption" color="text.secondary" sx={{ ml: "auto" }}>
          {formatDuration(detail.duration_ms)} · {formatTime(detail.created_at)}
        </Typography>
      </Stack>
      {detail.error_message && <Alert severity="error">{detail.error_message}</Alert>}
      {detail.interaction_type === "tool_call" ? (
        <>
          <Box>
            <Typography variant="subtitle2">Arguments</Typography>
            <Box component="pre" sx={pre} data-testid="mcp-arguments">
              {prettyJson(detail.arguments ?? {})}
            </Box>
          </Box>
          <Box>
            <Typography variant="subtitle2">Result</Typography>
            <ClampBox canClamp={isLong(content, 4000, 60)} collapsedHeight={480}>
              <Box component="pre" sx={pre} data-testid="mcp-result">
                {content}
              </Box>
            </ClampBox>
          </Box>
        </>
      ) : (
        <Box>
          <Typography variant="subtitle2">Available tools ({tools.length})</Typography>
          <Stack spacing={0.5}>
            {tools.map((tool, i) => (
              <Box key={i}>
                <Typography variant="body2" sx={{ fontFamily: "monospace", fontWeight: 600 }}>
                  {String(tool.name ?? "")}
                </Typography>
                <Typography variant="caption" color="text.secondary" sx={{ whiteSpace: "pre-wrap" }}>
                  {String(tool.description ?? "")}
                </Typography>
              </Box>
            ))}
          </Stack>
        </Box>
      )}
    </Stack>
  );
}
