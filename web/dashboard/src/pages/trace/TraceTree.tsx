/** The trace tree: stages -> executions (sub-agents nested) -> LLM and MCP interactions in time order. */
import { Box, List, ListItemButton, Stack, Typography } from "@mui/material";

import type { LLMInteractionItem, MCPInteractionItem, SessionTrace, TraceExecution } from "../../api/types";
import { formatDuration, formatTokens } from "../../format";

export type Selection = { kind: "llm" | "mcp"; id: string } | null;

type Row = { kind: "llm"; item: LLMInteractionItem } | { kind: "mcp"; item: MCPInteractionItem };

function rows(execution: TraceExecution): Row[] {
  const all: Row[] = [
    ...execution.llm_interactions.map((item) => ({ kind: "llm" as const, item })),
    ...execution.mcp_interactions.map((item) => ({ kind: "mcp" as const, item })),
  ];
  return all.sort((a, b) => a.item.created_at.localeCompare(b.item.created_at));
}

function LlmRow({ item, selected, onSelect }: { item: LLMInteractionItem; selected: boolean; onSelect: () => void }) {
  return (
    <ListItemButton dense selected={selected} onClick={onSelect} data-testid="llm-interaction" data-interaction-id={item.id}>
      <Stack sx={{ minWidth: 0, width: "100%" }}>
        <Stack direction="row" spacing={1} sx={{ alignItems: "baseline" }}>
          <Typography variant="body2" sx={{ fontWeight: 600 }}>
            LLM · {item.interaction_type}
          </Typography>
          <Typography variant="caption" color="text.secondary" noWrap sx={{ ml: "auto" }}>
            {formatDuration(item.duration_ms)}
          </Typography>
        </Stack>
        <Typography variant="caption" color={item.error_message ? "error" : "text.secondary"} noWrap>
          {item.error_message ?? `${item.model_name} · ${formatTokens(item.input_tokens)} in / ${formatTokens(item.output_tokens)} out`}
        </Typography>
      </Stack>
    </ListItemButton>
  );
}

function McpRow({ item, selected, onSelect }: { item: MCPInteractionItem; selected: boolean; onSelect: () => void }) {
  const name = item.interaction_type === "tool_list" ? `list tools` : `${item.server_name ? `${item.server_name}.` : ""}${item.tool_name ?? ""}`;
  return (
    <ListItemButton dense selected={selected} onClick={onSelect} data-testid="mcp-interaction" data-interaction-id={item.id}>
      <Stack sx={{ minWidth: 0, width: "100%" }}>
        <Stack direction="row" spacing={1} sx={{ alignItems: "baseline" }}>
          <Typography variant="body2" sx={{ fontWeight: 600, fontFamily: "monospace" }} noWrap>
            MCP · {name}
          </Typography>
          <Typography variant="caption" color="text.secondary" noWrap sx={{ ml: "auto" }}>
            {formatDuration(item.duration_ms)}
          </Typography>
        </Stack>
        <Typography variant="caption" color={item.error_message ? "error" : "text.secondary"} noWrap>
          {item.error_message ?? (item.interaction_type === "tool_list" ? item.server_name : item.interaction_type)}
        </Typography>
      </Stack>
    </ListItemButton>
  );
}

function ExecutionBlock({
  execution,
  selection,
  onSelect,
  depth,
}: {
  execution: TraceExecution;
  selection: Selection;
  onSelect: (s: Selection) => void;
  depth: number;
}) {
  return (
    <Box sx={{ pl: depth ? 1.5 : 0, borderLeft: depth ? 2 : 0, borderColor: "divider", mt: 0.5 }}>
      <Typography variant="caption" color="text.secondary" sx={{ fontWeight: 600 }}>
        {depth ? "sub-agent " : ""}
        {execution.agent_name}
      </Typography>
      <List dense disablePadding>
        {rows(execution).map((row) =>
          row.kind === "llm" ? (
            <LlmRow
              key={row.item.id}
              item={row.item}
              selected={selection?.id === row.item.id}
              onSelect={() => onSelect({ kind: "llm", id: row.item.id })}
            />
          ) : (
            <McpRow
              key={row.item.id}
              item={row.item}
              selected={selection?.id === row.item.id}
              onSelect={() => onSelect({ kind: "mcp", id: row.item.id })}
            />
          ),
        )}
      </List>
      {(execution.sub_agents ?? []).map((child) => (
        <ExecutionBlock key={child.execution_id} execution={child} selection={selection} onSelect={onSelect} depth={depth + 1} />
      ))}
    </Box>
  );
}

export function TraceTree({
  trace,
  selection,
  onSelect,
}: {
  trace: SessionTrace;
  selection: Selection;
  onSelect: (s: Selection) => void;
}) {
  return (
    <Stack spacing={1.5}>
      {trace.stages.map((stage, i) => (
        <Box key={stage.stage_id} data-testid="trace-stage">
          <Typography variant="subtitle2">
            {i + 1}. {stage.stage_name}{" "}
            <Typography component="span" variant="caption" color="text.secondary">
              ({stage.stage_type})
            </Typography>
          </Typography>
          {stage.executions.map((execution) => (
            <ExecutionBlock key={execution.execution_id} execution={execution} selection={selection} onSelect={onSelect} depth={0} />
          ))}
        </Box>
      ))}
      {trace.session_interactions.length > 0 && (
        <Box>
          <Typography variant="subtitle2">Session</Typography>
          <List dense disablePadding>
            {trace.session_interactions.map((item) => (
              <LlmRow key={item.id} item={item} selected={selection?.id === item.id} onSelect={() => onSelect({ kind: "llm", id: item.id })} />
            ))}
          </List>
        </Box>
      )}
      {trace.stages.length === 0 && trace.session_interactions.length === 0 && (
        <Typography color="text.secondary">No interactions recorded yet.</Typography>
      )}
    </Stack>
  );
}
