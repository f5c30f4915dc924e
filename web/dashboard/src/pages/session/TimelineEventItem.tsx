/** One timeline event, drawn by its type; its text is in `event-content`. */
import BuildIcon from "@mui/icons-material/Build";
import PersonIcon from "@mui/icons-material/Person";
import PsychologyIcon from "@mui/icons-material/Psychology";
import { Alert, Box, Chip, CircularProgress, Stack, Typography } from "@mui/material";
import { memo, type ReactNode } from "react";

import { ClampBox, isLong } from "../../components/ClampBox";
import { Markdown } from "../../components/Markdown";
import { prettyJson } from "../../format";
import type { TimelineItem } from "../../timeline/types";

const mono = { fontFamily: "monospace", fontSize: 12 } as const;

function text(value: unknown): string {
  return typeof value === "string" ? value : value == null ? "" : String(value);
}

function Pre({ children, testId }: { children: string; testId?: string }) {
  return (
    <Box
      component="pre"
      data-testid={testId}
      sx={{ ...mono, m: 0, p: 1, bgcolor: "action.hover", borderRadius: 1, whiteSpace: "pre-wrap", overflowWrap: "anywhere" }}
    >
      {children}
    </Box>
  );
}

function Label({ icon, children }: { icon?: ReactNode; children: ReactNode }) {
  return (
    <Stack direction="row" spacing={0.75} sx={{ alignItems: "center", mb: 0.5, color: "text.secondary" }}>
      {icon}
      <Typography variant="caption" sx={{ fontWeight: 600, textTransform: "uppercase", letterSpacing: 0.4 }}>
        {children}
      </Typography>
    </Stack>
  );
}

function Spinner({ item }: { item: TimelineItem }) {
  return item.status === "streaming" ? <CircularProgress size={12} aria-label="streaming" /> : null;
}

function Body({ item, summarized }: { item: TimelineItem; summarized: boolean }) {
  const meta = item.metadata ?? {};
  const streaming = item.status === "streaming";
  switch (item.eventType) {
    case "llm_thinking":
      return (
        <Box sx={{ color: "text.secondary", fontStyle: "italic", opacity: 0.85 }}>
          <Label icon={<PsychologyIcon fontSize="inherit" />}>
            Thinking <Spinner item={item} />
          </Label>
          <ClampBox canClamp={!streaming && isLong(item.content)}>
            <Typography variant="body2" data-testid="event-content" sx={{ whiteSpace: "pre-wrap" }}>
              {item.content}
            </Typography>
          </ClampBox>
        </Box>
      );
    case "llm_tool_call": {
      const server = text(meta.server_name);
      const tool = text(meta.tool_name);
      const failed = meta.is_error === true || item.status === "failed";
      return (
        <Box>
          <Stack direction="row" spacing={1} sx={{ alignItems: "center", mb: 0.5, flexWrap: "wrap" }} useFlexGap>
            <BuildIcon fontSize="small" color={failed ? "error" : "action"} />
            <Typography variant="body2" sx={{ ...mono, fontWeight: 600 }} data-testid="tool-name">
              {server ? `${server}.${tool}` : tool}
            </Typography>
            <Spinner item={item} />
            {failed && <Chip size="small" color="error" label="error" />}
            {summarized && <Chip size="small" color="secondary" variant="outlined" label="summarized" data-testid="tool-summarized" />}
          </Stack>
          {meta.arguments != null && text(meta.arguments) !== "{}" && (
            <Box sx={{ mb: 0.5 }} data-testid="tool-arguments">
              <Pre>{prettyJson(meta.arguments)}</Pre>
            </Box>
          )}
          {streaming && !item.content ? (
            <Typography variant="caption" color="text.secondary">
              running…
              <span data-testid="event-content" />
            </Typography>
          ) : (
            <ClampBox canClamp={isLong(item.content)}>
              <Pre testId="event-content">{item.content}</Pre>
            </ClampBox>
          )}
        </Box>
      );
    }
    case "mcp_tool_summary":
      return (
        <Box>
          <Label>
            Summary of {text(meta.server_name)}.{text(meta.tool_name)}
            {meta.original_tokens != null && ` (${text(meta.original_tokens)} tokens)`} <Spinner item={item} />
          </Label>
          <ClampBox canClamp={!streaming && isLong(item.content, 600, 10)}>
            <Markdown text={item.content} testId="event-content" />
          </ClampBox>
        </Box>
      );
    case "final_analysis":
    case "executive_summary": {
      const summary = item.eventType === "executive_summary" || meta.interaction_type === "executive_summary";
      return (
        <Box sx={{ borderLeft: 3, borderColor: "success.main", pl: 1.5 }}>
          <Label>{summary ? "Executive summary" : "Final analysis"}</Label>
          <ClampBox canClamp={isLong(item.content, 600, 12)} collapsedHeight={120}>
            <Markdown text={item.content} testId="event-content" />
          </ClampBox>
        </Box>
      );
    }
    case "error":
      return (
        <Alert severity="error">
          <Typography variant="body2" data-testid="event-content" sx={{ whiteSpace: "pre-wrap" }}>
            {item.content}
          </Typography>
        </Alert>
      );
    case "provider_fallback":
      return (
        <Alert severity="warning" data-testid="provider-fallback">
          <Typography variant="body2" data-testid="event-content">
            {item.content}
          </Typography>
          {meta.error_code != null && (
            <Typography variant="caption" color="text.secondary">
              error code {text(meta.error_code)}, attempt {text(meta.attempt)}
            </Typography>
          )}
        </Alert>
      );
    case "user_question":
      return (
        <Box sx={{ bgcolor: "action.selected", borderRadius: 2, p: 1.25 }}>
          <Label icon={<PersonIcon fontSize="inherit" />}>{text(meta.author) || "question"}</Label>
          <Typography variant="body2" data-testid="event-content" sx={{ whiteSpace: "pre-wrap" }}>
            {item.content}
          </Typography>
        </Box>
      );
    case "llm_response":
      return (
        <Box>
          <Spinner item={item} />
          <Markdown text={item.content} testId="event-content" />
        </Box>
      );
    default:
      return (
        <Box>
          <Label>
            {item.eventType.replace(/_/g, " ")} <Spinner item={item} />
          </Label>
          <ClampBox canClamp={isLong(item.content, 600, 10)}>
            <Markdown text={item.content} testId="event-content" />
          </ClampBox>
        </Box>
      );
  }
}

export const TimelineEventItem = memo(function TimelineEventItem({
  item,
  summarized = false,
}: {
  item: TimelineItem;
  summarized?: boolean;
}) {
  return (
    <Box
      data-testid="timeline-event"
      data-event-type={item.eventType}
      data-status={item.status}
      data-event-id={item.eventId}
      sx={{ py: 0.75 }}
    >
      <Body item={item} summarized={summarized} />
    </Box>
  );
});
